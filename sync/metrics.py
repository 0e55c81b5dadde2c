"""Prometheus metrics of this process, served at ``GET /metrics``.

One registry for the process (not the library's global one), so tests and several
apps in one process see exactly what promosync recorded.
"""

from __future__ import annotations

from importlib import metadata

from prometheus_client import CollectorRegistry, Counter, Info

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
