"""Retry policy for Shopify calls: configuration, not code paths.

A frozen :class:`RetryPolicy` says how often and how long to retry and which
exception classes count as transient; :meth:`RetryPolicy.retrying` turns it
into a :class:`tenacity.Retrying` with the sleep and the jitter source injected,
so tests run without sleeping and with deterministic waits.

Waits: an error that carries ``retry_after`` (THROTTLED, 429, 503 with
Retry-After) waits exactly that long; everything else backs off exponentially
(``base * 2**(attempt-1)``, capped) plus uniform jitter. Configuration errors
(401, 403, ACCESS_DENIED) are not in ``transient`` and so are never retried.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

import tenacity

from integrations.shopify.errors import TransientError

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_MAX_TOTAL_SECONDS = 300.0
DEFAULT_BASE_BACKOFF_SECONDS = 0.5
DEFAULT_MAX_BACKOFF_SECONDS = 30.0
DEFAULT_JITTER_SECONDS = 0.5

Sleep = Callable[[float], None]
Random = Callable[[], float]  # uniform in [0, 1)


@dataclass(frozen=True)
class RetryPolicy:
    """How a Shopify call is retried. Immutable; share one instance freely."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_total_seconds: float = DEFAULT_MAX_TOTAL_SECONDS  # summed waits, not wall time
    base_backoff: float = DEFAULT_BASE_BACKOFF_SECONDS
    max_backoff: float = DEFAULT_MAX_BACKOFF_SECONDS
    jitter: float = DEFAULT_JITTER_SECONDS  # up to this many seconds added to backoff waits
    transient: tuple[type[BaseException], ...] = (TransientError,)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.max_total_seconds, self.base_backoff, self.max_backoff, self.jitter) < 0:
            raise ValueError("retry durations must not be negative")

    def gives_up(self, attempts: int, waited: float) -> bool:
        """True when ``attempts`` tries with ``waited`` seconds of waits exhaust the policy."""
        # Summed waits rather than wall time, so a fake sleep keeps this deterministic.
        return attempts >= self.max_attempts or waited >= self.max_total_seconds

    def wait_for(self, error: BaseException | None, attempt: int, rand: Random) -> float:
        """Seconds to wait after ``attempt`` (1-based) failed with ``error``."""
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float):
            return float(retry_after)
        backoff = min(self.max_backoff, self.base_backoff * 2.0 ** (attempt - 1))
        return backoff + self.jitter * rand()

    def retrying(self, sleep: Sleep, rand: Random = random.random) -> tenacity.Retrying:
        """A tenacity controller applying this policy with the given sleep and jitter."""

        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.wait_for(error, state.attempt_number, rand)

        def stop(state: tenacity.RetryCallState) -> bool:
            return self.gives_up(state.attempt_number, state.idle_for)

        def log_retry(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait_s = state.next_action.sleep if state.next_action else 0.0
            # str(error) is built from shop/operation/status only: safe to log.
            log.warning(
                "retrying in %.2fs after attempt %d: %s", wait_s, state.attempt_number, error
            )

        return tenacity.Retrying(
            stop=stop,
            wait=wait,
            retry=tenacity.retry_if_exception_type(self.transient),
            sleep=sleep,
            before_sleep=log_retry,
            reraise=True,
        )


#: Retries off: one attempt. Useful in tests and for interactive checks.
NO_RETRY = RetryPolicy(max_attempts=1)
