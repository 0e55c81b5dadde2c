"""Retrying calls to a merchant's shop: the one place that decides whether and when to try again.

Platform-neutral: the decision reads only :attr:`integrations.ports.ShopError.retryable`
and :attr:`~integrations.ports.ShopError.retry_after`, which each platform package
sets when it builds an error, so a WooCommerce client reuses it unchanged.

A frozen :class:`RetryPolicy` is configuration: how many attempts, the time
budget, the backoff, and the cap on any single wait. :meth:`RetryPolicy.decide`
is the decision; :meth:`RetryPolicy.call` (on tenacity) and
:meth:`RetryPolicy.stream` (a resumable download) apply it. Sleep, clock and
jitter are injected, so tests run without sleeping and with exact waits.

Bounded waits: a wait is ``retry_after`` when the shop sent one, else
exponential backoff plus jitter; either way at most ``max_single_wait`` (60 s,
as stripe-python caps Retry-After). A wait that would end past the budget
(``max_total_seconds`` from the first attempt, on the injected clock) is never
started: the last error is raised with :attr:`ShopError.gave_up` saying why.

Two profiles, chosen by the caller: :data:`INTERACTIVE` (a person is waiting;
30 s) and :data:`DAEMON` (background work; the longer backoff).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

import tenacity

from integrations.ports import ShopError

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], None]
Clock = Callable[[], float]
Random = Callable[[], float]  # uniform in [0, 1)
Profile = Literal["interactive", "daemon"]

DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_MAX_TOTAL_SECONDS = 300.0
DEFAULT_BASE_BACKOFF_SECONDS = 0.5
DEFAULT_MAX_BACKOFF_SECONDS = 30.0
DEFAULT_JITTER_SECONDS = 0.5
#: No single wait is longer than this, whatever Retry-After says (stripe-python's cap).
DEFAULT_MAX_SINGLE_WAIT_SECONDS = 60.0
#: An interactive command gives up on a failing shop within this many seconds.
INTERACTIVE_BUDGET_SECONDS = 30.0
#: Interactive backoff stops growing here, so the budget holds several attempts.
INTERACTIVE_MAX_BACKOFF_SECONDS = 10.0


def is_retryable(error: BaseException) -> bool:
    """True for a shop error that says trying again may succeed."""
    return isinstance(error, ShopError) and error.retryable


@dataclass(frozen=True)
class RetryPolicy:
    """How calls to a shop are retried. Immutable; share one instance freely."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_total_seconds: float = DEFAULT_MAX_TOTAL_SECONDS  # from the first attempt, injected clock
    base_backoff: float = DEFAULT_BASE_BACKOFF_SECONDS
    max_backoff: float = DEFAULT_MAX_BACKOFF_SECONDS
    jitter: float = DEFAULT_JITTER_SECONDS  # up to this many seconds added to backoff waits
    max_single_wait: float = DEFAULT_MAX_SINGLE_WAIT_SECONDS

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        durations = (self.max_total_seconds, self.base_backoff, self.max_backoff, self.jitter)
        if min(*durations, self.max_single_wait) < 0:
            raise ValueError("retry durations must not be negative")

    def with_budget(self, seconds: float) -> RetryPolicy:
        """The same policy with another time budget."""
        return replace(self, max_total_seconds=seconds)

    def wait_for(self, error: BaseException, attempt: int, rand: Random) -> float:
        """Seconds to wait after ``attempt`` (1-based) failed with ``error``; capped."""
        retry_after = error.retry_after if isinstance(error, ShopError) else None
        if retry_after is not None:
            wanted = retry_after
        else:
            wanted = min(self.max_backoff, self.base_backoff * 2.0 ** (attempt - 1))
            wanted += self.jitter * rand()
        return min(wanted, self.max_single_wait)

    def decide(
        self, error: BaseException, attempt: int, elapsed: float, rand: Random
    ) -> float | None:
        """The one decision: seconds to wait before trying again, or None to give up.

        ``attempt`` attempts have been made, ``elapsed`` seconds after the first
        began. When a retryable error is not retried, its ``gave_up`` says why.
        """
        if not isinstance(error, ShopError) or not error.retryable:
            return None
        spent = f"gave up after {_attempts(attempt)} in {elapsed:.1f} s"
        if attempt >= self.max_attempts:
            error.gave_up = spent
            return None
        wait = self.wait_for(error, attempt, rand)
        if elapsed + wait > self.max_total_seconds:
            asked = error.retry_after
            capped = (
                f" (the shop asked for {asked:.0f} s; promosync waits at most "
                f"{self.max_single_wait:.0f} s at a time)"
                if asked is not None and asked > self.max_single_wait
                else ""
            )
            error.gave_up = (
                f"{spent}: waiting {wait:.1f} s more would cross the "
                f"{self.max_total_seconds:.0f} s retry budget{capped}"
            )
            return None
        return wait

    def call(self, fn: Callable[[], T], *, sleep: Sleep, clock: Clock, rand: Random) -> T:
        """``fn()``, retried per this policy on tenacity; raises the last error on giving up."""
        started = clock()
        planned: dict[int, float | None] = {}  # attempt -> decision, so stop and wait agree

        def plan(state: tenacity.RetryCallState) -> float | None:
            attempt = state.attempt_number
            if attempt not in planned:
                error = state.outcome.exception() if state.outcome else None
                assert error is not None  # tenacity asks only after a failed attempt
                planned[attempt] = self.decide(error, attempt, clock() - started, rand)
            return planned[attempt]

        def log_retry(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            wait_s = state.next_action.sleep if state.next_action else 0.0
            _log_retry(wait_s, state.attempt_number, error)

        retrying = tenacity.Retrying(
            stop=lambda state: plan(state) is None,
            wait=lambda state: plan(state) or 0.0,
            retry=tenacity.retry_if_exception(is_retryable),
            sleep=sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        return retrying(fn)

    def stream(
        self,
        open_pass: Callable[[int], Iterator[T]],
        *,
        sleep: Sleep,
        clock: Clock,
        rand: Random,
    ) -> Iterator[T]:
        """Items of a download that can resume: ``open_pass(n)`` skips the first ``n`` items.

        A retryable failure mid-stream re-opens the download after the wait
        :meth:`decide` gives, counting attempts and time over the whole stream.
        (Not on tenacity: a generator cannot yield from inside tenacity's attempt.)
        """
        started = clock()
        delivered = attempt = 0
        while True:
            attempt += 1
            try:
                for item in open_pass(delivered):
                    delivered += 1
                    yield item
                return
            except ShopError as error:
                wait = self.decide(error, attempt, clock() - started, rand)
                if wait is None:
                    raise
                _log_retry(wait, attempt, error)
                sleep(wait)


def _attempts(n: int) -> str:
    return f"{n} attempt" if n == 1 else f"{n} attempts"


def _log_retry(wait: float, attempt: int, error: BaseException | None) -> None:
    # A shop error names shop/operation/status/URL and never credentials: safe to log.
    what = error.summary if isinstance(error, ShopError) else type(error).__name__
    log.info("retrying in %.1f s after attempt %d: %s", wait, attempt, what)


#: Background work (the daemon): ten attempts over up to five minutes.
DAEMON = RetryPolicy()
#: A person is waiting for the answer: give up within 30 s.
INTERACTIVE = RetryPolicy(
    max_total_seconds=INTERACTIVE_BUDGET_SECONDS, max_backoff=INTERACTIVE_MAX_BACKOFF_SECONDS
)
PROFILES: dict[Profile, RetryPolicy] = {"interactive": INTERACTIVE, "daemon": DAEMON}
#: Retries off: one attempt.
NO_RETRY = RetryPolicy(max_attempts=1)


def policy_for(profile: Profile, budget_seconds: float | None = None) -> RetryPolicy:
    """The policy of a profile, with the configured budget when one is given."""
    policy = PROFILES[profile]
    return policy if budget_seconds is None else policy.with_budget(budget_seconds)
