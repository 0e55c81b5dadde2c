"""How the ROI report is shown: its columns, what each one means, and the views.

``sync.reports`` returns plain values; this module (used by ``report`` and ``demo``) decides
the columns and renders them. The default view fits ``DEFAULT_WIDTH`` columns: a summary per
incentive, then one line per creator with the essentials. ``--wide`` shows every figure in one
table; CSV and JSON always carry every figure (``MACHINE`` columns) for scripts.

Every column is explained once, in ``FIGURES``; ``report --help`` is generated from it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from decimal import Decimal

from sync.money import minor_units, round_money
from sync.report_render import Column, ColumnKind, render_csv, render_json, render_table
from sync.reports import Report, ReportRow
from sync.wording import plural

DEFAULT_WIDTH = 100
TOTAL_LABEL = "Total"  # the campaign line of the summary (incentive keys are lower case)
OTHER_REVENUE_PREFIX = "revenue_"  # revenue_eur: revenue of the orders placed in EUR
FLAG_SEPARATOR = ", "
HELP_INDENT = 34  # where explanations start in ``report --help``
HELP_WIDTH = 96  # click indents the block by 2: lines stay within DEFAULT_WIDTH


@dataclass(frozen=True)
class Figure:
    """A report column and what it means, for ``report --help``."""

    key: str
    title: str
    kind: ColumnKind
    meaning: str


FIGURES: tuple[Figure, ...] = (
    Figure("level", "Level", "text", "campaign (all incentives), incentive, or creator"),
    Figure("incentive", "Incentive", "text", "the incentive's key"),
    Figure("creator", "Creator", "text", "the creator's handle"),
    Figure("stage", "Stage", "text", "the creator's current stage"),
    Figure(
        "code", "Code", "text", "the code released to the creator (unreleased codes never show)"
    ),
    Figure("codes_total", "Codes", "int", "codes in the pool, in any state"),
    Figure("codes_available", "Left", "int", "codes not released yet, ready to hand out"),
    Figure(
        "codes_assigned", "Released", "int", "codes released to creators (revoked ones included)"
    ),
    Figure(
        "codes_quarantined",
        "Quarantined",
        "int",
        "codes never handed out: gone from the shop, or of an expired or disabled discount",
    ),
    Figure("codes_redeemed", "Used", "int", "released codes used at least once after release"),
    Figure(
        "fulfilled",
        "Fulfilled",
        "int",
        "incentives fulfilled: code released and not revoked (only these count in Value and Cost)",
    ),
    Figure("value", "Value", "money", "what the fulfilled incentives are worth to the creators"),
    Figure("cost", "Cost", "money", "what the fulfilled incentives cost you"),
    Figure(
        "redemptions",
        "Uses",
        "int",
        "times the codes were used after release (the shop's usage count, or the orders seen "
        "if more)",
    ),
    Figure(
        "orders",
        "Orders",
        "int",
        "orders credited to the creator: placed at or after the release; cancelled, test, "
        "refunded, voided and expired orders are not",
    ),
    Figure(
        "revenue",
        "Revenue",
        "money",
        "totals of those orders in the campaign currency (an order that used several codes is "
        "split between them exactly, to the currency's minor unit)",
    ),
    Figure(
        OTHER_REVENUE_PREFIX + "xxx",
        "Revenue XXX",
        "money",
        "the same for orders placed in another currency XXX: shown apart, never added to "
        "Revenue or ROI (a column appears only when there are such orders)",
    ),
    Figure(
        "roi",
        "ROI",
        "ratio",
        "(Revenue - Cost) / Cost, campaign-currency revenue only; — when the cost is zero",
    ),
    Figure(
        "early_uses",
        "Early",
        "int",
        "orders that used a code before it was released (on incentive and campaign lines also "
        "codes not released yet): the code leaked or was a test; not in Revenue",
    ),
    Figure(
        "flags",
        "Flags",
        "text",
        "revoked; gone from store (deleted in the shop after release); used before release; "
        "expires soon (its discount ends within the incentive's warn_before); leaked (see "
        "`promosync incentives policy --on-leak`)",
    ),
    Figure(
        "codes_short",
        "Short",
        "int",
        "participants on their way to the release stage who no code is left for "
        "(`promosync codes capacity` shows it by stage, with the date the pool runs out)",
    ),
    Figure("currency", "Currency", "text", "the campaign currency (CSV and JSON only)"),
)
_BY_KEY = {figure.key: figure for figure in FIGURES}

SUMMARY = ("incentive", "codes_total", "codes_available", "codes_assigned", "codes_redeemed")
SUMMARY_MONEY = ("cost", "revenue")
CREATORS = ("creator", "incentive", "stage", "code", "redemptions", "revenue")
WIDE = (
    "level",
    "incentive",
    "creator",
    "stage",
    "code",
    "codes_total",
    "codes_available",
    "codes_assigned",
    "codes_quarantined",
    "codes_short",
    "codes_redeemed",
    "fulfilled",
    "value",
    "cost",
    "redemptions",
    "orders",
    "revenue",
)
AFTER_REVENUE = ("roi", "early_uses", "flags")


def render(report: Report, fmt: str = "table", *, wide: bool = False) -> str:
    """The report as ``table`` (default view, or every figure with ``wide``), ``csv`` or
    ``json``. CSV and JSON always hold every figure, one row per report line."""
    if fmt == "json":
        return render_json(machine_columns(report), values(report))
    if fmt == "csv":
        return render_csv(machine_columns(report), values(report))
    if wide:
        return render_table(title(report), wide_columns(report), values(report)) + notes(report)
    return default_table(report)


def title(report: Report) -> str:
    return f"{report.name} ({report.campaign}) — amounts in {report.currency}"


def default_table(report: Report) -> str:
    """The summary per incentive and the creators' lines, each fitting ``DEFAULT_WIDTH``."""
    rows = values(report)
    incentives = [r for r in rows if r["level"] == "incentive"]
    if not incentives:
        return f"{title(report)}\nNo incentives yet.\n"
    if len(incentives) > 1:
        incentives.append({**rows[0], "incentive": TOTAL_LABEL})
    summary = [_column(key, report) for key in SUMMARY]
    summary += [_column(key, report) for key in SUMMARY_MONEY]
    summary += _other_revenue_columns(report) + [_column("roi", report)]
    if any(row.early_uses for row in report.rows):
        summary.append(_column("early_uses", report))
    parts = [render_table(title(report), summary, incentives, console_width=DEFAULT_WIDTH)]
    creators = [r for r in rows if r["level"] == "creator"]
    if creators:
        columns = [_column(key, report) for key in CREATORS]
        columns += _other_revenue_columns(report) + [_column("roi", report)]
        if any(r["flags"] for r in creators):
            columns.append(_column("flags", report))
        parts.append(render_table("Creators", columns, creators, console_width=DEFAULT_WIDTH))
    else:
        parts.append("No codes released yet.\n")
    return "".join(parts) + notes(report)


