"""``promosync codes ...``"""

from __future__ import annotations

import io
import sys
from contextlib import ExitStack
from typing import TextIO

import click

from sync import codes
from sync.cli.app import App, pass_app
from sync.codes_input import Format, detect_format
from sync.errors import UsageError
from sync.fields import printable
from sync.report_render import Column, render_csv, render_json, render_table
from sync.wording import plural

STDIN = "-"  # as a file name (`--file -`) or on its own: read the codes from standard input


@click.group("codes")
def group() -> None:
    """Code pools: upload codes, see counts, export released codes."""


@group.command("upload")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@click.argument("stdin_marker", metavar="[-]", required=False)
@click.option("--codes", "codes_text", help='Codes separated by commas or newlines: "A1,B2,C3".')
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False),
    help="A .txt or .csv (with a code column) file; - reads standard input.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv"]),
    help="Input format (default: from the file name, else text).",
)
@click.option("--skip-invalid", is_flag=True, help="Store the valid codes and report the rest.")
@pass_app
def upload(
    app: App,
    incentive: str,
    stdin_marker: str | None,
    codes_text: str | None,
    path: str | None,
    fmt: Format | None,
    skip_invalid: bool,
) -> None:
    """Add codes to an incentive's pool: all or nothing unless --skip-invalid."""
    sources = [s for s in (codes_text is not None, path is not None, stdin_marker == STDIN) if s]
    if stdin_marker not in (None, STDIN):
        raise UsageError(f"Unexpected argument '{stdin_marker}': use - to read codes from stdin")
    if len(sources) != 1:
        raise UsageError("Give the codes one way: --codes TEXT, --file PATH, or - for stdin")
    with ExitStack() as stack:
        stream: TextIO
        if codes_text is not None:
            stream, source = io.StringIO(codes_text), "the --codes text"
        elif path is not None and path != STDIN:
            try:
                stream = stack.enter_context(open(path, encoding="utf-8-sig", newline=""))
            except OSError as error:
                raise UsageError(f"Cannot read {path}: {error.strerror}") from None
            fmt, source = fmt or detect_format(path), f"the file {printable(path)}"
        else:  # `-` or `--file -`
            stream, source = sys.stdin, "the standard input"
        result = codes.upload(
            app.db, incentive, stream, fmt=fmt or "text", skip_invalid=skip_invalid, source=source
        )

    def text() -> str:
        lines = [
            f"Stored {plural(result.stored, 'code')} in {incentive}; "
            f"{result.available:,} available now."
        ]
        if result.empty:
            lines.append(
                f"Ignored {plural(result.empty, 'empty entry', 'empty entries')} "
                "(stray commas or blank lines)."
            )
        if result.skipped:
            lines.append(f"Skipped {plural(len(result.skipped), 'entry', 'entries')}:")
            lines += [f"  entry {o.position} (line {o.line}): {o.reason}" for o in result.skipped]
        return "\n".join(lines)

    app.emit(result, text)


@group.command("status")
@click.argument("incentive", metavar="[CAMPAIGN/INCENTIVE]", required=False)
@pass_app
def status(app: App, incentive: str | None) -> None:
    """Pool counts and released codes with their creators (unassigned codes stay secret).

    Without an incentive: the counts of every pool of every campaign.
    """
    if incentive is None:
        _levels(app)
        return
    result = codes.status(app.db, incentive)

    def text() -> str:
        c = result.counts
        lines = [
            f"{incentive}: {result.description}",
            f"  {c.available:,} available, {c.assigned:,} assigned, "
            f"{c.quarantined:,} quarantined, {c.revoked:,} revoked, {c.total:,} total",
        ]
        for r in result.released:
            flag = " (revoked)" if r.revoked else ""
            lines.append(f"  {r.handle:<24} {r.code}{flag}  released at {r.stage}")
        return "\n".join(lines)

    app.emit(result, text)


LEVEL_COLUMNS = (
    Column("incentive", "Incentive", "text"),
    Column("campaign_status", "Campaign", "text"),
    Column("available", "Available", "int"),
    Column("assigned", "Assigned", "int"),
    Column("quarantined", "Quarantined", "int"),
    Column("revoked", "Revoked", "int"),
    Column("total", "Total", "int"),
)


def _levels(app: App) -> None:
    found = codes.levels(app.db)
    rows = [
        {
            "incentive": level.incentive,
            "campaign_status": level.campaign_status,
            **{c.key: getattr(level.counts, c.key) for c in LEVEL_COLUMNS[2:]},
        }
        for level in found
    ]
    app.emit(
        found,
        lambda: (
            render_table("Code pools", LEVEL_COLUMNS, rows)
            if rows
            else "No incentives yet: add one with `promosync incentives add CAMPAIGN ...`."
        ),
    )


EXPORT_COLUMNS = (
    Column("code", "Code", "text"),
    Column("creator", "Creator", "text"),
    Column("email", "E-mail", "text"),
    Column("first_name", "First name", "text"),
    Column("stage", "Released at stage", "text"),
    Column("released_at", "Released at", "text"),
    Column("revoked_at", "Revoked at", "text"),
)


@group.command("export")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@pass_app
def export(app: App, incentive: str) -> None:
    """The released codes with their creators, as CSV (or JSON with --json), for your records.

    Only codes given to creators are exported; codes still in the pool stay secret. CSV
    cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
    """
    rows = [
        {
            **{c.key: getattr(e, c.key) for c in EXPORT_COLUMNS},
            "released_at": e.released_at.isoformat(),
            "revoked_at": e.revoked_at.isoformat() if e.revoked_at else None,
        }
        for e in codes.export(app.db, incentive)
    ]
    if app.as_json:
        click.echo(render_json(EXPORT_COLUMNS, rows))
    else:
        click.echo(render_csv(EXPORT_COLUMNS, rows), nl=False)


def register(cli: click.Group) -> None:
    from sync.cli.capacity import capacity_

    group.add_command(capacity_)
    cli.add_command(group)
