"""Read-only aggregates for the ROI report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select

from store.chunks import chunked
from store.db import Tx
from store.models import Assignment, Code, Creator, Incentive, Membership
from store.models_sync import OrderCode, ShopOrder, UsageObservation


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
    """What the store told us about one released code."""

    redemptions: int  # max(latest reported usage count, paid orders seen using it)
    revenue: Decimal  # attributed from orders that used it
    first_redeemed_at: datetime | None


CENT = Decimal("0.01")
#: Orders whose money never arrived or went back are not revenue.
NOT_REVENUE = ("REFUNDED", "VOIDED", "EXPIRED")


def usage_by_code(tx: Tx, code_ids: list[int]) -> dict[int, CodeUsage]:
    """Redemptions and attributed revenue per code, from usage observations and orders.

    An order's total is attributed to the pool codes it used, split evenly (the
    remainder cent goes to the first), so campaign totals never count an order twice.
    Cancelled, test, refunded, voided and expired orders are not revenue.
    """
    if not code_ids:
        return {}
    latest: dict[int, int] = {}
    first_seen: dict[int, datetime] = {}
    orders: dict[int, tuple[Decimal, datetime, list[int]]] = {}
    for chunk in chunked(code_ids):
        # Each code's observations fall in one chunk, so per-code order holds.
        observations = (
            select(
                UsageObservation.code_id, UsageObservation.usage_count, UsageObservation.observed_at
            )
            .where(UsageObservation.code_id.in_(chunk))
            .order_by(UsageObservation.observed_at)
        )
        for code_id, count, at in tx.execute(observations):
            latest[code_id] = count
            if count > 0 and code_id not in first_seen:
                first_seen[code_id] = at
        used = (
            select(ShopOrder.id, ShopOrder.total, ShopOrder.processed_at, OrderCode.code_id)
            .join(OrderCode, OrderCode.order_id == ShopOrder.id)
            .where(
                OrderCode.code_id.is_not(None),
                ShopOrder.cancelled.is_(False),
                ShopOrder.test.is_(False),
                func.upper(ShopOrder.financial_status).not_in(NOT_REVENUE),
                ShopOrder.id.in_(select(OrderCode.order_id).where(OrderCode.code_id.in_(chunk))),
            )
            .order_by(ShopOrder.id, OrderCode.id)
        )
        in_chunk: dict[int, tuple[Decimal, datetime, list[int]]] = {}
        for order_id, total, processed_at, used_code in tx.execute(used):
            if used_code is not None:  # filtered in SQL; narrows the type
                in_chunk.setdefault(order_id, (total, processed_at, []))[2].append(used_code)
        # An order whose codes span chunks comes back whole from each: keep the first.
        for order_id, found in in_chunk.items():
            orders.setdefault(order_id, found)
    revenue: dict[int, Decimal] = {}
    order_counts: dict[int, int] = {}
    for total, processed_at, codes in orders.values():
        share = (total / len(codes)).quantize(CENT, rounding=ROUND_DOWN)
        remainder = total - share * len(codes)
        for index, code_id in enumerate(codes):
            revenue[code_id] = (
                revenue.get(code_id, Decimal(0)) + share + (remainder if index == 0 else 0)
            )
            order_counts[code_id] = order_counts.get(code_id, 0) + 1
            if code_id not in first_seen or processed_at < first_seen[code_id]:
                first_seen[code_id] = processed_at
    return {
        code_id: CodeUsage(
            redemptions=max(latest.get(code_id, 0), order_counts.get(code_id, 0)),
            revenue=revenue.get(code_id, Decimal(0)),
            first_redeemed_at=first_seen.get(code_id),
        )
        for code_id in code_ids
        if code_id in latest or code_id in revenue
    }
