"""Stopping on SIGTERM/SIGINT: jobs look at a flag between pages and batches.

A page's transaction commits (or rolls back) whole; the job then sees the flag
and ends with :class:`Stopped`, which its run records as failed; the next run
starts over (every sync job is safe to repeat). Waits for a shop (throttling,
backoff) end early when the flag is set.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sync.errors import DomainError
from sync.shops import Timing


class Stopped(DomainError):
    """The worker was asked to stop between two pages; what was committed stays."""

    def __init__(self) -> None:
        super().__init__(
            "The worker was stopped (SIGTERM or Ctrl-C) before the job finished; what it "
            "committed stays, and the next run does the rest"
        )


class StopFlag:
    """Set once the process should stop; checked by jobs between their transactions."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self, _: int = 0) -> None:
        """Raise :class:`Stopped` when the worker is stopping (a progress callback)."""
        if self._event.is_set():
            raise Stopped()

    def wait(self, seconds: float | None = None) -> bool:
        """Sleep until stopped or ``seconds`` pass; True if stopped."""
        return self._event.wait(seconds)

    def sleep(self, seconds: float) -> None:
        """A shop's wait that ends early, with :class:`Stopped`, when the worker stops."""
        if self._event.wait(seconds):
            raise Stopped()

    def timing(self, on_wait: Callable[[float], None] = lambda _: None) -> Timing:
        """The waits of a shop opened by the worker; ``on_wait`` hears of each one."""

        def sleep(seconds: float) -> None:
            on_wait(seconds)
            self.sleep(seconds)

        return Timing(sleep=sleep, clock=time.monotonic)
