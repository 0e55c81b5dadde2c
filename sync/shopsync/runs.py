"""One run context for every sync job: one at a time, start, counts, finish, fail.

Every job (pull, usage, orders, generate, revoke) runs inside :func:`sync_run`,
from the CLI, the daemon or a webhook worker alike. First it takes the job's
lock (:mod:`store.job_locks`: one holder per store, job kind and incentive, across
processes and machines); a job already running is refused with :class:`JobRunning`,
or waited for (:class:`WaitForJob`). The run row is written before the job starts;
it ends ``ok`` when the block completes and ``failed`` (with a message safe to show)
when anything escapes it, including Ctrl-C. A process that dies without either
(kill -9, power loss) leaves a row marked running but loses its lock: the next run of
the same job, holding the lock, knows that row is dead and marks it failed; so does
``sync status`` (:func:`reap_dead_runs`) for a running row whose job lock is free.
Liveness is never guessed from heartbeat age: the lock is the proof.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from integrations.ports import ShopError
from store import catalog, job_locks, sync_runs
from store.db import Database, Tx
from sync.errors import DomainError, UsageError

log = logging.getLogger(__name__)

PROCESS_DIED = "the process running it ended without finishing it (killed or crashed)"
#: How often a waiting job asks again for the lock of the run it waits for.
LOCK_POLL_SECONDS = 0.5
#: How long a job found locked looks for the holder's run row, to name its worker.
HOLDER_GRACE_SECONDS = 2.0
HOLDER_POLL_SECONDS = 0.05


class JobRunning(DomainError):
    """The same job (store, kind, incentive) is running elsewhere; this one did not start."""

    def __init__(
        self, store_name: str, kind: str, incentive: str | None, worker: str | None
    ) -> None:
        self.store_name, self.kind, self.incentive, self.worker = (
            store_name,
            kind,
            incentive,
            worker,
        )
        self.job = f"the {kind} job" + (f" of incentive '{incentive}'" if incentive else "")
        self.where = f"on worker {worker}" if worker else "on another worker (its run is starting)"
        super().__init__(
            f"Store '{store_name}': {self.job} is already running {self.where}: wait for it "
            "to finish, or run the command again with --wait"
        )

    def waiting_line(self) -> str:
        """What a caller that waits says while it waits."""
        return f"Store '{self.store_name}': {self.job} is running {self.where}; waiting for it"


@dataclass(frozen=True)
class WaitForJob:
    """Wait for a running job of the same key to end instead of refusing to start.

    ``notify`` is told once who holds the job (e.g. a line on stderr); sleep is a seam.
    """

    notify: Callable[[JobRunning], None] = field(default=lambda _: None)
    poll_seconds: float = LOCK_POLL_SECONDS
    sleep: Callable[[float], None] = time.sleep


def owner_of_this_process() -> str:
    """``host:pid``, recorded on the run so a later run can tell whether it died."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Run:
    """A job's run in progress: counts accumulate here and are written with each beat."""

    def __init__(self, db: Database, run_id: int) -> None:
        self.db, self.id = db, run_id
        self.counts: dict[str, int | None] = {}
        self.finished = False

    def count(self, **counts: int | None) -> None:
        """Set counts (``fetched``, ``stored``, ``skipped``, ``quarantined``, ``expected``)."""
        self.counts.update(counts)

    def beat(self, tx: Tx) -> None:
        """Show life and record counts so far, inside a transaction the job commits anyway."""
        sync_runs.beat(tx, self.id, **self.counts)

    def finish(self, tx: Tx, **counts: int | None) -> None:
        """Close the run ``ok`` in the job's last transaction (committed with its data)."""
        self.count(**counts)
        sync_runs.finish_run(tx, self.id, "ok", None, **self.counts)
        self.finished = True


@contextmanager
def sync_run(
    db: Database,
    store_name: str,
    kind: str,
    incentive_id: int | None = None,
    *,
    wait: WaitForJob | None = None,
) -> Iterator[Run]:
    """Run ``kind`` alone and record it around the block; see the module docstring.

    Raises :class:`JobRunning` when the same job runs elsewhere, unless ``wait``.
    """
    lock = _acquire(db, store_name, kind, incentive_id, wait)
    try:
        with db.transaction() as tx:
            _reap_unlocked(tx, store_name, kind, incentive_id)
            run = Run(
                db,
                sync_runs.begin_run(
                    tx, store_name, kind, incentive_id, owner=owner_of_this_process()
                ),
            )
        try:
            yield run
        except BaseException as error:
            with db.transaction() as tx:
                sync_runs.finish_run(tx, run.id, "failed", safe_message(error), **run.counts)
            raise
        if not run.finished:
            with db.transaction() as tx:
                run.finish(tx)
    finally:
        lock.release()


