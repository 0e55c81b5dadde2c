"""``promosync events CAMPAIGN``: the campaign's event log."""

from __future__ import annotations

import json

import click

from sync import events
from sync.cli.app import App, pass_app
from sync.report_render import Column, render_table

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
COLUMNS = (
    Column("at", "When (UTC)", "text"),
    Column("kind", "Kind", "text"),
    Column("creator", "Creator", "text"),
    Column("incentive", "Incentive", "text"),
    Column("detail", "Detail", "text"),
    Column("actor", "By", "text"),
)


@click.command("events")
@click.argument("campaign")
@click.option("--creator", metavar="HANDLE", help="Only this creator's events.")
@click.option(
    "--kind",
    metavar="KIND",
    help="Only events of this kind (e.g. creator.moved) or family (e.g. codes).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=events.DEFAULT_LIMIT,
    show_default=True,
    help="Show the newest N events (0: all).",
)
@pass_app
def command(app: App, campaign: str, creator: str | None, kind: str | None, limit: int) -> None:
    """A campaign's event log: who did what, when (oldest first).

    Campaign status and stage changes, creators added and moved, uploads, rejections
    (with their reason), links to a store, codes generated and revoked.
    """
    found = events.log(app.db, campaign, creator=creator, kind=kind, limit=limit or None)
    rows = [
        {
            "at": e.at.strftime(TIME_FORMAT),
            "kind": e.kind,
            "creator": e.creator,
            "incentive": e.incentive,
            "detail": _detail(e.detail),
            "actor": e.actor,
        }
        for e in found
    ]

    def text() -> str:
        if not rows:
            return f"No events in {campaign} match."
        title = f"Events of {campaign}" + (f" (newest {limit})" if len(rows) == limit else "")
        return render_table(title, COLUMNS, rows)

    app.emit(found, text)


def _detail(detail: dict[str, object]) -> str:
    """``key=value, ...``; a list shows how many items it has (e.g. codes released)."""
    return ", ".join(f"{key}={_short(value)}" for key, value in detail.items())


def _short(value: object) -> str:
    if isinstance(value, list):
        return str(len(value))
    return str(value) if isinstance(value, str | int | None) else json.dumps(value)


def register(cli: click.Group) -> None:
    cli.add_command(command)
