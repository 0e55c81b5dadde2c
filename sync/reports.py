"""The ROI report: codes, value and cost of fulfilled incentives, redemptions, revenue.

Only fulfilled incentives count towards value and cost (a revoked code counts
as not fulfilled). ROI = (attributed revenue - cost) / cost, undefined when the
cost is zero. Rows: the campaign total, one per incentive, one per released code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from store import catalog, pool, reporting
from store.db import Database
from sync import lookup
from sync.money import minor_units
from sync.report_render import Column

RATIO_PLACES = Decimal("0.0001")

COLUMNS = (
    Column("level", "Level", "text"),
    Column("incentive", "Incentive", "text"),
    Column("creator", "Creator", "text"),
    Column("stage", "Stage", "text"),
    Column("code", "Code", "text"),
    Column("codes_total", "Codes", "int"),
    Column("codes_available", "Available", "int"),
    Column("codes_assigned", "Assigned", "int"),
    Column("codes_quarantined", "Quarantined", "int"),
    Column("codes_redeemed", "Redeemed", "int"),
    Column("fulfilled", "Fulfilled", "int"),
    Column("value", "Value", "money"),
    Column("cost", "Cost", "money"),
    Column("redemptions", "Redemptions", "int"),
    Column("revenue", "Revenue", "money"),
    Column("roi", "ROI", "ratio"),
    Column("flags", "Flags", "text"),
)


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
    codes_redeemed: int = 0
    fulfilled: int = 0
    value: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    redemptions: int = 0
    revenue: Decimal = Decimal(0)
    flags: str = ""

    @property
    def roi(self) -> Decimal | None:
        return roi(self.revenue, self.cost)

    def as_dict(self) -> dict[str, object]:
        return {column.key: getattr(self, column.key) for column in COLUMNS}


@dataclass(frozen=True)
class Report:
    campaign: str
    name: str
    currency: str
    rows: list[ReportRow]

    @property
    def title(self) -> str:
        return f"{self.name} ({self.campaign}) — amounts in {self.currency}"


def roi(revenue: Decimal, cost: Decimal) -> Decimal | None:
    if cost == 0:
        return None
    return ((revenue - cost) / cost).quantize(RATIO_PLACES)


def build(db: Database, campaign_key: str) -> Report:
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        incentives = catalog.incentives_of(tx, campaign.id)
        counts = pool.counts(tx, [i.id for i in incentives])
        released = reporting.releases(tx, campaign.id)
        usage = reporting.usage_by_code(tx, [r.code_id for r in released])

    by_incentive = {i.id: i for i in incentives}
    code_rows = []
    for r in released:
        incentive = by_incentive[r.incentive_id]
        fulfilled = not r.revoked
        used = usage.get(r.code_id)
        flags = [
            name
            for name, on in (("revoked", r.revoked), ("gone from store", r.missing_from_store))
            if on
        ]
        code_rows.append(
            ReportRow(
                "creator",
                incentive=incentive.key,
                creator=r.handle,
                stage=r.stage,
                code=r.code,
                codes_redeemed=int(bool(used and used.redemptions)),
                fulfilled=int(fulfilled),
                value=incentive.value if fulfilled else Decimal(0),
                cost=incentive.cost if fulfilled else Decimal(0),
                redemptions=used.redemptions if used else 0,
                revenue=used.revenue if used else Decimal(0),
                flags=", ".join(flags),
            )
        )
    incentive_rows = []
    for incentive in incentives:
        c = counts[incentive.id]
        incentive_rows.append(
            _total(
                "incentive",
                [row for row in code_rows if row.incentive == incentive.key],
                incentive=incentive.key,
                codes_total=c.total,
                codes_available=c.available,
                codes_assigned=c.assigned + c.revoked,
                codes_quarantined=c.quarantined,
            )
        )
    campaign_row = _total(
        "campaign",
        code_rows,
        codes_total=sum(c.total for c in counts.values()),
        codes_available=sum(c.available for c in counts.values()),
        codes_assigned=sum(c.assigned + c.revoked for c in counts.values()),
        codes_quarantined=sum(c.quarantined for c in counts.values()),
    )
    exponent = Decimal(1).scaleb(-minor_units(campaign.currency))
    rows = [
        replace(
            row,
            value=row.value.quantize(exponent),
            cost=row.cost.quantize(exponent),
            revenue=row.revenue.quantize(exponent),
        )
        for row in (campaign_row, *incentive_rows, *code_rows)
    ]
    return Report(campaign.key, campaign.name, campaign.currency, rows)


def _total(
    level: str, rows: Sequence[ReportRow], incentive: str | None = None, **pool_counts: int
) -> ReportRow:
    return ReportRow(
        level,
        incentive=incentive,
        codes_redeemed=sum(r.codes_redeemed for r in rows),
        fulfilled=sum(r.fulfilled for r in rows),
        value=sum((r.value for r in rows), Decimal(0)),
        cost=sum((r.cost for r in rows), Decimal(0)),
        redemptions=sum(r.redemptions for r in rows),
        revenue=sum((r.revenue for r in rows), Decimal(0)),
        **pool_counts,
    )
