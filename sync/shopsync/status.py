"""``sync status``: per store, job and incentive, what ran, how it ended and how stale it is.

A service for the CLI and the worker's health checks alike: :func:`job_status` first
marks failed the runs whose process died (:func:`~sync.shopsync.runs.reap_dead_runs`),
so nothing shows "running" that is not. Jobs the worker schedules (pull and usage per
linked incentive, orders and revoke per store with one) are listed even before their
first run, as never succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store import catalog, shop_links, sync_runs
from store.db import Database
from store.models import utcnow
from store.sync_runs import RunRecord
from sync.shopsync.runs import reap_dead_runs

#: Jobs run for every linked incentive, and for every store with one, in display order.
PER_INCENTIVE_JOBS = ("pull", "usage")
PER_STORE_JOBS = ("orders", "revoke")
JOB_ORDER = ("pull", "usage", "generate", "orders", "revoke")


@dataclass(frozen=True)
class RunOutcome:
    """One finished run: when, its counts, and (for a failure) the error in one line."""

    started_at: datetime
    finished_at: datetime | None
    expected: int | None
    fetched: int
    stored: int
    skipped: int
    quarantined: int
    error: str | None


@dataclass(frozen=True)
class JobStatus:
    """A job (store, kind, incentive): its last success and failure, staleness, and whether
    it runs now and where."""

    store: str
    job: str
    incentive: str | None  # CAMPAIGN/KEY; None for a whole-store job (orders, revoke)
    last_success: RunOutcome | None
    last_failure: RunOutcome | None
    stale_seconds: float | None  # since the last success finished; None: never succeeded
    running: bool
    worker: str | None  # host:pid of the run in progress
    running_since: datetime | None


def job_status(
    db: Database, store_name: str | None = None, *, now: datetime | None = None
) -> tuple[JobStatus, ...]:
    """Every job's status (of one store, or of all), by store, incentive and job."""
    reap_dead_runs(db, store_name)
    now = now or utcnow()
    with db.transaction() as tx:
        records = sync_runs.latest_runs(tx, store_name)
        links = shop_links.linked_incentives(tx, store_name)
        incentive_ids = {r.incentive_id for r in records} | {link.incentive_id for link in links}
        refs = catalog.incentive_refs(tx, [i for i in incentive_ids if i is not None])
    jobs: dict[tuple[str, str, int | None], list[RunRecord]] = {}
    for link in links:
        for kind in PER_INCENTIVE_JOBS:
            jobs.setdefault((link.store_name, kind, link.incentive_id), [])
    for name in {link.store_name for link in links}:
        for kind in PER_STORE_JOBS:
            jobs.setdefault((name, kind, None), [])
    for record in records:
        jobs.setdefault((record.store_name, record.kind, record.incentive_id), []).append(record)

    def order(key: tuple[str, str, int | None]) -> tuple[str, bool, str, int]:
        name, kind, incentive_id = key
        ref = refs.get(incentive_id, "") if incentive_id is not None else ""
        rank = JOB_ORDER.index(kind) if kind in JOB_ORDER else len(JOB_ORDER)
        return name, incentive_id is None, ref, rank

    return tuple(_status(key, jobs[key], refs, now) for key in sorted(jobs, key=order))


def _status(
    key: tuple[str, str, int | None],
    records: list[RunRecord],
    refs: dict[int, str],
    now: datetime,
) -> JobStatus:
    name, kind, incentive_id = key
    success = _last(records, "ok")
    failure = _last(records, "failed")
    running = _last(records, "running")
    stale = (
        (now - success.finished_at).total_seconds()
        if success is not None and success.finished_at is not None
        else None
    )
    return JobStatus(
        store=name,
        job=kind,
        incentive=None if incentive_id is None else refs.get(incentive_id, str(incentive_id)),
        last_success=_outcome(success),
        last_failure=_outcome(failure),
        stale_seconds=stale,
        running=running is not None,
        worker=running.owner if running is not None else None,
        running_since=running.started_at if running is not None else None,
    )


def _last(records: list[RunRecord], status: str) -> RunRecord | None:
    found = [r for r in records if r.status == status]
    return max(found, key=lambda r: r.id) if found else None


def _outcome(record: RunRecord | None) -> RunOutcome | None:
    if record is None:
        return None
    return RunOutcome(
        started_at=record.started_at,
        finished_at=record.finished_at,
        expected=record.expected,
        fetched=record.fetched,
        stored=record.stored,
        skipped=record.skipped,
        quarantined=record.quarantined,
        error=_one_line(record.error),
    )


def _one_line(error: str | None) -> str | None:
    return " ".join(error.split()) if error else error
