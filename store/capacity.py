"""What the capacity of a pool is read from: who still waits for a code, what can be handed
out, and how fast codes have been released lately."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, or_, select

from store.db import Tx
from store.models import Assignment, Code, Membership, Rejection


def waiting_by_stage(tx: Tx, campaign_id: int, incentive_id: int) -> dict[str, int]:
    """Members of the campaign per stage who neither hold nor had rejected the incentive."""
    holds = exists().where(
        Assignment.incentive_id == incentive_id, Assignment.creator_id == Membership.creator_id
    )
    rejected = exists().where(
        Rejection.incentive_id == incentive_id, Rejection.creator_id == Membership.creator_id
    )
    stmt = (
        select(Membership.stage, func.count())
        .where(Membership.campaign_id == campaign_id, ~holds, ~rejected)
        .group_by(Membership.stage)
    )
    return {stage: n for stage, n in tx.execute(stmt).all()}


def available_split(tx: Tx, incentive_id: int, valid_until: datetime) -> tuple[int, int]:
    """(codes that can be handed out now, available codes ending before ``valid_until``)."""
    valid = or_(Code.ends_at.is_(None), Code.ends_at >= valid_until)
    stmt = select(func.count().filter(valid), func.count().filter(~valid)).where(
        Code.incentive_id == incentive_id, Code.status == "available"
    )
    row = tx.execute(stmt).one()
    return int(row[0] or 0), int(row[1] or 0)


def released_since(tx: Tx, incentive_ids: Sequence[int], since: datetime) -> dict[int, int]:
    """Codes released per incentive at or after ``since``."""
    found = dict.fromkeys(incentive_ids, 0)
    if not incentive_ids:
        return found
    stmt = (
        select(Assignment.incentive_id, func.count())
        .where(Assignment.incentive_id.in_(incentive_ids), Assignment.assigned_at >= since)
        .group_by(Assignment.incentive_id)
    )
    found.update({i: n for i, n in tx.execute(stmt).all()})
    return found


def holders_ending_before(
    tx: Tx, incentive_id: int, before: datetime
) -> list[tuple[int, int, datetime]]:
    """(creator id, code id, end) of released, not revoked codes of the incentive that end
    before ``before``."""
    stmt = (
        select(Assignment.creator_id, Code.id, Code.ends_at)
        .join(Code, Code.id == Assignment.code_id)
        .where(
            Assignment.incentive_id == incentive_id,
            Code.status == "assigned",
            Code.ends_at.is_not(None),
            Code.ends_at < before,
        )
        .order_by(Code.ends_at)
    )
    return [
        (creator, code, ends) for creator, code, ends in tx.execute(stmt).all() if ends is not None
    ]
