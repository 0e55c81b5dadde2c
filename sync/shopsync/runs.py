"""One run context for every sync job: start, counts, finish, fail.

Every job (pull, usage, orders, generate, revoke) runs inside :func:`sync_run`,
from the CLI, the daemon or a webhook worker alike. The run row is written
before the job starts; it ends ``ok`` when the block completes and ``failed``
(with a message safe to show) when anything escapes it, including Ctrl-C. A
process that dies without either (kill -9, power loss) leaves a row marked
running: the next run of the same job marks it failed, when its process is
gone (same host) or its heartbeat is older than :data:`STALE_AFTER`.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from integrations.ports import ShopError
from store import sync_runs
from store.db import Database, Tx
from store.models import utcnow
from sync.errors import DomainError, UsageError

log = logging.getLogger(__name__)

#: A run on another host that has not shown life for this long is presumed dead.
STALE_AFTER = timedelta(minutes=15)
PROCESS_DIED = "the process running it ended without finishing it (killed or crashed)"


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
    db: Database, store_name: str, kind: str, incentive_id: int | None = None
) -> Iterator[Run]:
    """Record a run of ``kind`` around the block; see the module docstring."""
    with db.transaction() as tx:
        _reap(tx, store_name, kind, incentive_id, utcnow())
        run = Run(
            db,
            sync_runs.begin_run(tx, store_name, kind, incentive_id, owner=owner_of_this_process()),
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


def safe_message(error: BaseException) -> str:
    """What may be kept on the run row: our own messages, else only the error's kind.

    Driver and library errors carry parameters (codes, URLs with credentials).
    """
    if isinstance(error, DomainError | UsageError | ShopError):
        return str(error)
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return f"unexpected {type(error).__name__}"


def _reap(tx: Tx, store_name: str, kind: str, incentive_id: int | None, now: datetime) -> None:
    """Mark earlier runs of the same job failed when their process is gone."""
    dead = [
        r.id
        for r in sync_runs.running_runs(tx, store_name, kind, incentive_id)
        if not _alive(r.owner, r.heartbeat_at, now)
    ]
    if dead:
        log.warning("%s %s: marking %d dead runs failed", store_name, kind, len(dead))
        sync_runs.fail_runs(tx, dead, PROCESS_DIED)


def _alive(owner: str | None, heartbeat_at: datetime | None, now: datetime) -> bool:
    host, _, pid = (owner or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return _process_exists(int(pid))
    return heartbeat_at is not None and now - heartbeat_at < STALE_AFTER


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True
