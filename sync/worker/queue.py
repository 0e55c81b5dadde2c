"""Many workers on PostgreSQL: APScheduler ticks defer jobs to procrastinate, which runs them.

Every ``promosync run`` does both halves:

- **defer**: at each tick of (job, key) it defers one procrastinate job with
  ``defer_periodic_job``, named by the key (``periodic_id``) and the tick's
  period: the database takes the first worker's deferral of a period and
  ignores the others'. The job's ``queueing_lock`` (the key) absorbs a tick
  while an earlier job of the key still waits (e.g. for a retry).
- **work**: a procrastinate worker in this process runs jobs, ``concurrency``
  at a time; a job's ``lock`` (the key) keeps two jobs of one key from running
  at once on any worker.

A worker killed mid-job stops beating; a periodic ``promosync.retry_stalled``
job (itself under a lock, so one runs at a time) hands the jobs of workers
silent for ``[daemon] stalled_after`` back to the queue with procrastinate's
``get_stalled_jobs`` / ``retry_job``, and deletes jobs finished more than
:data:`KEEP_FINISHED_HOURS` ago. A failing job is retried per
:data:`RETRY` (exponential backoff), then waits for its next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from procrastinate import App, PsycopgConnector, RetryStrategy
from procrastinate import exceptions as queue_errors
from procrastinate.worker import Worker

from store import queue_schema
from store.db import Database, StoreError
from sync.config import Config
from sync.errors import UsageError
from sync.shops import ShopUnavailable
from sync.shopsync.runs import owner_of_this_process
from sync.worker.clock import EPOCH, JOB_DEFAULTS, Planner, period_of, tick_of
from sync.worker.execute import execute, explain
from sync.worker.stopping import StopFlag, Stopped
from sync.worker.table import BY_NAME, JobKey, Periodic

log = logging.getLogger("promosync.worker")

QUEUE = "promosync"
JOB_TASK = "promosync.job"
STALLED_TASK = "promosync.retry_stalled"
STALLED_LOCK = "promosync:retry-stalled"
#: Failures worth another try soon: the shop or database may be back (5 s, 25 s, 125 s).
RETRY = RetryStrategy(
    max_attempts=3, exponential_wait=5, retry_exceptions=[ShopUnavailable, StoreError, Stopped]
)
#: Finished jobs are kept this long (for inspection), then deleted by the maintenance job.
KEEP_FINISHED_HOURS = 24
#: How often a worker looks for jobs besides being notified: a job that waited behind its
#: key's lock (the notification came while the lock was held) starts within this time.
FETCH_POLL_SECONDS = 1.0
#: Seconds a stopping worker gives running jobs (they stop between pages) before aborting.
STOP_GRACE_SECONDS = 8.0
#: procrastinate's own lines that repeat ours (start, outcome of every job).
QUIET_ACTIONS = frozenset(
    {
        "start_job",
        "loaded_job_info",
        "job_success",
        "job_error",
        "job_error_retry",
        "job_aborted",
        "job_aborted_retry",
        "finish_task",
    }
)


class QueueMissing(UsageError):
    def __init__(self, location: str) -> None:
        super().__init__(
            f"Database {location} has no job queue yet: run `promosync db upgrade` first"
        )


class _QuietJobLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "action", None) not in QUIET_ACTIONS


def build_app(db: Database, config: Config, stop: StopFlag) -> App:
    """The procrastinate app on our database, with the job and stalled-check tasks."""
    app = App(connector=PsycopgConnector(conninfo=queue_schema.conninfo(db)))

    @app.task(name=JOB_TASK, queue=QUEUE, retry=RETRY)
    def run_job(
        job: str, store: str | None, incentive_id: int | None, ref: str | None, timestamp: int
    ) -> None:
        execute(db, config, BY_NAME[job], JobKey(job, store, incentive_id, ref), stop)

    @app.task(name=STALLED_TASK, queue=QUEUE)
    async def retry_stalled(timestamp: int) -> None:
        await app.job_manager.delete_old_jobs(
            nb_hours=KEEP_FINISHED_HOURS, queue=QUEUE, include_failed=True, include_aborted=True
        )
        stalled = await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=config.daemon.stalled_after
        )
        for job in stalled:
            try:
                await app.job_manager.retry_job(job)
            except Exception as error:  # e.g. finished meanwhile
                log.warning("could not hand back stalled job %s: %s", job.id, explain(error))
                continue
            log.warning(
                "job %s of a worker silent for %.0f s handed back to the queue: %s",
                job.id,
                config.daemon.stalled_after,
                job.call_string,
            )

    return app


async def defer(app: App, periodic: Periodic, key: JobKey, every: float) -> None:
    """Defer ``key``'s job for the current period, unless some worker already did."""
    tick = tick_of(key.lock, time.time(), every)
    kwargs: dict[str, Any] = {
        "job": key.job,
        "store": key.store,
        "incentive_id": key.incentive_id,
        "ref": key.ref,
        "timestamp": tick,
    }
    deferrer = app.configure_task(
        JOB_TASK, queue=QUEUE, lock=key.lock, queueing_lock=key.lock, task_kwargs=kwargs
    )
    try:
        await app.job_manager.defer_periodic_job(deferrer.job, key.lock, tick)
    except queue_errors.AlreadyEnqueued:
        log.debug("%s: an earlier job still waits in the queue", key.describe())


