"""``promosync sync status``: the run records of every store, job and incentive, as a table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import click

from sync.cli.app import App, pass_app
from sync.report_render import Column, render_table
from sync.shopsync import status, stores

NOTHING_RAN = "No sync has run yet and no incentive is linked to a store."
COLUMNS = (
    Column("store", "Store", "text"),
    Column("job", "Job", "text"),
    Column("incentive", "Incentive", "text"),
    Column("last_success", "Last success", "text"),
    Column("stale", "Stale for", "text"),
    Column("fetched", "Fetched", "int"),
    Column("stored", "Stored", "int"),
    Column("skipped", "Skipped", "int"),
    Column("quarantined", "Quarantined", "int"),
    Column("last_failure", "Last failure", "text"),
    Column("error", "Error", "text"),
    Column("running", "Running now", "text"),
)


@click.command("status")
@click.option("--store", "store_name", help="Only this store's jobs (default: every store).")
@pass_app
def status_(app: App, store_name: str | None) -> None:
    """Per store, job and incentive: last success and failure, counts, staleness, and
    whether it runs now and on which worker (host:pid).

    Runs whose process died are marked failed first, so nothing shows running that is not.
    """
    if store_name is not None:
        stores.named(app.config, store_name)
    found = status.job_status(app.db, store_name)
    app.emit(list(found), lambda: render(found))


def render(found: Sequence[status.JobStatus]) -> str:
    """The statuses as a plain-text table (times in UTC)."""
    if not found:
        return NOTHING_RAN
    rows = []
    for job in found:
        success, failure = job.last_success, job.last_failure
        rows.append(
            {
                "store": job.store,
                "job": job.job,
                "incentive": job.incentive,
                "last_success": _when(success.finished_at if success else None) or "never",
                "stale": _age(job.stale_seconds) if job.stale_seconds is not None else None,
                "fetched": success.fetched if success else None,
                "stored": success.stored if success else None,
                "skipped": success.skipped if success else None,
                "quarantined": success.quarantined if success else None,
                "last_failure": _when(failure.finished_at if failure else None),
                "error": failure.error if failure else None,
                "running": (
                    f"on {job.worker or 'an unknown worker'} since {_when(job.running_since)}"
                    if job.running
                    else None
                ),
            }
        )
    return render_table("Sync jobs (times in UTC)", COLUMNS, rows).rstrip("\n")


def _when(moment: datetime | None) -> str | None:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment is not None else None


def _age(seconds: float) -> str:
    """``45s``, ``12m 5s``, ``3h 4m``, ``2d 5h``."""
    whole = int(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"