def _acquire(
    db: Database, store_name: str, kind: str, incentive_id: int | None, wait: WaitForJob | None
) -> job_locks.HeldLock:
    """The job's lock; :class:`JobRunning` if taken, unless ``wait`` (then polls for it).

    The holder takes the lock before it writes its run row: a refusal looks again for a
    moment (:data:`HOLDER_GRACE_SECONDS`) so that it can name the worker.
    """
    sleep = wait.sleep if wait is not None else time.sleep
    name_by = time.monotonic() + HOLDER_GRACE_SECONDS
    told = False
    while True:
        lock = job_locks.try_lock(db, store_name, kind, incentive_id)
        if lock is not None:
            return lock
        if told and wait is not None:
            sleep(wait.poll_seconds)
            continue
        busy = running_elsewhere(db, store_name, kind, incentive_id)
        if busy.worker is None and time.monotonic() < name_by:
            sleep(HOLDER_POLL_SECONDS)
            continue
        if wait is None:
            raise busy
        log.info("%s", busy.waiting_line())
        wait.notify(busy)
        told = True


def running_elsewhere(
    db: Database, store_name: str, kind: str, incentive_id: int | None
) -> JobRunning:
    """:class:`JobRunning` naming the job and the worker its run row names.

    The lock is held, so the newest row still running is the holder's (it marked older
    ones failed when it began), unless its row is not written yet: then a leftover row
    of a process gone from this host is not taken for it.
    """
    with db.transaction() as tx:
        live = [
            r
            for r in sync_runs.running_runs(tx, store_name, kind, incentive_id)
            if not _gone_from_this_host(r.owner)
        ]
        refs = catalog.incentive_refs(tx, [incentive_id] if incentive_id is not None else [])
    incentive = refs.get(incentive_id, str(incentive_id)) if incentive_id is not None else None
    return JobRunning(store_name, kind, incentive, live[-1].owner if live else None)


def safe_message(error: BaseException) -> str:
    """What may be kept on the run row: our own messages, else only the error's kind.

    Driver and library errors carry parameters (codes, URLs with credentials).
    """
    if isinstance(error, DomainError | UsageError | ShopError):
        return str(error)
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return f"unexpected {type(error).__name__}"


def _reap_unlocked(tx: Tx, store_name: str, kind: str, incentive_id: int | None) -> None:
    """With the job's lock held, every run of the same job still marked running is dead:
    its process would hold the lock. Mark them failed."""
    dead = [r.id for r in sync_runs.running_runs(tx, store_name, kind, incentive_id)]
    marked = sync_runs.fail_runs(tx, dead, PROCESS_DIED) if dead else 0
    if marked:
        log.warning("%s %s: marked %d dead runs failed", store_name, kind, marked)


def reap_dead_runs(db: Database, store_name: str | None = None) -> int:
    """Mark failed every run still marked running whose job's lock is free: the process
    that ran it is gone (a live run holds its lock). Returns how many were marked.

    For readers such as ``sync status`` and the worker's health checks; a run of the job
    does the same for its own job when it starts.
    """
    with db.transaction() as tx:
        running = sync_runs.running_jobs(tx, store_name)
    by_job: dict[tuple[str, str, int | None], list[int]] = {}
    for row in running:
        by_job.setdefault((row.store_name, row.kind, row.incentive_id), []).append(row.id)
    reaped = 0
    for (store, kind, incentive_id), ids in by_job.items():
        lock = job_locks.try_lock(db, store, kind, incentive_id)
        if lock is None:
            continue  # alive: its process holds the lock
        try:
            with db.transaction() as tx:
                marked = sync_runs.fail_runs(tx, ids, PROCESS_DIED)
        finally:
            lock.release()
        if marked:  # runs that finished since they were read are not dead
            log.warning("%s %s: marked %d dead runs failed", store, kind, marked)
        reaped += marked
    return reaped


def _gone_from_this_host(owner: str | None) -> bool:
    host, _, pid = (owner or "").rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not _process_exists(int(pid))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
