"""Time as the local shops see it: real by default, injectable for tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]
"""A function returning the current time as an aware UTC datetime."""


def system_clock() -> datetime:
    """The real wall clock, in UTC."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; pass it as ``clock=`` to freeze time.

    >>> clock = ManualClock(); clock.advance(1.5)
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        with self._lock:
            self._now += timedelta(seconds=seconds)
