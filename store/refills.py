"""Refill reservations: recorded before the store is asked, so caps hold across workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from store.db import Tx
from store.models import utcnow
from store.models_policy import Refill


def counted_since(tx: Tx, incentive_id: int, since: datetime) -> int:
    """Codes that count toward the daily cap: requested by running and finished refills,
    created by failed ones."""
    stmt = select(Refill.state, func.sum(Refill.requested), func.sum(Refill.created)).where(
        Refill.incentive_id == incentive_id, Refill.started_at >= since
    )
    total = 0
    for state, requested, created in tx.execute(stmt.group_by(Refill.state)).all():
        total += int(created or 0) if state == "failed" else int(requested or 0)
    return total


def running_since(tx: Tx, incentive_id: int, since: datetime) -> bool:
    """Whether a refill of the incentive started after ``since`` is still running."""
    stmt = select(func.count()).where(
        Refill.incentive_id == incentive_id,
        Refill.state == "running",
        Refill.started_at >= since,
    )
    return bool(tx.scalar(stmt))


def reserve(tx: Tx, incentive_id: int, requested: int, owner: str, now: datetime) -> Refill:
    row = Refill(
        incentive_id=incentive_id,
        requested=requested,
        created=0,
        state="running",
        owner=owner,
        started_at=now,
    )
    tx.add(row)
    tx.flush()
    return row


def finish(tx: Tx, refill_id: int, *, created: int, error: str | None) -> None:
    row = tx.get_one(Refill, refill_id)
    row.created, row.error = created, error
    row.state = "failed" if error else "done"
    row.finished_at = utcnow()
