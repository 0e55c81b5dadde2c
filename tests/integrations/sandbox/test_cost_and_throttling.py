"""Requested/actual cost numbers, the leaky bucket, THROTTLED and MAX_COST_EXCEEDED."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.sandbox.shopify import (
    BucketConfig,
    ManualClock,
    SandboxServer,
    SandboxShop,
    serve,
)
from tests.integrations.sandbox import documents as docs
from tests.integrations.sandbox.conftest import Gql, discount_gid


def test_codes_page_cost_is_requested_up_front_and_actual_from_returned_nodes(
    gql: Gql, shop: SandboxShop
) -> None:
    number = shop.create_code_discount("S", codes=["A", "B", "C"])
    body = gql(docs.REDEEM_CODES_PAGE, {"id": discount_gid(number), "first": 250})
    cost = body["extensions"]["cost"]
    # discountNode 1 + discount 1 + codesCount 1 + codes (2 + 250 x (code 1 + createdBy 1))
    assert cost["requestedQueryCost"] == 505
    # 3 codes came back, none created by an app: 1 + 1 + 1 + 2 + 3 x 1
    assert cost["actualQueryCost"] == 8
    assert cost["throttleStatus"] == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 1992.0,
        "restoreRate": 100.0,
    }


def test_shop_check_costs_objects_only(gql: Gql) -> None:
    cost = gql(docs.SHOP_CHECK)["extensions"]["cost"]
    # shop 1 + currentAppInstallation 1 + accessScopes (a plain list, costed as one object) 1
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (3, 3)


def test_mutation_costs_ten(gql: Gql, shop: SandboxShop) -> None:
    number = shop.create_code_discount("S")
    body = gql(
        docs.ADD_REDEEM_CODES,
        {"discountId": f"gid://shopify/DiscountCodeNode/{number}", "codes": [{"code": "X"}]},
    )
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10


def test_nested_connections_multiply_by_the_parent_page_size(gql: Gql) -> None:
    body = gql(docs.ORDERS_BY_DISCOUNT_CODE, {"q": ""})
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    # 2 + 100 x (order 1 + 4 money bags (3 + 2 + 2 + 2) + discountApplications (2 + 10 x 1))
    assert body["extensions"]["cost"]["requestedQueryCost"] == 2202
    assert body["extensions"]["cost"]["actualQueryCost"] is None


def test_max_cost_exceeded_takes_nothing_from_the_bucket(gql: Gql) -> None:
    body = gql(docs.ORDERS_BY_DISCOUNT_CODE, {"q": ""})
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2000.0


@pytest.fixture
def small_bucket_sandbox(clock: ManualClock) -> Iterator[SandboxServer]:
    shop = SandboxShop(
        clock=clock, bucket=BucketConfig(maximum_available=1000.0, restore_rate=50.0)
    )
    shop.create_code_discount("S", codes=[f"C{i}" for i in range(300)])
    with shop, serve(shop) as running:
        yield running


def test_given_empty_bucket_when_querying_then_throttled_until_restored(
    small_bucket_sandbox: SandboxServer, clock: ManualClock
) -> None:
    gql = Gql(small_bucket_sandbox)
    number = next(iter(small_bucket_sandbox.shop.discounts))
    variables = {"id": discount_gid(number), "first": 250}
    first = gql(docs.REDEEM_CODES_PAGE, variables)["extensions"]["cost"]
    # Reserved 505, refunded 505 - 255 (250 codes at 1 each, no createdBy).
    assert first["actualQueryCost"] == 255
    assert first["throttleStatus"]["currentlyAvailable"] == 745.0
    second = gql(docs.REDEEM_CODES_PAGE, variables)["extensions"]["cost"]
    assert second["throttleStatus"]["currentlyAvailable"] == 490.0

    throttled = gql(docs.REDEEM_CODES_PAGE, variables)
    assert "data" not in throttled
    assert throttled["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    assert throttled["extensions"]["cost"]["requestedQueryCost"] == 505
    assert throttled["extensions"]["cost"]["actualQueryCost"] is None
    assert throttled["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 490.0

    clock.advance(0.2)  # 10 points back: still short of 505
    assert "data" not in gql(docs.REDEEM_CODES_PAGE, variables)
    clock.advance(0.1)  # (505 - 490) / 50 = 0.3 s in all
    recovered = gql(docs.REDEEM_CODES_PAGE, variables)
    assert recovered["data"]["discountNode"] is not None
    assert small_bucket_sandbox.stats.snapshot()["throttled"] == 2
    gql.http.close()


def test_bucket_never_exceeds_its_maximum(gql: Gql, clock: ManualClock) -> None:
    gql(docs.SHOP_CHECK)
    clock.advance(3600)
    status = gql(docs.SHOP_CHECK)["extensions"]["cost"]["throttleStatus"]
    assert status["currentlyAvailable"] == 2000.0 - 3


def test_throttling_can_be_switched_off(clock: ManualClock) -> None:
    shop = SandboxShop(clock=clock, bucket=BucketConfig(maximum_available=100.0, enabled=False))
    number = shop.create_code_discount("S", codes=["A"])
    with shop, serve(shop) as running:
        gql = Gql(running)
        for _ in range(5):
            body = gql(docs.REDEEM_CODES_PAGE, {"id": discount_gid(number), "first": 250})
            assert body["data"]["discountNode"] is not None
        gql.http.close()
