"""Time for the Shopify sandbox: the shared clocks plus Shopify's DateTime format."""

from __future__ import annotations

from datetime import UTC, datetime

from ..clock import Clock, ManualClock, system_clock

__all__ = ["Clock", "ManualClock", "iso", "system_clock"]


def iso(moment: datetime) -> str:
    """Shopify's DateTime format: ISO 8601 in UTC with a ``Z`` suffix, no fraction."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
