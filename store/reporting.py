"""Read-only facts for the ROI report: released codes, orders that used codes, usage counts.

Every query selects by campaign (joins, no lists of ids as parameters), so a campaign of any
size is one statement per fact. The arithmetic (splits, currencies, attribution) is the
report's job, in ``sync.reports``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, func, select

from store.db import Tx
from store.models import Assignment, Code, Creator, Incentive, Membership
from store.models_sync import OrderCode, ShopOrder, UsageObservation

#: Orders whose money never arrived or went back are not revenue.
#: Financial statuses of orders that bring no revenue; "UNPAID" is the neutral word
#: platforms use for an order never paid (integrations.ports.Shop.iter_orders).
NOT_REVENUE = ("REFUNDED", "VOIDED", "EXPIRED", "UNPAID")


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


@dataclass(frozen=True)
class UsedCode:
    """A pool code an order used, with the incentive whose pool holds it."""

    code_id: int
    incentive_id: int


@dataclass(frozen=True)
class OrderUse:
    """A stored order that used at least one code of the campaign."""

    order_id: int
    processed_at: datetime
    currency: str
    total: Decimal  # after refunds
    is_revenue: bool  # not cancelled, not a test, not refunded, voided or expired
    codes: tuple[UsedCode, ...]  # every pool code it used (any campaign), first one first


def _campaign_codes(campaign_id: int) -> Select[int]:
    return (
        select(Code.id)
        .join(Incentive, Incentive.id == Code.incentive_id)
        .where(Incentive.campaign_id == campaign_id)
    )


def releases(tx: Tx, campaign_id: int) -> list[ReleaseRow]:
    """Every code released to a creator of the campaign, by creator handle."""
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


def orders_using_codes(tx: Tx, campaign_id: int) -> list[OrderUse]:
    """Every stored order that used a code of the campaign, whatever its status, by order id."""
    used_here = (
        select(OrderCode.order_id)
        .where(OrderCode.code_id.in_(_campaign_codes(campaign_id)))
        .scalar_subquery()
    )
    is_revenue = (
        ShopOrder.cancelled.is_(False)
        & ShopOrder.test.is_(False)
        & func.upper(ShopOrder.financial_status).not_in(NOT_REVENUE)
    )
    stmt = (
        select(
            ShopOrder.id,
            ShopOrder.processed_at,
            ShopOrder.currency,
            ShopOrder.total,
            ShopOrder.refunded,
            is_revenue,
            Code.id,
            Code.incentive_id,
        )
        .join(OrderCode, OrderCode.order_id == ShopOrder.id)
        .join(Code, Code.id == OrderCode.code_id)
        .where(ShopOrder.id.in_(used_here))
        .order_by(ShopOrder.id, OrderCode.id)
    )
    facts: dict[int, tuple[datetime, str, Decimal, bool]] = {}
    codes: dict[int, list[UsedCode]] = {}
    for order_id, at, currency, total, refunded, revenue, code_id, incentive_id in tx.execute(stmt):
        # Revenue is what stayed with the shop: the order's total less what was refunded.
        facts.setdefault(order_id, (at, currency, total - refunded, bool(revenue)))
        codes.setdefault(order_id, []).append(UsedCode(code_id, incentive_id))
    return [OrderUse(order_id, *fact, tuple(codes[order_id])) for order_id, fact in facts.items()]


def latest_usage_counts(tx: Tx, campaign_id: int) -> dict[int, int]:
    """The last usage count the shop reported per code of the campaign (codes never observed
    are absent)."""
    stmt = (
        select(UsageObservation.code_id, UsageObservation.usage_count)
        .where(UsageObservation.code_id.in_(_campaign_codes(campaign_id)))
        .order_by(UsageObservation.observed_at, UsageObservation.id)
    )
    return {code_id: count for code_id, count in tx.execute(stmt)}
