"""``promosync incentives ...``"""

from __future__ import annotations

import click

from sync import incentives, policies
from sync.cli.app import App, pass_app
from sync.report_render import Column, render_table


@click.group("incentives")
def group() -> None:
    """Promo code incentives of a campaign."""


@group.command("add")
@click.argument("campaign")
@click.option("--key", required=True, help="Short key, e.g. kit (used as CAMPAIGN/KEY).")
@click.option("--description", required=True, help="What the creator sees.")
@click.option("--value", required=True, help="Retail value, e.g. 25.00.")
@click.option("--cost", required=True, help="Your real cost, e.g. 8.50.")
@click.option(
    "--timing",
    required=True,
    type=click.Choice(["pre_payment", "post_payment"]),
    help="Stage at which the code is released.",
)
@click.option(
    "--on-drop",
    default="keep",
    show_default=True,
    type=click.Choice(incentives.ON_DROP_POLICIES),
    help="What happens to a released code when its creator is dropped.",
)
@pass_app
def add(
    app: App,
    campaign: str,
    key: str,
    description: str,
    value: str,
    cost: str,
    timing: str,
    on_drop: str,
) -> None:
    """Add a promo code incentive to a draft campaign."""
    incentive = incentives.add(
        app.db,
        campaign,
        key=key,
        description=description,
        value=value,
        cost=cost,
        timing=timing,
        on_drop=on_drop,
    )
    app.emit(
        {
            "campaign": campaign,
            "key": incentive.key,
            "value": incentive.value,
            "cost": incentive.cost,
            "timing": incentive.timing,
            "on_drop": incentive.on_drop,
        },
        f"Added incentive '{campaign}/{incentive.key}'.\nUpload its codes with "
        f"`promosync codes upload {campaign}/{incentive.key} --file codes.txt`.",
    )


@group.command("list")
@click.argument("campaign")
@pass_app
def list_(app: App, campaign: str) -> None:
    """List incentives with their pool counts."""
    rows = incentives.list_for(app.db, campaign)
    columns = [
        Column("key", "Key", "text"),
        Column("description", "Description", "text"),
        Column("timing", "Released at", "text"),
        Column("value", "Value", "money"),
        Column("cost", "Cost", "money"),
        Column("available", "Available", "int"),
        Column("assigned", "Assigned", "int"),
        Column("quarantined", "Quarantined", "int"),
        Column("total", "Total", "int"),
    ]
    app.emit(
        rows, lambda: render_table(f"Incentives of {campaign}", columns, [r.__dict__ for r in rows])
    )


@group.command("reject")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@click.argument("handle")
@click.option("--reason", help="Why (kept in the event log).")
@pass_app
def reject(app: App, incentive: str, handle: str, reason: str | None) -> None:
    """Reject an incentive for one creator: they will not be given a code."""
    handle = incentives.reject(app.db, incentive, handle, reason=reason)
    app.emit(
        {"incentive": incentive, "creator": handle, "status": "rejected"},
        f"Rejected {incentive} for '{handle}'.",
    )


@group.command("policy")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@click.option(
    "--on-leak",
    type=click.Choice(policies.ON_LEAK_CHOICES),
    help="flag: report, event and alert; disable_and_reissue: also disable the code in the "
    "store and release a fresh one to the creator.",
)
@click.option("--max-customers", type=int, help="Distinct customers a code may serve (default 1).")
@click.option("--max-uses", type=int, help="Uses a code may have (default: no limit of its own).")
@click.option(
    "--min-validity", help="Codes ending sooner than this are not handed out (default 14d)."
)
@click.option("--warn-before", help="Warn about holders of codes ending within this (default 3d).")
@pass_app
def policy(
    app: App,
    incentive: str,
    on_leak: str | None,
    max_customers: int | None,
    max_uses: int | None,
    min_validity: str | None,
    warn_before: str | None,
) -> None:
    """Show or change an incentive's code policies (may change while the campaign runs)."""
    result = policies.set_policy(
        app.db,
        incentive,
        on_leak=on_leak,
        max_customers=max_customers,
        max_uses=max_uses,
        min_validity=min_validity,
        warn_before=warn_before,
    )
    shown = result.as_dict()
    app.emit(
        {"incentive": incentive, **shown},
        f"Policies of {incentive}: "
        + ", ".join(f"{k} {'-' if v is None else v}" for k, v in shown.items()),
    )


def register(cli: click.Group) -> None:
    cli.add_command(group)
