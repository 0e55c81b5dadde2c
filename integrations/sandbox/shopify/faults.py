"""The shared fault injection (:mod:`integrations.sandbox.faults`) for the Shopify sandbox."""

from __future__ import annotations

from ..faults import (
    HTTP_STATUS,
    ROLL_ORDER,
    Fault,
    FaultConfig,
    FaultPlan,
    Listener,
    RequestRecord,
    SandboxStats,
)

__all__ = [
    "HTTP_STATUS",
    "ROLL_ORDER",
    "Fault",
    "FaultConfig",
    "FaultPlan",
    "Listener",
    "RequestRecord",
    "SandboxStats",
]
