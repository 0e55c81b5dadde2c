"""Cost pacing: bucket arithmetic and a long run against a simulated leaky bucket."""

from __future__ import annotations

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
    assert pacer.before_request("Page") == 0  # nothing observed yet
    pacer.observe("Page", cost(requested=300, available=50, rate=50))
    assert pacer.expected_cost("Page") == 300
    assert pacer.expected_cost("Other") == 100
    assert pacer.before_request("Page") == pytest.approx(5.0)
    assert clock.sleeps == [pytest.approx(5.0)]
    assert pacer.before_request("Other") == 0  # 300 points now available


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
