"""Leaked codes: the facts they are detected from, and their durable response records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store.db import Tx
from store.models import Assignment, Code
from store.models_policy import CodeLeak
from store.models_sync import OrderCode, ShopOrder, UsageObservation

_LEAKS = cast(Table, CodeLeak.__table__)


@dataclass(frozen=True)
class ReleasedUse:
    """An order (not a test, not cancelled) that used a code released for the incentive."""

    code_id: int
    creator_id: int
    assigned_at: datetime
    order_id: int
    processed_at: datetime
    customer_key: str | None


def released_uses(tx: Tx, incentive_id: int) -> list[ReleasedUse]:
    stmt = (
        select(
            Assignment.code_id,
            Assignment.creator_id,
            Assignment.assigned_at,
            ShopOrder.id,
            ShopOrder.processed_at,
            ShopOrder.customer_key,
        )
        .join(OrderCode, OrderCode.code_id == Assignment.code_id)
        .join(ShopOrder, ShopOrder.id == OrderCode.order_id)
        .where(
            Assignment.incentive_id == incentive_id,
            ShopOrder.test.is_(False),
            ShopOrder.cancelled.is_(False),
        )
        .order_by(Assignment.code_id, ShopOrder.processed_at)
    )
    return [ReleasedUse(*row) for row in tx.execute(stmt).all()]


def usage_counts(tx: Tx, incentive_id: int) -> dict[int, tuple[int, int]]:
    """Per released code: (creator id, highest usage count the store reported)."""
    stmt = (
        select(Assignment.code_id, Assignment.creator_id, func.max(UsageObservation.usage_count))
        .join(UsageObservation, UsageObservation.code_id == Assignment.code_id)
        .where(Assignment.incentive_id == incentive_id)
        .group_by(Assignment.code_id, Assignment.creator_id)
    )
    return {code: (creator, int(n or 0)) for code, creator, n in tx.execute(stmt).all()}


def record(
    tx: Tx,
    *,
    code_id: int,
    incentive_id: int,
    creator_id: int,
    reasons: Sequence[str],
    customers: int,
    uses: int,
    state: str,
    now: datetime,
) -> bool:
    """Record a leak once per code; False if it was recorded before (by anyone)."""
    insert = postgresql.insert if tx.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(_LEAKS)
        .values(
            code_id=code_id,
            incentive_id=incentive_id,
            creator_id=creator_id,
            reasons=",".join(reasons),
            customers=customers,
            uses=uses,
            state=state,
            detected_at=now,
        )
        .on_conflict_do_nothing(index_elements=["code_id"])
        .returning(_LEAKS.c.id)
    )
    return tx.execute(statement).first() is not None


def known_codes(tx: Tx, incentive_id: int) -> set[int]:
    """Codes of the incentive already recorded as leaked (or replaced after a leak)."""
    stmt = select(CodeLeak.code_id).where(CodeLeak.incentive_id == incentive_id)
    return set(tx.scalars(stmt))


def pending(tx: Tx, state: str) -> list[int]:
    return list(
        tx.scalars(select(CodeLeak.id).where(CodeLeak.state == state).order_by(CodeLeak.id))
    )


def take_lease(
    tx: Tx, leak_id: int, state: str, owner: str, now: datetime, until: datetime
) -> bool:
    """Lease a pending leak to ``owner``; False if it is settled or leased to another."""
    result = tx.execute(
        update(CodeLeak)
        .where(
            CodeLeak.id == leak_id,
            CodeLeak.state == state,
            or_(CodeLeak.lease_until.is_(None), CodeLeak.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=until)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def locked(tx: Tx, leak_id: int) -> CodeLeak:
    stmt = (
        select(CodeLeak)
        .where(CodeLeak.id == leak_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return tx.scalars(stmt).one()


def release_lease(tx: Tx, leak_id: int, owner: str) -> None:
    tx.execute(
        update(CodeLeak)
        .where(and_(CodeLeak.id == leak_id, CodeLeak.lease_owner == owner))
        .values(lease_owner=None, lease_until=None)
    )


def code_text(tx: Tx, code_id: int) -> str:
    return tx.scalars(select(Code.code).where(Code.id == code_id)).one()


def flagged_codes(tx: Tx, incentive_ids: Sequence[int]) -> set[int]:
    """Leaked codes still held by their creator (flagged, or waiting for their reissue)."""
    if not incentive_ids:
        return set()
    stmt = select(CodeLeak.code_id).where(
        CodeLeak.incentive_id.in_(incentive_ids),
        CodeLeak.state.in_(("flagged", "reissue_pending")),
    )
    return set(tx.scalars(stmt))
