"""``promosync codes ...``"""

from __future__ import annotations

import io
import sys
from contextlib import ExitStack
from typing import TextIO

import click

from sync import codes
from sync.cli.app import App, pass_app
from sync.codes_input import detect_format
from sync.errors import UsageError
from sync.fields import printable

STDIN = "-"  # as a file name (`--file -`) or on its own: read the codes from standard input


@click.group("codes")
def group() -> None:
    """Code pools: upload codes, see counts and released codes."""


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
    fmt: str | None,
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
        lines = [f"Stored {result.stored} codes in {incentive}; {result.available} available now."]
        if result.empty:
            lines.append(f"Ignored {result.empty} empty entries (stray commas or blank lines).")
        if result.skipped:
            lines.append(f"Skipped {len(result.skipped)} entries:")
            lines += [f"  entry {o.position} (line {o.line}): {o.reason}" for o in result.skipped]
        return "\n".join(lines)

    app.emit(result, text)


@group.command("status")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@pass_app
def status(app: App, incentive: str) -> None:
    """Pool counts and released codes with their creators (unassigned codes stay secret)."""
    result = codes.status(app.db, incentive)

    def text() -> str:
        c = result.counts
        lines = [
            f"{incentive}: {result.description}",
            f"  {c.available} available, {c.assigned} assigned, {c.quarantined} quarantined, "
            f"{c.revoked} revoked, {c.total} total",
        ]
        for r in result.released:
            flag = " (revoked)" if r.revoked else ""
            lines.append(f"  {r.handle:<24} {r.code}{flag}  released at {r.stage}")
        return "\n".join(lines)

    app.emit(result, text)


def register(cli: click.Group) -> None:
    cli.add_command(group)
