"""``promosync campaigns ...``"""

from __future__ import annotations

import click

from sync import campaigns, incentives
from sync.cli.app import App, pass_app
from sync.report_render import Column, render_table


@click.group("campaigns")
def group() -> None:
    """Create campaigns and move them through draft → active → completed."""


@group.command("create")
@click.argument("name")
@click.option("--key", help="Short key used in other commands (default: from the name).")
@click.option("--currency", default="USD", show_default=True, help="ISO 4217 currency.")
@pass_app
def create(app: App, name: str, key: str | None, currency: str) -> None:
    """Create a draft campaign."""
    campaign = campaigns.create(app.db, name, key=key, currency=currency)
    app.emit(
        campaigns.summary(campaign),
        f"Created draft campaign '{campaign.key}' ({campaign.name}, {campaign.currency}).\n"
        f"Add incentives with `promosync incentives add {campaign.key} ...`.",
    )


def _status_command(name: str, status: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("key")
    @pass_app
    def command(app: App, key: str) -> None:
        campaign = campaigns.set_status(app.db, key, status)
        app.emit(campaigns.summary(campaign), f"Campaign '{campaign.key}' is now {status}.")

    return command


group.add_command(_status_command("activate", "active", "Start the campaign: creators can move."))
group.add_command(_status_command("complete", "completed", "Finish an active campaign."))
group.add_command(_status_command("archive", "archived", "Archive a campaign (read-only)."))


@group.command("list")
@pass_app
def list_(app: App) -> None:
    """List campaigns."""
    rows = campaigns.list_all(app.db)
    columns = [
        Column("key", "Key", "text"),
        Column("name", "Name", "text"),
        Column("currency", "Currency", "text"),
        Column("status", "Status", "text"),
    ]
    app.emit(rows, lambda: render_table("Campaigns", columns, [r.__dict__ for r in rows]))


@group.command("show")
@click.argument("key")
@pass_app
def show(app: App, key: str) -> None:
    """Show a campaign, its stages and incentives (pool counts, never unassigned codes)."""
    stages = campaigns.stages(app.db, key)
    found = next(c for c in campaigns.list_all(app.db) if c.key == key)
    pools = incentives.list_for(app.db, key)
    data = {"campaign": found, "stages": stages, "incentives": pools}

    def text() -> str:
        lines = [f"{found.name} ({found.key}) — {found.status}, {found.currency}"]
        lines.append(
            "Stages: " + " → ".join(s.key if s.enabled else f"({s.key} off)" for s in stages)
        )
        for p in pools:
            lines.append(
                f"Incentive {p.key}: {p.description} — value {p.value} cost {p.cost}, released "
                f"at {p.timing}; codes {p.available} available / {p.total} total"
            )
        return "\n".join(lines)

    app.emit(data, text)


@group.command("stages")
@click.argument("key")
@click.option("--on", "on", multiple=True, metavar="STAGE", help="Switch an optional stage on.")
@click.option("--off", "off", multiple=True, metavar="STAGE", help="Switch an optional stage off.")
@pass_app
def stages_(app: App, key: str, on: tuple[str, ...], off: tuple[str, ...]) -> None:
    """Show the workflow stages, or switch optional ones on/off (draft campaigns)."""
    result = (
        campaigns.switch_stages(app.db, key, on=on, off=off)
        if on or off
        else campaigns.stages(app.db, key)
    )
    rows = [
        {"position": s.position + 1, "stage": s.key, "phase": s.phase, "on": _on_off(s.enabled)}
        for s in result
    ]
    app.emit(result, lambda: render_table(f"Stages of {key}", STAGE_COLUMNS, rows))


STAGE_COLUMNS = (
    Column("position", "#", "int"),
    Column("stage", "Stage", "text"),
    Column("phase", "Phase", "text"),
    Column("on", "On", "text"),
)


def _on_off(enabled: bool) -> str:
    return "on" if enabled else "off"


def register(cli: click.Group) -> None:
    cli.add_command(group)
