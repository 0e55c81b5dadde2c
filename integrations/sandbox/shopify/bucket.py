"""Shopify's leaky bucket of query-cost points, one per shop (app + store)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from .clock import Clock
from .constants import DEFAULT_BUCKET_SIZE, DEFAULT_RESTORE_RATE


@dataclass(frozen=True)
class BucketConfig:
    """Bucket size and refill speed; ``enabled=False`` never throttles (benchmarks)."""

    maximum_available: float = DEFAULT_BUCKET_SIZE
    restore_rate: float = DEFAULT_RESTORE_RATE
    enabled: bool = True


@dataclass(frozen=True)
class ThrottleStatus:
    """What ``extensions.cost.throttleStatus`` reports."""

    maximum_available: float
    currently_available: float
    restore_rate: float

    def as_json(self) -> dict[str, float]:
        """The JSON shape Shopify sends."""
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available,
            "restoreRate": self.restore_rate,
        }


class LeakyBucket:
    """Points refill continuously at ``restore_rate``/s up to ``maximum_available``.

    A request reserves its *requested* cost up front and is refunded the
    difference to its *actual* cost afterwards, as Shopify documents.
    """

    def __init__(self, config: BucketConfig, clock: Clock) -> None:
        self.config = config
        self._clock = clock
        self._available = config.maximum_available
        self._updated: datetime = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, (now - self._updated).total_seconds())
        self._updated = now
        self._available = min(
            self.config.maximum_available, self._available + elapsed * self.config.restore_rate
        )

    def try_reserve(self, cost: float) -> bool:
        """Take ``cost`` points if available; False (nothing taken) if not."""
        with self._lock:
            self._refill()
            if not self.config.enabled:
                return True
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, points: float) -> None:
        """Give back points reserved but not used."""
        with self._lock:
            self._refill()
            if self.config.enabled:
                self._available = min(self.config.maximum_available, self._available + points)

    def status(self) -> ThrottleStatus:
        """The bucket as of now."""
        with self._lock:
            self._refill()
            return ThrottleStatus(
                maximum_available=self.config.maximum_available,
                currently_available=self._available,
                restore_rate=self.config.restore_rate,
            )
