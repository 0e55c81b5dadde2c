"""Prometheus metrics of this process, served at ``GET /metrics``.

One registry for the process (not the library's global one), so tests and several
apps in one process see exactly what promosync recorded.
"""

from __future__ import annotations

from importlib import metadata

from prometheus_client import CollectorRegistry, Counter, Gauge, Info

REGISTRY = CollectorRegistry(auto_describe=True)

BUILD = Info("promosync_build", "The running promosync version.", registry=REGISTRY)
BUILD.info({"version": metadata.version("promosync")})

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
