"""The ROI report, as plain values: codes, value, cost, uses, revenue per currency, ROI.

Rules (the CLI's ``report --help`` explains each figure to the merchant):

- Only fulfilled incentives (released and not revoked) count towards value and cost.
- An order's total is split over the pool codes it used with ``money.split_money``: shares in
  the order currency's minor units that add up exactly to the total, so no order is counted
  twice and no cent appears or vanishes.
- A share goes to the creator holding the code only when the order was placed at or after
  the code was released to them. Orders placed before (and orders that used a code not
  released yet) are counted as early uses and flagged: the code leaked or was a test.
- Cancelled, test, refunded, voided and expired orders are not revenue.
- Revenue is kept per currency and never summed across currencies: ``revenue`` is in the
  campaign currency, ``other_revenue`` holds the orders in any other currency.
  ROI = (revenue - cost) / cost, from the campaign-currency revenue only; undefined when the
  cost is zero.

Rows: the campaign total, one per incentive, one per released code (the creator's line).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from store import catalog, leaks, pool, reporting
from store.db import Database
from store.models import utcnow
from store.pool import PoolCounts
from store.reporting import OrderUse, ReleaseRow
from sync import capacity, expiry, lookup
from sync.capacity import IncentiveCapacity
from sync.money import round_money, round_ratio, split_money

RATIO_PLACES = Decimal("0.0001")
#: Shops stamp orders to the second (Shopify's DateTime has no fraction), so an order in the
#: second of the release counts as placed at the release, not before it.
SHOP_TIME_RESOLUTION = timedelta(seconds=1)

FLAG_REVOKED = "revoked"
FLAG_GONE = "gone from store"
FLAG_EARLY = "used before release"
FLAG_EXPIRING = "expires soon"
FLAG_LEAKED = "leaked"


@dataclass(frozen=True)
class ReportRow:
    """One line of the report; pool counts are None on per-creator lines."""

    level: str  # campaign | incentive | creator
    incentive: str | None = None
    creator: str | None = None
    stage: str | None = None
    code: str | None = None  # released codes only: unassigned codes are never shown
    codes_total: int | None = None
    codes_available: int | None = None
    codes_assigned: int | None = None
    codes_quarantined: int | None = None
    codes_short: int | None = None  # participants on the way to the release stage, no code yet
    codes_redeemed: int = 0  # released codes used at least once
    fulfilled: int = 0  # released and not revoked
    value: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    redemptions: int = 0  # uses after release (the shop's usage count or orders seen)
    orders: int = 0  # orders whose revenue is attributed
    revenue: Decimal = Decimal(0)  # in the campaign currency
    other_revenue: Mapping[str, Decimal] = field(default_factory=dict)  # currency → amount
    early_uses: int = 0  # orders that used the code before it was released
    flags: tuple[str, ...] = ()

    @property
    def roi(self) -> Decimal | None:
        return roi(self.revenue, self.cost)


@dataclass(frozen=True)
class Report:
    campaign: str
    name: str
    currency: str
    rows: list[ReportRow]
    capacity: list[IncentiveCapacity] = field(default_factory=list)

    @property
    def other_currencies(self) -> tuple[str, ...]:
        """Currencies other than the campaign's that orders were placed in, sorted."""
        return tuple(sorted({c for row in self.rows for c in row.other_revenue}))


def roi(revenue: Decimal, cost: Decimal) -> Decimal | None:
    if cost == 0:
        return None
    return round_ratio((revenue - cost) / cost, RATIO_PLACES)


@dataclass(frozen=True)
class _Incentive:
    """What the report needs of an incentive, read inside the transaction."""

    id: int
    key: str
    value: Decimal
    cost: Decimal


@dataclass
class _Tally:
    """What the orders say about one released code."""

    orders: int = 0
    early: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)


def build(db: Database, campaign_key: str) -> Report:
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        key, name, currency = campaign.key, campaign.name, campaign.currency
        incentives = [
            _Incentive(i.id, i.key, i.value, i.cost) for i in catalog.incentives_of(tx, campaign.id)
        ]
        counts = pool.counts(tx, [i.id for i in incentives])
        released = reporting.releases(tx, campaign.id)
        used = reporting.orders_using_codes(tx, campaign.id)
        usage_counts = reporting.latest_usage_counts(tx, campaign.id)
        pools = capacity.of_campaign(tx, campaign)
        now = utcnow()
        expiring = {
            code_id for i in incentives for _, code_id, _ in expiry.expiring_codes(tx, i.id, now)
        }
        leaked = leaks.flagged_codes(tx, [i.id for i in incentives])

    tallies, unreleased_uses = _attribute(released, used, {i.id for i in incentives})
    by_incentive = {i.id: i for i in incentives}
    code_rows = [
        _code_row(
            r,
            by_incentive[r.incentive_id],
            tallies.get(r.code_id, _Tally()),
            currency,
            usage_counts.get(r.code_id, 0),
            expiring=r.code_id in expiring,
            leaked=r.code_id in leaked,
        )
        for r in released
    ]
    short = {c.incentive: c.shortfall for c in pools}
    incentive_rows = [
        _total(
            "incentive",
            [row for row in code_rows if row.incentive == incentive.key],
            currency,
            [counts[incentive.id]],
            incentive=incentive.key,
            unreleased_uses=unreleased_uses.get(incentive.id, 0),
            short=short.get(incentive.key, 0),
        )
        for incentive in incentives
    ]
    campaign_row = _total(
        "campaign",
        code_rows,
        currency,
        list(counts.values()),
        unreleased_uses=sum(unreleased_uses.values()),
        short=sum(short.values()),
    )
    return Report(key, name, currency, [campaign_row, *incentive_rows, *code_rows], pools)


