"""orders(query:) filters, sorting and the order fields the revenue sync reads."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from integrations.sandbox.shopify import ManualClock, SandboxShop
from tests.integrations.sandbox import documents as docs
from tests.integrations.sandbox.conftest import Gql


def _names(gql: Gql, query: str) -> list[str]:
    nodes: list[dict[str, Any]] = gql(docs.ORDERS_PAGE_OF_40, {"q": query})["data"]["orders"][
        "nodes"
    ]
    return [n["name"] for n in nodes]


def _seed(shop: SandboxShop, clock: ManualClock) -> None:
    shop.create_code_discount("S", codes=["ALPHA", "BETA", "GAMMA"])
    start = clock()
    shop.place_order(["alpha"], Decimal("10.00"), processed_at=start)  # #1001
    shop.place_order(
        ["BETA", "ALPHA"], Decimal("20.00"), processed_at=start + timedelta(days=1)
    )  # #1002
    clock.advance(3600)
    shop.place_order(
        ["ALPHA"], Decimal("30.00"), processed_at=start + timedelta(days=2), test=True
    )  # #1003
    shop.place_order(
        ["GAMMA"],
        Decimal("40.00"),
        processed_at=start + timedelta(days=3),
        financial_status="PENDING",
    )


def test_discount_code_filter_matches_first_code_only_case_insensitively(
    gql: Gql, shop: SandboxShop, clock: ManualClock
) -> None:
    _seed(shop, clock)
    assert _names(gql, "discount_code:Alpha") == ["#1001", "#1003"]
    assert _names(gql, "discount_code:beta") == ["#1002"]


def test_filters_combine_with_and(gql: Gql, shop: SandboxShop, clock: ManualClock) -> None:
    _seed(shop, clock)
    assert _names(gql, "discount_code:ALPHA test:false") == ["#1001"]
    assert _names(gql, "financial_status:paid test:false") == ["#1001", "#1002"]
    assert _names(gql, "financial_status:paid AND test:true") == ["#1003"]


def test_date_filters(gql: Gql, shop: SandboxShop, clock: ManualClock) -> None:
    start = clock()
    _seed(shop, clock)
    after_first_day = (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _names(gql, f"processed_at:>={after_first_day}") == ["#1002", "#1003", "#1004"]
    assert _names(gql, f"processed_at:>'{after_first_day}'") == ["#1003", "#1004"]
    updated_after = (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _names(gql, f"updated_at:>'{updated_after}'") == ["#1003", "#1004"]


def test_cancelled_order_shows_cancelled_at_and_moves_updated_at(
    gql: Gql, shop: SandboxShop, clock: ManualClock
) -> None:
    _seed(shop, clock)
    clock.advance(60)
    cutoff = clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    first = next(iter(shop.orders))
    clock.advance(60)
    shop.cancel_order(first)
    nodes = gql(docs.ORDERS_PAGE_OF_40, {"q": f"updated_at:>'{cutoff}'"})["data"]["orders"]["nodes"]
    assert [(n["name"], n["cancelledAt"] is not None) for n in nodes] == [("#1001", True)]


def test_order_fields_as_the_client_reads_them(gql: Gql, shop: SandboxShop) -> None:
    shop.create_code_discount("S", codes=["ONE", "TWO"])
    order_id = shop.place_order(
        ["two", "one"], Decimal("45.50"), total_discounts=Decimal("4.50"), currency="EUR"
    )
    (node,) = gql(docs.ORDERS_PAGE_OF_40, {"q": ""})["data"]["orders"]["nodes"]
    assert node["id"] == f"gid://shopify/Order/{order_id}"
    assert node["discountCode"] == "TWO"
    assert node["discountCodes"] == ["TWO", "ONE"]
    assert node["displayFinancialStatus"] == "PAID"
    assert node["test"] is False
    assert node["totalPriceSet"] == {
        "shopMoney": {"amount": "45.50", "currencyCode": "USD"},
        "presentmentMoney": {"amount": "45.50", "currencyCode": "EUR"},
    }
    assert node["subtotalPriceSet"] == {"shopMoney": {"amount": "50.00", "currencyCode": "USD"}}
    assert node["totalDiscountsSet"] == {"shopMoney": {"amount": "4.50", "currencyCode": "USD"}}
    assert node["discountApplications"]["nodes"] == [
        {"__typename": "DiscountCodeApplication", "code": "TWO"},
        {"__typename": "DiscountCodeApplication", "code": "ONE"},
    ]


def test_orders_page_in_processed_order_with_cursors(
    gql: Gql, shop: SandboxShop, clock: ManualClock
) -> None:
    shop.create_code_discount("S", codes=["C"])
    start = clock()
    for day in (3, 1, 2):
        shop.place_order(["C"], Decimal("1"), processed_at=start + timedelta(days=day))
    query = """query P($after: String) { orders(first: 2, after: $after, sortKey: PROCESSED_AT) {
      pageInfo { hasNextPage endCursor } nodes { name } } }"""
    page = gql(query)["data"]["orders"]
    assert [n["name"] for n in page["nodes"]] == ["#1002", "#1003"]
    rest = gql(query, {"after": page["pageInfo"]["endCursor"]})["data"]["orders"]
    assert [n["name"] for n in rest["nodes"]] == ["#1001"]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_usage_counts_follow_orders(shop: SandboxShop) -> None:
    number = shop.create_code_discount("S", codes=["A", "B"])
    shop.place_order(["a"], Decimal("1"))
    shop.place_order(["A", "b"], Decimal("2"))
    assert (shop.code_usage("A"), shop.code_usage("b")) == (2, 1)
    assert shop.discounts[number].usage == 3
