"""Prometheus metrics of this process, served at ``GET /metrics``.

One registry for the process (not the library's global one), so tests and several
apps in one process see exactly what promosync recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import metadata
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from store.db import Database
    from sync.config import Config

REGISTRY = CollectorRegistry(auto_describe=True)

BUILD = Info("promosync_build", "The running promosync version.", registry=REGISTRY)
BUILD.info({"version": metadata.version("promosync")})

#: Creator pages answered (``GET /c/TOKEN``): ``shown``, or ``refused`` for every link that
#: opens nothing (a burst of refusals is someone probing links).
PORTAL_PAGES = Counter(
    "promosync_portal_pages",
    "Creator pages answered, by outcome (shown or refused).",
    ["outcome"],
    registry=REGISTRY,
)
#: Webhook deliveries received, by platform and outcome (stored, duplicate, ignored, or
#: why they were refused: bad_signature, unknown_shop, body_too_large, malformed, ...).
WEBHOOKS = Counter(
    "promosync_webhook_deliveries",
    "Webhook deliveries received, by outcome.",
    ["platform", "outcome"],
    registry=REGISTRY,
)
#: Deliveries in the inbox by state (pending, failed), as of the last inbox cycle.
INBOX = Gauge(
    "promosync_webhook_inbox",
    "Webhook deliveries in the inbox, by state, as of the last inbox cycle.",
    ["state"],
    registry=REGISTRY,
)

# --- the worker (``promosync run``) -----------------------------------------------------

JOB_RUNS = Counter(
    "promosync_job_runs",
    "Periodic job runs, by job, store and outcome (ok, failed).",
    ["job", "store", "outcome"],
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "promosync_job_duration_seconds",
    "How long periodic jobs ran, by job.",
    ["job"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
    registry=REGISTRY,
)
SHOP_WAITS = Counter(
    "promosync_shop_waits",
    "Waits a shop asked for (throttling, rate limits, backoff after failures), by store.",
    ["store"],
    registry=REGISTRY,
)
SHOP_WAIT_SECONDS = Counter(
    "promosync_shop_wait_seconds",
    "Seconds spent waiting for shops (throttling, rate limits, backoff), by store.",
    ["store"],
    registry=REGISTRY,
)


class DatabaseGauges(Collector):
    """Read on every scrape: pool sizes per linked incentive, queue depth, store staleness."""

    def __init__(self, db: Database, config: Config) -> None:
        self.db, self.config = db, config

    def collect(self) -> Iterator[Metric]:
        from store.db import StoreError

        try:
            yield from self._collect()
        except StoreError:  # the database is down: /healthz says so; other metrics stay
            return

    def _collect(self) -> Iterator[Metric]:
        from store import catalog, pool, queue_schema, shop_links
        from sync.freshness import freshness

        sizes = GaugeMetricFamily(
            "promosync_pool_codes",
            "Codes in the pool of each linked incentive, by status.",
            labels=["store", "incentive", "status"],
        )
        with self.db.transaction() as tx:
            links = shop_links.linked_incentives(tx)
            ids = [link.incentive_id for link in links]
            refs = catalog.incentive_refs(tx, ids)
            counted = pool.counts(tx, ids)
        for link in links:
            found = counted[link.incentive_id]
            for status in ("available", "assigned", "quarantined"):
                sizes.add_metric(
                    [link.store_name, refs[link.incentive_id], status], getattr(found, status)
                )
        yield sizes
        depth = GaugeMetricFamily(
            "promosync_queue_jobs", "Jobs in the queue (PostgreSQL), by status.", labels=["status"]
        )
        for status, n in queue_schema.depth(self.db).items():
            depth.add_metric([status], n)
        yield depth
        age = GaugeMetricFamily(
            "promosync_store_sync_age_seconds",
            "Seconds since the oldest last successful pull of each store's incentives.",
            labels=["store"],
        )
        for item in freshness(self.db, self.config):
            if item.age_seconds is not None:
                age.add_metric([item.store], item.age_seconds)
        yield age


_watched: list[DatabaseGauges] = []


def watch(db: Database, config: Config) -> None:
    """Report ``db``'s pools, queue and staleness at /metrics (once per process)."""
    if not _watched:
        _watched.append(DatabaseGauges(db, config))
        REGISTRY.register(_watched[0])


ALERTS = Counter(
    "promosync_alerts",
    "Alerts raised (pool.low, refill.failed, code.leaked, ...), by kind.",
    ["kind"],
    registry=REGISTRY,
)
POOL_AVAILABLE = Gauge(
    "promosync_pool_available_codes",
    "Codes that can be handed out now, per incentive, as of the last refill check.",
    ["incentive"],
    registry=REGISTRY,
)
CODES_REFILLED = Counter(
    "promosync_codes_refilled",
    "Codes created in stores by automatic refills.",
    registry=REGISTRY,
)
REFILLS = Counter(
    "promosync_refills",
    "Automatic refills by outcome (done, failed, capped).",
    ["outcome"],
    registry=REGISTRY,
)
LEAKS = Counter(
    "promosync_leaks",
    "Leaked codes detected, and reissued, by action.",
    ["action"],
    registry=REGISTRY,
)
NOTIFY = Counter(
    "promosync_notify_deliveries",
    "Outbound webhook deliveries by outcome (sent, failed).",
    ["outcome"],
    registry=REGISTRY,
)
