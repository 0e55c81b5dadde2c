"""APScheduler as the clock: one interval job per (periodic job, key), on the wall clock.

Every interval is aligned to multiples of its length since a fixed epoch, shifted
by an offset that a stable hash of the key gives (:func:`offset_of`): all workers tick
at the same instants for one key, while the keys' ticks spread over the interval
instead of all falling due at once (200 shops' jobs in one burst kept the last shop
waiting for most of an interval). A tick is named by the start of its period
(:func:`tick_of`). Each key also ticks once at start-up (its current period),
so a freshly started worker does not wait a whole interval. The set of keys is
re-read every :data:`REFRESH_EVERY` seconds: an incentive linked while the
worker runs is picked up without a restart.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from store.db import Database
from sync.config import Config
from sync.worker.execute import explain
from sync.worker.table import PERIODIC, JobKey, Periodic, keys

log = logging.getLogger("promosync.worker")

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
#: Seconds between two looks at which incentives are linked (at most; shorter intervals win).
REFRESH_EVERY = 30.0
REFRESH_JOB_ID = "promosync:refresh"
#: Job options: never two runs of one key in one process; a late tick runs once.
JOB_DEFAULTS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}

OnDue = Callable[[Periodic, JobKey], Any]


def period_of(now: float, every: float, offset: float = 0.0) -> int:
    """The start (Unix seconds) of the period of length ``every`` holding ``now``, the
    periods starting ``offset`` seconds after multiples of ``every``."""
    return int((now - offset) // every * every + offset)


def offset_of(name: str, every: float) -> int:
    """Where in its interval the key ``name`` ticks: whole seconds from a stable hash
    (the same in every worker process, unlike :func:`hash`)."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big") % max(int(every), 1)


def tick_of(name: str, now: float, every: float) -> int:
    """The tick of key ``name`` that holds ``now``: the name of its current period."""
    return period_of(now, every, offset_of(name, every))


class Planner:
    """Keeps the scheduler's jobs in step with the configured stores' linked incentives."""

    def __init__(
        self, scheduler: BaseScheduler, db: Database, config: Config, on_due: OnDue
    ) -> None:
        self.scheduler, self.db, self.config, self.on_due = scheduler, db, config, on_due
        self.scheduled: set[str] = set()

    def start(self) -> None:
        """Schedule the refresh (now, then periodically); the jobs follow from it."""
        every = min([REFRESH_EVERY, *(p.interval(self.config) for p in PERIODIC)])
        self.scheduler.add_job(
            self.refresh,
            IntervalTrigger(seconds=every, start_date=EPOCH, timezone=UTC),
            id=REFRESH_JOB_ID,
            next_run_time=datetime.now(UTC),
            **JOB_DEFAULTS,
        )

    def refresh(self) -> None:
        """Add a job per new key, remove the jobs of keys gone (unlinked incentives)."""
        try:
            wanted = {_job_id(p, k): (p, k) for p, k in keys(self.db, self.config)}
        except Exception as error:  # the database may be down for a while: try next time
            log.error("could not read the linked incentives: %s", explain(error))
            return
        for gone in self.scheduled - wanted.keys():
            self.scheduler.remove_job(gone)
            self.scheduled.discard(gone)
        now = datetime.now(UTC)
        for job_id, (periodic, key) in wanted.items():
            if job_id in self.scheduled:
                continue
            every = periodic.interval(self.config)
            start = EPOCH + timedelta(seconds=offset_of(job_id, every))
            self.scheduler.add_job(
                self.on_due,
                IntervalTrigger(seconds=every, start_date=start, timezone=UTC),
                args=(periodic, key),
                id=job_id,
                name=key.describe(),
                next_run_time=now,
                **JOB_DEFAULTS,
            )
            self.scheduled.add(job_id)


def _job_id(periodic: Periodic, key: JobKey) -> str:
    return key.lock
