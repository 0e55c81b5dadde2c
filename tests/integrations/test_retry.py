"""The one retry decision, platform-neutral: bounded waits, the budget, and why it gave up."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from integrations.ports import ShopConfigError, ShopError
from integrations.retry import DAEMON, INTERACTIVE, RetryPolicy, policy_for
from tests.integrations.shopify.builders import FakeClock


class WooBusy(ShopError):
    """What a future WooCommerce client would raise: only the neutral attributes are set."""

    retryable = True

    def __init__(self, retry_after: float | None = None) -> None:
        super().__init__("WooCommerce answered 503")
        self.retry_after = retry_after


def failing(errors: list[BaseException]) -> Callable[[], str]:
    """A call that raises ``errors`` one by one, then succeeds."""

    def call() -> str:
        if errors:
            raise errors.pop(0)
        return "done"

    return call


def run(policy: RetryPolicy, errors: list[BaseException], clock: FakeClock) -> str:
    return policy.call(failing(errors), sleep=clock.sleep, clock=clock, rand=lambda: 0.5)


def test_any_platform_error_is_retried_by_its_retryable_and_retry_after() -> None:
    clock = FakeClock()
    assert run(DAEMON, [WooBusy(retry_after=2.0), WooBusy()], clock) == "done"
    assert clock.sleeps == [2.0, DAEMON.base_backoff * 2 + DAEMON.jitter * 0.5]


def test_errors_that_are_not_retryable_are_raised_at_once() -> None:
    clock = FakeClock()
    with pytest.raises(ShopConfigError) as raised:
        run(DAEMON, [ShopConfigError("bad token")], clock)
    assert clock.sleeps == [] and raised.value.gave_up is None


@pytest.mark.parametrize("asked", [61.0, 86_400.0, 10**9])
def test_no_single_wait_is_longer_than_the_cap_whatever_the_shop_asks(asked: float) -> None:
    clock = FakeClock()
    with pytest.raises(WooBusy) as raised:
        run(DAEMON, [WooBusy(retry_after=asked) for _ in range(20)], clock)
    assert clock.sleeps and max(clock.sleeps) == DAEMON.max_single_wait
    assert sum(clock.sleeps) <= DAEMON.max_total_seconds
    message = str(raised.value)
    assert f"the shop asked for {asked:.0f} s" in message
    assert f"at most {DAEMON.max_single_wait:.0f} s at a time" in message


def test_a_wait_that_would_cross_the_budget_is_never_started() -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=100, max_total_seconds=25)
    start = clock.now
    with pytest.raises(WooBusy) as raised:
        run(policy, [WooBusy(retry_after=10.0) for _ in range(20)], clock)
    assert clock.sleeps == [10.0, 10.0]
    assert clock.now - start <= 25
    assert str(raised.value).endswith(
        "gave up after 3 attempts in 20.0 s: waiting 10.0 s more would cross the 25 s retry budget"
    )


def test_time_spent_in_attempts_counts_against_the_budget() -> None:
    """A slow failure (a connect timeout) uses the budget as much as a wait does."""
    clock = FakeClock()
    calls = 0

    def slow_failure() -> str:
        nonlocal calls
        calls += 1
        clock.now += 10.0  # the attempt itself took 10 s
        raise WooBusy(retry_after=1.0)

    with pytest.raises(WooBusy):
        INTERACTIVE.call(slow_failure, sleep=clock.sleep, clock=clock, rand=lambda: 0.0)
    assert calls == 3  # 10 + 1 + 10 + 1 + 10 = 32 s: a third wait would end past 30 s
    assert clock.sleeps == [1.0, 1.0]


def test_interactive_gives_up_within_its_budget_daemon_keeps_backing_off() -> None:
    interactive, daemon = FakeClock(), FakeClock()
    with pytest.raises(WooBusy):
        run(INTERACTIVE, [WooBusy() for _ in range(50)], interactive)
    with pytest.raises(WooBusy):
        run(DAEMON, [WooBusy() for _ in range(50)], daemon)
    assert sum(interactive.sleeps) <= INTERACTIVE.max_total_seconds
    assert sum(daemon.sleeps) > INTERACTIVE.max_total_seconds
    assert policy_for("interactive", 5.0).max_total_seconds == 5.0
    assert policy_for("daemon") is DAEMON


def test_attempts_run_out_before_the_budget_and_the_error_says_so() -> None:
    clock = FakeClock()
    with pytest.raises(WooBusy) as raised:
        run(RetryPolicy(max_attempts=2, jitter=0), [WooBusy(), WooBusy(), WooBusy()], clock)
    assert str(raised.value).endswith("gave up after 2 attempts in 0.5 s")


def test_a_stream_resumes_where_it_broke_with_the_same_bounded_waits() -> None:
    clock = FakeClock()
    items = list(range(10))
    breaks = [3, 7]
    passes: list[int] = []

    def open_pass(skip: int) -> Iterator[int]:
        passes.append(skip)
        for item in items[skip:]:
            if breaks and item == breaks[0]:
                breaks.pop(0)
                raise WooBusy(retry_after=86_400.0)
            yield item

    stream = DAEMON.stream(open_pass, sleep=clock.sleep, clock=clock, rand=lambda: 0.5)
    assert list(stream) == items
    assert passes == [0, 3, 7]
    assert clock.sleeps == [DAEMON.max_single_wait] * 2


def test_a_stream_gives_up_before_crossing_the_budget() -> None:
    clock = FakeClock()

    def open_pass(skip: int) -> Iterator[int]:
        yield skip
        raise WooBusy(retry_after=86_400.0)

    with pytest.raises(WooBusy) as raised:
        list(INTERACTIVE.stream(open_pass, sleep=clock.sleep, clock=clock, rand=lambda: 0.5))
    assert clock.sleeps == []
    assert "30 s retry budget" in str(raised.value)
