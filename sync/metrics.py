"""Prometheus metrics of this process, served at ``GET /metrics``.

One registry for the process (not the library's global one), so tests and several
apps in one process see exactly what promosync recorded.
"""

from __future__ import annotations

from importlib import metadata

from prometheus_client import CollectorRegistry, Info

REGISTRY = CollectorRegistry(auto_describe=True)

BUILD = Info("promosync_build", "The running promosync version.", registry=REGISTRY)
BUILD.info({"version": metadata.version("promosync")})