async def defer_stalled_check(app: App, every: float) -> None:
    tick = period_of(time.time(), every)
    deferrer = app.configure_task(
        STALLED_TASK,
        queue=QUEUE,
        lock=STALLED_LOCK,
        queueing_lock=STALLED_LOCK,
        task_kwargs={"timestamp": tick},
    )
    with contextlib.suppress(queue_errors.AlreadyEnqueued):
        await app.job_manager.defer_periodic_job(deferrer.job, STALLED_LOCK, tick)


async def run_queue(db: Database, config: Config, stop: StopFlag) -> None:
    """Defer and work jobs until SIGTERM/SIGINT; then let running jobs stop and return."""
    if not queue_schema.present(db):
        raise QueueMissing(db.info.location)
    logging.getLogger("procrastinate").addFilter(_QuietJobLines())
    for name in ("procrastinate.worker", "procrastinate.worker.worker"):
        logging.getLogger(name).addFilter(_QuietJobLines())
    app = build_app(db, config, stop)
    stalled_after = config.daemon.stalled_after
    async with app.open_async():
        worker = Worker(
            app,
            queues=[QUEUE],
            name=owner_of_this_process(),
            concurrency=config.daemon.concurrency,
            install_signal_handlers=False,
            update_heartbeat_interval=stalled_after / 3,
            stalled_worker_timeout=stalled_after,
            fetch_job_polling_interval=FETCH_POLL_SECONDS,
            shutdown_graceful_timeout=STOP_GRACE_SECONDS,
        )
        scheduler = AsyncIOScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC")

        async def on_due(periodic: Periodic, key: JobKey) -> None:
            try:
                await defer(app, periodic, key, periodic.interval(config))
            except Exception as error:  # the database may be down: the next tick tries again
                log.error("%s: could not queue the job: %s", key.describe(), explain(error))

        Planner(scheduler, db, config, on_due).start()
        check_every = stalled_after / 2
        scheduler.add_job(
            defer_stalled_check,
            IntervalTrigger(seconds=check_every, start_date=EPOCH, timezone="UTC"),
            args=(app, check_every),
            id=STALLED_LOCK,
        )

        def on_signal() -> None:
            stop.set()
            worker.stop()  # type: ignore[no-untyped-call]

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal)
        scheduler.start()
        log.info(
            "worker started on %s (PostgreSQL: jobs shared through the queue)", db.info.location
        )
        try:
            await worker.run()  # type: ignore[no-untyped-call]
        finally:
            scheduler.shutdown(wait=False)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        log.info("worker stopped")
