"""Progress bars for long syncs: on a terminal only, never in --json mode or when piped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sync.cli.app import App
from sync.shopsync.common import Progress as Advance
from sync.shopsync.common import no_progress


@contextmanager
def progress_bar(app: App, label: str, total: int | None = None) -> Iterator[Advance]:
    """Yield a callback advancing a bar by N items (a no-op when not interactive)."""
    if not app.interactive:
        yield no_progress
        return
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
