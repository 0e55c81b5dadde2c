"""Seeded fault injection and request statistics, shared by every local shop.

A :class:`FaultPlan` decides, per request and before anything in the
shop changes, whether the request fails and how. Because the decision comes
first, a retried mutation is never applied twice by an injected fault. The
one exception is the separately configured ``drop_after_commit_rate``: the
mutation is applied, then the connection is dropped, as when a response is
lost on the way back; a client must survive that too.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

DEFAULT_RETRY_AFTER_SECONDS = 2.0
DEFAULT_SLOW_SECONDS = 5.0


class Fault(StrEnum):
    """The kinds of failure the sandbox can inject."""

    HTTP_429 = "http_429"  # Too Many Requests with Retry-After
    HTTP_500 = "http_500"
    HTTP_502 = "http_502"
    HTTP_503 = "http_503"
    # Shopify only: HTTP 200, errors[].extensions.code INTERNAL_SERVER_ERROR
    GRAPHQL_INTERNAL = "graphql_internal"
    DROP = "drop"  # close the socket without a response, nothing applied
    SLOW = "slow"  # wait before answering normally
    DROP_AFTER_COMMIT = "drop_after_commit"  # mutation applied, response lost


# Rolled in this order, so a given seed always yields the same sequence.
ROLL_ORDER = (
    Fault.HTTP_429,
    Fault.HTTP_500,
    Fault.HTTP_502,
    Fault.HTTP_503,
    Fault.GRAPHQL_INTERNAL,
    Fault.DROP,
    Fault.SLOW,
)
# What a REST shop (WooCommerce) can suffer: no GraphQL-level errors.
REST_KINDS = tuple(kind for kind in ROLL_ORDER if kind is not Fault.GRAPHQL_INTERNAL)
HTTP_STATUS = {Fault.HTTP_429: 429, Fault.HTTP_500: 500, Fault.HTTP_502: 502, Fault.HTTP_503: 503}


@dataclass(frozen=True)
class FaultConfig:
    """How often each fault happens (0..1 per request), seeded for reproducibility.

    Args:
        seed: seed of the ``random.Random`` that draws the faults.
        rates: probability per request of each kind in :data:`ROLL_ORDER`;
            at most one of them happens to a request.
        drop_after_commit_rate: probability that a *mutation* is applied and
            its response then dropped; off by default.
        operations: only requests with these operation names get faults
            (None: every request).
        retry_after_seconds: the ``Retry-After`` header of injected 429s.
        slow_seconds: how long a slow response waits.
    """

    seed: int = 0
    rates: Mapping[Fault, float] = field(default_factory=dict)
    drop_after_commit_rate: float = 0.0
    operations: frozenset[str] | None = None
    retry_after_seconds: float = DEFAULT_RETRY_AFTER_SECONDS
    slow_seconds: float = DEFAULT_SLOW_SECONDS


class FaultPlan:
    """Draws faults from a seeded generator; thread-safe.

    ``kinds`` are the faults this shop can suffer (in roll order); a config
    asking for another kind is refused rather than silently ignored.
    """

    def __init__(
        self, config: FaultConfig | None = None, kinds: tuple[Fault, ...] = ROLL_ORDER
    ) -> None:
        self.config = config or FaultConfig()
        unsupported = sorted(k.value for k in self.config.rates if k not in kinds)
        if unsupported:
            raise ValueError(f"this sandbox cannot inject {', '.join(unsupported)}")
        self.kinds = kinds
        self._random = random.Random(self.config.seed)
        self._lock = threading.Lock()

    def _applies(self, operation: str | None) -> bool:
        wanted = self.config.operations
        return wanted is None or operation in wanted

    def before(self, operation: str | None) -> Fault | None:
        """The fault to inject before handling this request, if any."""
        if not self._applies(operation) or not self.config.rates:
            return None
        with self._lock:
            draw = self._random.random()
        threshold = 0.0
        for kind in self.kinds:
            threshold += self.config.rates.get(kind, 0.0)
            if draw < threshold:
                return kind
        return None

    def after_commit(self, operation: str | None, is_mutation: bool) -> bool:
        """Whether to drop the response of a mutation that was applied."""
        rate = self.config.drop_after_commit_rate
        if not is_mutation or rate <= 0.0 or not self._applies(operation):
            return False
        with self._lock:
            return self._random.random() < rate


@dataclass(frozen=True)
class RequestRecord:
    """What happened to one request, as passed to a stats listener."""

    path: str
    operation: str | None
    status: int  # HTTP status; 0 when the connection was dropped
    fault: Fault | None
    throttled: bool = False
    requested_cost: int | None = None
    actual_cost: int | None = None


Listener = Callable[[RequestRecord], None]


class SandboxStats:
    """Counts requests by operation name and by fault kind; optional listener.

    ``listener`` (if given) is called once per request with its
    :class:`RequestRecord`, from the server's request thread.
    """

    def __init__(self, listener: Listener | None = None) -> None:
        self.listener = listener
        self._lock = threading.Lock()
        self.by_operation: Counter[str] = Counter()
        self.by_fault: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        self.throttled = 0
        self.requests = 0

    def record(self, record: RequestRecord) -> None:
        """Count one finished request."""
        with self._lock:
            self.requests += 1
            self.by_operation[record.operation or "<anonymous>"] += 1
            self.by_status[record.status] += 1
            if record.fault is not None:
                self.by_fault[record.fault.value] += 1
            if record.throttled:
                self.throttled += 1
        if self.listener is not None:
            self.listener(record)

    def snapshot(self) -> dict[str, object]:
        """A copy of the counters, safe to keep."""
        with self._lock:
            return {
                "requests": self.requests,
                "throttled": self.throttled,
                "by_operation": dict(self.by_operation),
                "by_fault": dict(self.by_fault),
                "by_status": dict(self.by_status),
            }
