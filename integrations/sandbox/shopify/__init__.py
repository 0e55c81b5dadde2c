"""A faithful local Shopify Admin API (2026-10) for tests, the demo and benchmarks.

Start one in a test::

    from integrations.sandbox.shopify import SandboxShop, serve

    shop = SandboxShop()
    discount_id = shop.create_code_discount("Summer", codes=["A1", "A2"])
    with serve(shop) as sandbox:
        httpx.post(sandbox.admin_api_url, json={"query": ...},
                   headers={"X-Shopify-Access-Token": sandbox.access_token})

Pieces: :class:`SandboxShop` (state and in-process API), :func:`serve` /
:func:`start` (HTTP on loopback), :class:`FaultConfig` (seeded faults),
:class:`BucketConfig` (cost throttling), :class:`JobTiming` (when asynchronous
jobs finish), :class:`ManualClock` (injectable time).
"""

from __future__ import annotations

from .bucket import BucketConfig
from .clock import ManualClock, system_clock
from .errors import CodeTaken, SandboxError, UnknownCode, UnknownDiscount, UnknownOrder
from .faults import Fault, FaultConfig, RequestRecord, SandboxStats
from .model import JobTiming
from .server import SandboxServer, serve, start
from .state import SandboxShop

__all__ = [
    "BucketConfig",
    "CodeTaken",
    "Fault",
    "FaultConfig",
    "JobTiming",
    "ManualClock",
    "RequestRecord",
    "SandboxError",
    "SandboxServer",
    "SandboxShop",
    "SandboxStats",
    "UnknownCode",
    "UnknownDiscount",
    "UnknownOrder",
    "serve",
    "start",
    "system_clock",
]
