"""Keep a long sync near Shopify's restore rate instead of running into THROTTLED.

Shopify's Admin GraphQL API meters queries with a leaky bucket per app and
shop: every response reports ``extensions.cost.throttleStatus``
(``maximumAvailable``, ``currentlyAvailable``, ``restoreRate`` points/second)
and the query's ``requestedQueryCost``. A query is refused when the bucket
holds less than its requested cost.

:class:`CostPacer` remembers the last observation (with the time it was made)
and the last requested cost per operation name; before the next request it
sleeps just long enough for the bucket, refilling at ``restoreRate``, to cover
that cost. Clock and sleep are injected.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# Cost assumed for an operation we have not seen yet: a 250-node page costs ~252-260.
DEFAULT_EXPECTED_COST = 260.0
# Wait for this many points beyond the expected cost: Shopify counts whole points, and one
# spare point absorbs float rounding and the skew between its clock and ours.
DEFAULT_SAFETY_MARGIN = 1.0

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class ThrottleStatus:
    """One reading of the cost bucket, taken at ``observed_at`` (clock seconds)."""

    maximum_available: float
    currently_available: float
    restore_rate: float
    observed_at: float

    @classmethod
    def from_extensions(cls, cost: Mapping[str, Any] | None, now: float) -> ThrottleStatus | None:
        """Read ``extensions.cost``; None when the response carried no throttle status."""
        throttle = (cost or {}).get("throttleStatus") or {}
        try:
            return cls(
                maximum_available=float(throttle["maximumAvailable"]),
                currently_available=float(throttle["currentlyAvailable"]),
                restore_rate=float(throttle["restoreRate"]),
                observed_at=now,
            )
        except (KeyError, TypeError, ValueError):
            return None

    def available_at(self, now: float) -> float:
        """Points in the bucket at ``now``, assuming nobody else spent any since."""
        elapsed = max(0.0, now - self.observed_at)
        return min(self.maximum_available, self.currently_available + elapsed * self.restore_rate)

    def seconds_until(self, cost: float, now: float) -> float:
        """How long to wait at ``now`` until the bucket covers ``cost`` points."""
        # A cost above the bucket size can never be covered; wait for a full bucket instead.
        needed = min(cost, self.maximum_available) - self.available_at(now)
        if needed <= 0 or self.restore_rate <= 0:
            return 0.0
        return needed / self.restore_rate


class CostPacer:
    """Waits before each request until the cost bucket can cover it. Thread-safe."""

    def __init__(
        self,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        *,
        default_cost: float = DEFAULT_EXPECTED_COST,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._default_cost = default_cost
        self._margin = safety_margin
        self._lock = threading.Lock()
        self._last: ThrottleStatus | None = None
        self._costs: dict[str, float] = {}
        self.total_waited = 0.0  # seconds slept by the pacer, for stats

    @property
    def last_status(self) -> ThrottleStatus | None:
        """The most recent bucket reading, if any."""
        return self._last

    def expected_cost(self, operation: str) -> float:
        """Last requested cost seen for ``operation``, else the default estimate."""
        return self._costs.get(operation, self._default_cost)

    def wait_needed(self, operation: str) -> float:
        """Seconds to wait now before sending ``operation``."""
        with self._lock:
            if self._last is None:
                return 0.0  # first request: nothing known, Shopify will tell us
            cost = self.expected_cost(operation) + self._margin
            return self._last.seconds_until(cost, self._clock())

    def before_request(self, operation: str) -> float:
        """Sleep until the bucket can cover ``operation``; returns the seconds slept."""
        wait = self.wait_needed(operation)
        if wait > 0:
            log.debug("pacing %s: waiting %.3fs for the cost bucket", operation, wait)
            self._sleep(wait)
            with self._lock:
                self.total_waited += wait
        return wait

    def observe(self, operation: str, cost: Mapping[str, Any] | None) -> None:
        """Record ``extensions.cost`` of a response to ``operation``."""
        status = ThrottleStatus.from_extensions(cost, self._clock())
        with self._lock:
            if status is not None:
                self._last = status
            requested = (cost or {}).get("requestedQueryCost")
            if isinstance(requested, int | float):
                self._costs[operation] = float(requested)
