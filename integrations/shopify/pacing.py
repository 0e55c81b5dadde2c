"""Keep a long sync near Shopify's restore rate instead of running into THROTTLED.

Shopify's Admin GraphQL API meters queries with a leaky bucket per app and
shop: every response reports ``extensions.cost.throttleStatus``
(``maximumAvailable``, ``currentlyAvailable``, ``restoreRate`` points/second)
and the query's ``requestedQueryCost``. A query is refused when the bucket
holds less than its requested cost.

:class:`CostPacer` keeps a model of the bucket, taken from the last
observation, and the last requested cost per operation name. A request is
*admitted* when the modelled bucket covers its expected cost: the pacer sleeps
until then and reserves that cost at once, so concurrent requests queue behind
each other instead of all spending the same points. When the response arrives
the reservation is settled: Shopify's reading (which has refunded the
difference between requested and ``actualQueryCost``) replaces the model, less
what other admitted requests still hold; without a reading the difference is
refunded from ``actualQueryCost``. Clock and sleep are injected.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class Reservation:
    """Points set aside for one admitted request, until :meth:`CostPacer.settle`."""

    operation: str
    cost: float
    waited: float  # seconds the pacer slept before admitting it


class CostPacer:
    """Admits each request when the cost bucket can cover it, reserving its cost. Thread-safe."""

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
        # The bucket as we expect it, after the reservations; observed_at may lie in the future
        # (when the last admitted request will be sent).
        self._model: ThrottleStatus | None = None
        self._in_flight = 0.0  # points reserved by admitted requests not yet settled
        self._costs: dict[str, float] = {}
        self.total_waited = 0.0  # seconds slept by the pacer, for stats

    @property
    def last_status(self) -> ThrottleStatus | None:
        """The most recent bucket reading, if any."""
        return self._last

    def expected_cost(self, operation: str) -> float:
        """Last requested cost seen for ``operation``, else the default estimate."""
        return self._costs.get(operation, self._default_cost)

    def admit(self, operation: str) -> Reservation:
        """Sleep until the bucket covers ``operation``'s expected cost, and reserve it."""
        with self._lock:
            now = self._clock()
            cost = self.expected_cost(operation)
            self._in_flight += cost
            model = self._model
            if model is None:
                return Reservation(operation, cost, 0.0)  # nothing known: Shopify will tell us
            start = max(now, model.observed_at)  # after every request admitted before
            start += model.seconds_until(cost + self._margin, start)
            left = model.available_at(start) - cost
            self._model = replace(model, currently_available=left, observed_at=start)
            wait = start - now
            self.total_waited += wait
        if wait > 0:
            log.debug("pacing %s: waiting %.3fs for the cost bucket", operation, wait)
            self._sleep(wait)
        return Reservation(operation, cost, wait)

    def settle(self, reservation: Reservation, cost: Mapping[str, Any] | None) -> None:
        """Release ``reservation`` with the response's ``extensions.cost`` (None: no response)."""
        status = ThrottleStatus.from_extensions(cost, self._clock())
        with self._lock:
            self._in_flight -= reservation.cost
            requested = (cost or {}).get("requestedQueryCost")
            if isinstance(requested, int | float):
                self._costs[reservation.operation] = float(requested)
            if status is not None:
                self._last = status
                # Shopify's reading has refunded this request's unused points; requests admitted
                # after it may not be in the reading yet, so keep their reservations.
                held = status.currently_available - self._in_flight
                self._model = replace(status, currently_available=held)
                return
            actual = (cost or {}).get("actualQueryCost")
            if self._model is not None and isinstance(actual, int | float):
                refund = reservation.cost - float(actual)
                available = self._model.currently_available + refund
                self._model = replace(self._model, currently_available=available)
