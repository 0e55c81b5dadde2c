"""Pure mapping (Shopify JSON -> ports values) and the two discount id families."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from integrations.ports import ShopCode
from integrations.shopify import gid, mapping


def order_node(**overrides: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": "gid://shopify/Order/1",
        "name": "#1001",
        "processedAt": "2026-10-01T12:00:00Z",
        "updatedAt": "2026-10-02T08:30:00Z",
        "cancelledAt": None,
        "test": False,
        "displayFinancialStatus": "PAID",
        "discountCodes": ["SUMMER-AB12CD34"],
        "totalPriceSet": {"shopMoney": {"amount": "89.90", "currencyCode": "EUR"}},
    }
    return node | overrides


@pytest.mark.parametrize(
    ("shopify", "ours"),
    [
        ("ACTIVE", "active"),
        ("SCHEDULED", "scheduled"),
        ("EXPIRED", "expired"),
        ("SOMETHING_NEW", "disabled"),
        (None, "disabled"),
    ],
)
def test_discount_status_maps_to_ports_status(shopify: str | None, ours: str) -> None:
    assert mapping.source_status(shopify) == ours


def test_code_count_reads_precision() -> None:
    assert mapping.code_count({"count": 12, "precision": "EXACT"}) == (12, True)
    assert mapping.code_count({"count": 10000, "precision": "AT_LEAST"}) == (10000, False)
    assert mapping.code_count(None) == (None, False)


def test_code_source_always_uses_the_discount_code_node_family() -> None:
    source = mapping.code_source(
        "gid://shopify/DiscountNode/42",
        {
            "__typename": "DiscountCodeBasic",
            "title": "Summer",
            "status": "ACTIVE",
            "codesCount": {"count": 3, "precision": "EXACT"},
        },
    )
    assert source.platform_id == "gid://shopify/DiscountCodeNode/42"
    assert (source.title, source.status, source.code_count, source.count_exact) == (
        "Summer",
        "active",
        3,
        True,
    )


def test_automatic_discounts_are_not_code_discounts() -> None:
    assert not mapping.is_code_discount({"__typename": "DiscountAutomaticBasic"})
    assert not mapping.is_code_discount(None)
    assert mapping.is_code_discount({"__typename": "DiscountCodeApp"})


def test_order_maps_money_exactly_and_times_to_utc() -> None:
    order = mapping.order_with_codes(order_node())
    assert order.total == Decimal("89.90")
    assert order.currency == "EUR"
    assert order.codes == ("SUMMER-AB12CD34",)
    assert order.processed_at == datetime(2026, 10, 1, 12, tzinfo=UTC)
    assert order.updated_at == datetime(2026, 10, 2, 8, 30, tzinfo=UTC)
    assert order.financial_status == "paid"
    assert not order.cancelled


def test_cancelled_order_is_flagged() -> None:
    assert mapping.order_with_codes(order_node(cancelledAt="2026-10-03T00:00:00Z")).cancelled


def test_write_scope_implies_read_scope() -> None:
    assert mapping.missing_scopes({"write_discounts", "read_orders"}) == frozenset()
    assert mapping.missing_scopes({"read_discounts"}) == {"write_discounts", "read_orders"}


def test_store_info_reports_missing_scopes() -> None:
    info = mapping.shop_info(
        {
            "shop": {
                "name": "Brand",
                "myshopifyDomain": "brand.myshopify.com",
                "currencyCode": "EUR",
            },
            "currentAppInstallation": {"accessScopes": [{"handle": "read_discounts"}]},
        },
        "2026-10",
    )
    assert info.platform == "shopify"
    assert info.missing_scopes == {"write_discounts", "read_orders"}
    assert info.granted_scopes == {"read_discounts"}


def test_creation_outcome_is_the_code_or_its_error_code() -> None:
    created = {
        "code": "A",
        "discountRedeemCode": {"id": "gid://shopify/DiscountRedeemCode/9", "code": "A"},
        "errors": [],
    }
    taken = {
        "code": "B",
        "discountRedeemCode": None,
        "errors": [{"code": "TAKEN", "message": "taken", "field": ["code"]}],
    }
    assert mapping.creation_outcome(created) == ShopCode(
        "A", "gid://shopify/DiscountRedeemCode/9", 0
    )
    assert mapping.creation_outcome(taken) == "TAKEN"
    assert (
        mapping.creation_outcome({"code": "C", "discountRedeemCode": None, "errors": []})
        == "FAILED"
    )


def test_shopify_datetime_requires_timezone() -> None:
    assert mapping.shopify_datetime(datetime(2026, 10, 1, tzinfo=UTC)) == "2026-10-01T00:00:00Z"
    with pytest.raises(ValueError):
        mapping.shopify_datetime(datetime(2026, 10, 1))


@pytest.mark.parametrize(
    "given", ["gid://shopify/DiscountNode/77", "gid://shopify/DiscountCodeNode/77", "77", " 77 "]
)
def test_either_discount_id_family_converts_keeping_the_number(given: str) -> None:
    assert gid.discount_node_gid(given) == "gid://shopify/DiscountNode/77"
    assert gid.discount_code_node_gid(given) == "gid://shopify/DiscountCodeNode/77"


@pytest.mark.parametrize(
    "bad", ["gid://shopify/Order/1", "summer", "gid://shopify/DiscountNode/", ""]
)
def test_other_ids_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        gid.discount_node_gid(bad)