def notes(report: Report) -> str:
    """Sentences under a table for what a reader could otherwise miss."""
    lines = []
    campaign = report.rows[0]
    if report.other_currencies:
        listed = ", ".join(report.other_currencies)
        lines.append(
            f"Orders in {listed} are shown in their own columns: they are not in Revenue or "
            f"ROI, which are in {report.currency}."
        )
    for pool in report.capacity:
        if pool.shortfall:
            lines.append(
                f"{pool.incentive}: {plural(pool.shortfall, 'participant')} on the way to "
                f"{pool.release_stage} will find no code: see `promosync codes capacity "
                f"{report.campaign}`."
            )
        elif pool.runs_out_on is not None:
            lines.append(
                f"{pool.incentive}: at the release rate of the last {pool.window_days} days "
                f"the pool runs out around {pool.runs_out_on.isoformat()}."
            )
    if campaign.early_uses:
        lines.append(
            f"{plural(campaign.early_uses, 'order')} used a code before it was released "
            "(Early): the code leaked or was a test; not counted as revenue."
        )
    return "".join(textwrap.fill(line, DEFAULT_WIDTH) + "\n" for line in lines)


def wide_columns(report: Report) -> list[Column]:
    columns = [_column(key, report) for key in WIDE] + _other_revenue_columns(report)
    return columns + [_column(key, report) for key in AFTER_REVENUE]


def machine_columns(report: Report) -> list[Column]:
    """Every figure, and the campaign currency, for CSV and JSON."""
    return wide_columns(report) + [_column("currency", report)]


def values(report: Report) -> list[dict[str, object]]:
    """Each report line as a mapping from column key to value (plain values, no rendering)."""
    return [_values(report, row) for row in report.rows]


def help_text() -> str:
    """The columns and their meanings, for ``report --help`` (click keeps ``\\b`` blocks)."""
    lines = ["\b", "Columns (CSV and JSON key in brackets):"]
    for figure in FIGURES:
        head = f"{figure.title} [{figure.key}]".ljust(HELP_INDENT - 2)
        lines += textwrap.wrap(
            f"{head}  {figure.meaning}",
            HELP_WIDTH,
            subsequent_indent=" " * HELP_INDENT,
            break_on_hyphens=False,
        )
    return "\n".join(lines)


def _values(report: Report, row: ReportRow) -> dict[str, object]:
    result: dict[str, object] = {
        figure.key: getattr(row, figure.key)
        for figure in FIGURES
        if figure.key not in ("currency", "flags", OTHER_REVENUE_PREFIX + "xxx")
    }
    result["flags"] = FLAG_SEPARATOR.join(row.flags)
    result["currency"] = report.currency
    for currency in report.other_currencies:
        result[_other_key(currency)] = row.other_revenue.get(
            currency, round_money(Decimal(0), currency)
        )
    return result


def _column(key: str, report: Report) -> Column:
    figure = _BY_KEY[key]
    places = minor_units(report.currency) if figure.kind == "money" else None
    return Column(figure.key, figure.title, figure.kind, places)


def _other_revenue_columns(report: Report) -> list[Column]:
    return [
        Column(_other_key(currency), f"Revenue {currency}", "money", minor_units(currency))
        for currency in report.other_currencies
    ]


def _other_key(currency: str) -> str:
    return OTHER_REVENUE_PREFIX + currency.lower()
