"""``promosync report CAMPAIGN``"""

from __future__ import annotations

import click

from sync import reports
from sync.cli.app import App, pass_app
from sync.report_render import render_csv, render_json, render_table


@click.command("report")
@click.argument("campaign")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@pass_app
def report(app: App, campaign: str, fmt: str) -> None:
    """Codes, value, cost, redemptions, revenue and ROI per campaign, incentive and creator."""
    built = reports.build(app.db, campaign)
    rows = [r.as_dict() for r in built.rows]
    if app.as_json or fmt == "json":
        click.echo(render_json(reports.COLUMNS, rows))
    elif fmt == "csv":
        click.echo(render_csv(reports.COLUMNS, rows), nl=False)
    else:
        click.echo(render_table(built.title, reports.COLUMNS, rows))


def register(cli: click.Group) -> None:
    cli.add_command(report)
