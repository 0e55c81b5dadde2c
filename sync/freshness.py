"""How fresh each store's pools are: the age of its oldest last successful pull.

A store is stale when that age passes three pull intervals (``[daemon] pull_every``),
or when its pulls have only ever failed. ``/healthz`` answers 503 then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store import sync_runs
from store.db import Database
from store.models import utcnow
from sync.config import Config

#: A store is stale after this many pull intervals without a successful pull.
STALE_AFTER_INTERVALS = 3


@dataclass(frozen=True)
class StoreFreshness:
    store: str
    age_seconds: float | None  # since the oldest of its incentives' last good pull; None: never
    limit_seconds: float
    stale: bool


def freshness(db: Database, config: Config, now: datetime | None = None) -> list[StoreFreshness]:
    """Per store with linked incentives, how old its data is and whether that is too old."""
    now = now or utcnow()
    limit = STALE_AFTER_INTERVALS * config.daemon.pull_every
    with db.transaction() as tx:
        pulls = sync_runs.last_pulls(tx)
    by_store: dict[str, list[sync_runs.LastPull]] = {}
    for pull in pulls:
        by_store.setdefault(pull.store_name, []).append(pull)
    result = []
    for store, items in sorted(by_store.items()):
        if any(p.last_ok is None for p in items):
            never_ok_failed = any(p.last_ok is None and p.ever_failed for p in items)
            result.append(StoreFreshness(store, None, limit, never_ok_failed))
            continue
        oldest = min(p.last_ok for p in items if p.last_ok is not None)
        age = (now - oldest).total_seconds()
        result.append(StoreFreshness(store, age, limit, age > limit))
    return result
