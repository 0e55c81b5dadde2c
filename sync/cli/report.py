"""``promosync report CAMPAIGN``"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from sync import reports
from sync.cli import report_view
from sync.cli.app import App, pass_app
from sync.errors import UsageError
from sync.wording import plural

FORMATS = ("table", "csv", "json")


@click.command(
    "report",
    help=(
        "Codes, value, cost, uses, revenue and ROI of CAMPAIGN: a summary per incentive, then "
        f"one line per creator with a released code, fitting {report_view.DEFAULT_WIDTH} "
        "columns. --wide shows every "
        "figure in one table; --format csv and json always carry every figure, one row per "
        "campaign, incentive and creator line.\n\n" + report_view.help_text()
    ),
)
@click.argument("campaign")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--wide", is_flag=True, help="Table: every figure in one (wide) table.")
@click.option(
    "--output",
    "output",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the report to FILE (replaced if it exists) instead of printing it.",
)
@pass_app
def report(app: App, campaign: str, fmt: str, wide: bool, output: Path | None) -> None:
    built = reports.build(app.db, campaign)
    fmt = "json" if app.as_json else fmt
    text = report_view.render(built, fmt, wide=wide)
    if output is None:
        click.echo(text, nl=fmt == "json")
        return
    write_file(output, text if fmt != "json" else text + "\n")
    rows = len(built.rows)
    app.emit(
        {"written": str(output), "format": fmt, "rows": rows},
        f"Wrote the report ({fmt}, {plural(rows, 'row')}) to {output}",
    )


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all: a temporary file in the same directory
    replaces ``path`` only once it is complete (an existing file is replaced)."""
    directory = path.parent
    if not directory.is_dir():
        raise UsageError(
            f"Cannot write the report to '{path}': directory '{directory}' does not exist; "
            "create it or give another --output path"
        )
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", text=True)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                file.write(text)
            os.chmod(temporary, _mode_for(path))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(
            f"Cannot write the report to '{path}': {reason}; give a file in a directory you "
            "can write to with --output"
        ) from None


def _mode_for(path: Path) -> int:
    """The mode ``path`` has, or a new file would get (mkstemp's own is owner-only)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def register(cli: click.Group) -> None:
    cli.add_command(report)