def _attribute(
    released: Sequence[ReleaseRow], used: Iterable[OrderUse], incentive_ids: set[int]
) -> tuple[dict[int, _Tally], dict[int, int]]:
    """Per released code its tally; per incentive the uses of codes not released yet."""
    release_of = {r.code_id: r for r in released}
    tallies: dict[int, _Tally] = {}
    unreleased: dict[int, int] = {}
    for order in used:
        currency = order.currency.upper()
        shares = split_money(order.total, len(order.codes), currency)
        for code, share in zip(order.codes, shares, strict=True):
            if code.incentive_id not in incentive_ids:
                continue  # another campaign's code: its share is that campaign's
            release = release_of.get(code.code_id)
            if release is None:
                unreleased[code.incentive_id] = unreleased.get(code.incentive_id, 0) + 1
                continue
            tally = tallies.setdefault(code.code_id, _Tally())
            if order.processed_at < _to_shop_resolution(release.assigned_at):
                tally.early += 1
            elif order.is_revenue:
                tally.orders += 1
                tally.revenue[currency] = tally.revenue.get(currency, Decimal(0)) + share
    return tallies, unreleased


def _to_shop_resolution(moment: datetime) -> datetime:
    return moment - (moment - datetime.min.replace(tzinfo=moment.tzinfo)) % SHOP_TIME_RESOLUTION


def _code_row(
    r: ReleaseRow,
    incentive: _Incentive,
    tally: _Tally,
    currency: str,
    usage: int,
    *,
    expiring: bool = False,
    leaked: bool = False,
) -> ReportRow:
    fulfilled = not r.revoked
    # The shop's usage count includes uses before the release; those are early, not redemptions.
    redemptions = max(usage - tally.early, tally.orders, 0)
    flags = (
        (FLAG_REVOKED, r.revoked),
        (FLAG_GONE, r.missing_from_store),
        (FLAG_EARLY, tally.early > 0),
        (FLAG_EXPIRING, expiring and not r.revoked),
        (FLAG_LEAKED, leaked),
    )
    return ReportRow(
        "creator",
        incentive=incentive.key,
        creator=r.handle,
        stage=r.stage,
        code=r.code,
        codes_redeemed=int(redemptions > 0),
        fulfilled=int(fulfilled),
        value=round_money(incentive.value if fulfilled else Decimal(0), currency),
        cost=round_money(incentive.cost if fulfilled else Decimal(0), currency),
        redemptions=redemptions,
        orders=tally.orders,
        revenue=round_money(tally.revenue.get(currency, Decimal(0)), currency),
        other_revenue={c: amount for c, amount in sorted(tally.revenue.items()) if c != currency},
        early_uses=tally.early,
        flags=tuple(name for name, on in flags if on),
    )


def _total(
    level: str,
    rows: Sequence[ReportRow],
    currency: str,
    pools: Sequence[PoolCounts],
    *,
    incentive: str | None = None,
    unreleased_uses: int,
    short: int = 0,
) -> ReportRow:
    other: dict[str, Decimal] = {}
    for row in rows:
        for c, amount in row.other_revenue.items():
            other[c] = other.get(c, Decimal(0)) + amount
    early = sum(r.early_uses for r in rows) + unreleased_uses
    return ReportRow(
        level,
        incentive=incentive,
        codes_redeemed=sum(r.codes_redeemed for r in rows),
        fulfilled=sum(r.fulfilled for r in rows),
        value=round_money(sum((r.value for r in rows), Decimal(0)), currency),
        cost=round_money(sum((r.cost for r in rows), Decimal(0)), currency),
        redemptions=sum(r.redemptions for r in rows),
        orders=sum(r.orders for r in rows),
        revenue=round_money(sum((r.revenue for r in rows), Decimal(0)), currency),
        other_revenue=dict(sorted(other.items())),
        early_uses=early,
        flags=(FLAG_EARLY,) if early else (),
        codes_total=sum(p.total for p in pools),
        codes_available=sum(p.available for p in pools),
        # a revoked code was released too: it counts as assigned, never as available
        codes_assigned=sum(p.assigned + p.revoked for p in pools),
        codes_quarantined=sum(p.quarantined for p in pools),
        codes_short=short,
    )
