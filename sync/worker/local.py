"""One worker on SQLite: APScheduler runs the due jobs in this process.

SQLite serialises writers on one file and has no queue to share work, so only
one ``promosync run`` may work on a database file: an OS lock on a file next to
it (``promosync.db.worker-lock``), held for the process's lifetime, refuses a
second one (exit status 2). The lock goes with the process, however it ends.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import make_url

from store.db import Database
from sync.config import Config
from sync.errors import UsageError
from sync.worker.clock import JOB_DEFAULTS, Planner
from sync.worker.execute import execute
from sync.worker.stopping import StopFlag
from sync.worker.table import JobKey, Periodic

log = logging.getLogger("promosync.worker")

LOCK_SUFFIX = ".worker-lock"
#: After n failures in a row a key skips its next 2**(n-1) - 1 turns, at most this many.
MAX_SKIPPED_TURNS = 31


class AnotherWorker(UsageError):
    """A second ``promosync run`` on the same SQLite file."""

    def __init__(self, location: str, lock_path: Path) -> None:
        super().__init__(
            f"Another `promosync run` is already working on the SQLite database {location} "
            f"(it holds {lock_path}): SQLite runs one worker; stop the other one, or use "
            f'PostgreSQL (database_url = "postgresql+psycopg://USER@HOST/DBNAME") to run '
            f"several workers"
        )


def lock_path_of(db: Database) -> Path:
    """The lock file next to the SQLite database file."""
    database = make_url(db.url).database or ""
    return Path(database + LOCK_SUFFIX).absolute()


@contextmanager
def sole_worker(db: Database) -> Iterator[None]:
    """Hold the database's worker lock, or raise :class:`AnotherWorker`."""
    path = lock_path_of(db)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AnotherWorker(db.info.location, path) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


class Backoff:
    """Failed keys skip turns: 0, 1, 3, 7, ... up to :data:`MAX_SKIPPED_TURNS`."""

    def __init__(self) -> None:
        self.failures: dict[JobKey, int] = {}
        self.skip: dict[JobKey, int] = {}

    def should_skip(self, key: JobKey) -> bool:
        left = self.skip.get(key, 0)
        if left:
            self.skip[key] = left - 1
        return left > 0

    def failed(self, key: JobKey) -> None:
        n = self.failures[key] = self.failures.get(key, 0) + 1
        self.skip[key] = min(2 ** (n - 1) - 1, MAX_SKIPPED_TURNS)

    def succeeded(self, key: JobKey) -> None:
        self.failures.pop(key, None)
        self.skip.pop(key, None)


def run_local(db: Database, config: Config, stop: StopFlag) -> None:
    """Run the schedule in this process until ``stop`` is set; then finish and return."""
    backoff = Backoff()

    def on_due(periodic: Periodic, key: JobKey) -> None:
        if stop.is_set or backoff.should_skip(key):
            return
        try:
            execute(db, config, periodic, key, stop)
        except Exception:  # logged by execute: back off, never end the worker
            backoff.failed(key)
        else:
            backoff.succeeded(key)

    with sole_worker(db):
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(config.daemon.concurrency)},
            job_defaults=JOB_DEFAULTS,
            timezone="UTC",
        )
        Planner(scheduler, db, config, on_due).start()
        scheduler.start()
        log.info("worker started on %s (SQLite: jobs run in this process)", db.info.location)
        try:
            stop.wait()
        finally:
            scheduler.shutdown(wait=True)  # running jobs see the flag between pages
        log.info("worker stopped")
