"""Cost pacing: bucket arithmetic and a long run against a simulated leaky bucket."""

from __future__ import annotations

import threading

import httpx
import pytest
import respx

from integrations.shopify.pacing import CostPacer, ThrottleStatus
from integrations.shopify.queries import REDEEM_CODES_PAGE
from tests.integrations.shopify.builders import ENDPOINT, FakeClock, cost, ok, throttled
from tests.integrations.shopify.conftest import MakeClient


def status_at(available: float, t: float = 0.0) -> ThrottleStatus:
    return ThrottleStatus(
        maximum_available=1000, currently_available=available, restore_rate=50, observed_at=t
    )


def test_bucket_refills_at_restore_rate_up_to_its_maximum() -> None:
    reading = status_at(100, t=10)
    assert reading.available_at(10) == 100
    assert reading.available_at(12) == 200
    assert reading.available_at(100) == 1000


def test_wait_is_missing_points_over_restore_rate() -> None:
    assert status_at(100, t=0).seconds_until(352, now=0) == pytest.approx(5.04)
    assert status_at(100, t=0).seconds_until(352, now=2) == pytest.approx(3.04)
    assert status_at(500, t=0).seconds_until(352, now=0) == 0


def test_cost_above_bucket_size_waits_for_a_full_bucket() -> None:
    assert status_at(0).seconds_until(5000, now=0) == pytest.approx(20.0)


def test_reading_without_throttle_status_is_ignored() -> None:
    assert ThrottleStatus.from_extensions({"requestedQueryCost": 3}, now=0) is None


def test_pacer_waits_for_the_last_requested_cost_of_that_operation() -> None:
    clock = FakeClock(now=0)
    pacer = CostPacer(clock, clock.sleep, default_cost=100, safety_margin=0)
    first = pacer.admit("Page")
    assert first.waited == 0  # nothing observed yet
    pacer.settle(first, cost(requested=300, actual=300, available=50, rate=50))
    assert pacer.expected_cost("Page") == 300
    assert pacer.expected_cost("Other") == 100
    assert pacer.admit("Page").waited == pytest.approx(5.0)
    assert clock.sleeps == [pytest.approx(5.0)]


def test_admitted_cost_is_reserved_so_the_next_request_waits_for_it() -> None:
    clock = FakeClock(now=0)
    pacer = CostPacer(clock, clock.sleep, default_cost=100, safety_margin=0)
    pacer.settle(pacer.admit("Page"), cost(requested=100, actual=100, available=150, rate=50))
    assert pacer.admit("Page").waited == 0  # 150 - 100 = 50 left
    assert pacer.admit("Page").waited == pytest.approx(1.0)  # 50 more points at 50/s


def test_unused_points_are_refunded_from_actual_query_cost() -> None:
    clock = FakeClock(now=0)
    pacer = CostPacer(clock, clock.sleep, default_cost=100, safety_margin=0)
    pacer.settle(pacer.admit("Page"), cost(requested=100, actual=100, available=100, rate=50))
    cheap = pacer.admit("Page")  # reserves 100 of 100
    pacer.settle(cheap, {"requestedQueryCost": 100, "actualQueryCost": 10})  # no bucket reading
    assert pacer.admit("Page").waited == pytest.approx(0.2)  # 90 refunded: 10 points short


def test_concurrent_requests_each_reserve_their_cost() -> None:
    """Four threads × 252 points against 300 available: only one may go at once."""
    threads, page_cost, available, rate, margin = 4, 252.0, 300.0, 50.0, 1.0
    now = 0.0
    sleeps: list[float] = []
    pacer = CostPacer(lambda: now, sleeps.append, default_cost=page_cost, safety_margin=margin)
    pacer.settle(
        pacer.admit("Page"),
        cost(requested=page_cost, actual=page_cost, available=available, rate=rate),
    )
    start = threading.Barrier(threads)
    waits: list[float] = []

    def request() -> None:
        start.wait()
        waits.append(pacer.admit("Page").waited)

    workers = [threading.Thread(target=request) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    waits.sort()
    assert waits.count(0.0) == 1
    for sent_before, wait in enumerate(waits, start=1):
        # When the n-th request goes, the bucket has refilled enough for all n of them.
        assert available + wait * rate >= sent_before * page_cost + margin - 1e-9


def test_given_a_long_sync_when_paced_then_never_throttled_and_runs_near_restore_rate(
    respx_mock: respx.MockRouter, make_client: MakeClient, clock: FakeClock
) -> None:
    """A fake Shopify with a 1000-point bucket refilling at 50/s serves 40 pages of cost 252."""
    maximum, rate, page_cost, pages = 1000.0, 50.0, 252.0, 40
    bucket = {"available": maximum, "at": clock.now}

    def shopify(request: httpx.Request) -> httpx.Response:
        elapsed = clock.now - bucket["at"]
        available = min(maximum, bucket["available"] + elapsed * rate)
        bucket["at"] = clock.now
        if available < page_cost:
            bucket["available"] = available
            return throttled(requested=page_cost, available=available, rate=rate)
        bucket["available"] = available - page_cost
        return ok(
            {},
            requested=page_cost,
            actual=page_cost,
            available=available - page_cost,
            maximum=maximum,
            rate=rate,
        )

    respx_mock.post(ENDPOINT).mock(side_effect=shopify)
    client = make_client()
    start = clock.now
    for _ in range(pages):
        client.run(REDEEM_CODES_PAGE, id="gid://shopify/DiscountNode/1", first=250)
    elapsed = clock.now - start
    ideal = (pages * page_cost - maximum) / rate
    assert client.stats.throttled == 0
    assert elapsed == pytest.approx(ideal, rel=0.02)
