"""Alert marks: an alert raised once per subject (a code, an incentive on a day)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from store.db import Tx
from store.models import utcnow
from store.models_policy import AlertMark

_MARKS = cast(Table, AlertMark.__table__)


def mark_once(tx: Tx, kind: str, subject: str) -> bool:
    """Record that ``kind`` was raised for ``subject``; False if it already was (by anyone,
    even a concurrent transaction: the unique rule decides)."""
    insert = postgresql.insert if tx.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(_MARKS)
        .values(kind=kind, subject=subject[:120], at=utcnow())
        .on_conflict_do_nothing(index_elements=["kind", "subject"])
        .returning(_MARKS.c.id)
    )
    return tx.execute(statement).first() is not None
