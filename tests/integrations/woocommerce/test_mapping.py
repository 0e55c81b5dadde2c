"""Pure mapping of WooCommerce JSON: coupon states, orders (paid statuses, refunds), templates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from integrations.woocommerce import mapping, sources

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def coupon(**fields: Any) -> dict[str, Any]:
    return {"id": 7, "code": "summer-abc", "usage_count": 0, "usage_limit": None, **fields}


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({}, None),
        ({"date_expires_gmt": "2026-12-03T11:59:59"}, "expired"),
        ({"date_expires_gmt": "2026-12-03T12:00:01"}, None),
        ({"usage_limit": 1, "usage_count": 1}, "used up"),
        ({"usage_limit": 2, "usage_count": 1}, None),
        ({"status": "draft"}, "draft"),
        ({"status": "publish"}, None),
    ],
)
def test_a_coupon_is_unusable_when_expired_used_up_or_unpublished(
    fields: dict[str, Any], why: str | None
) -> None:
    assert mapping.shop_code(coupon(**fields), NOW).unusable == why


def order(**fields: Any) -> dict[str, Any]:
    return {
        "id": 501,
        "number": "501",
        "status": "completed",
        "currency": "EUR",
        "total": "80.00",
        "date_created_gmt": "2026-12-01T10:00:00",
        "date_paid_gmt": "2026-12-01T10:05:00",
        "date_modified_gmt": "2026-12-02T09:00:00",
        "coupon_lines": [{"id": 1, "code": "summer-abc", "discount": "20.00"}],
        "refunds": [],
        **fields,
    }


def test_an_order_keeps_its_currency_and_codes_and_its_paid_time() -> None:
    mapped = mapping.order_with_codes(order())
    assert (mapped.currency, mapped.total, mapped.codes) == (
        "EUR",
        Decimal("80.00"),
        ("summer-abc",),
    )
    assert mapped.processed_at == datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
    assert mapped.updated_at == datetime(2026, 12, 2, 9, tzinfo=UTC)
    assert mapped.financial_status == "paid" and not mapped.cancelled


def test_refunds_reduce_the_revenue_of_an_order() -> None:
    refunds = [{"id": 9, "total": "-15.50"}, {"id": 10, "total": "-4.50"}]
    assert mapping.order_with_codes(order(refunds=refunds)).total == Decimal("60.00")


@pytest.mark.parametrize(
    ("status", "financial", "cancelled"),
    [
        ("processing", "paid", False),
        ("completed", "paid", False),
        ("on-hold", "unpaid", False),
        ("pending", "unpaid", False),
        ("refunded", "refunded", False),
        ("cancelled", "unpaid", True),
        ("failed", "unpaid", True),
    ],
)
def test_only_processing_and_completed_orders_are_paid(
    status: str, financial: str, cancelled: bool
) -> None:
    mapped = mapping.order_with_codes(order(status=status))
    assert (mapped.financial_status, mapped.cancelled) == (financial, cancelled)


def test_a_template_copies_settings_but_never_its_code_id_or_usage() -> None:
    template = coupon(
        amount="15",
        discount_type="percent",
        usage_limit=1,
        date_expires_gmt="2027-01-01T00:00:00",
        product_ids=[3],
        email_restrictions=["*@brand.com"],
        usage_count=9,
        used_by=["x@y.z"],
    )
    settings = mapping.template_settings(template)
    assert settings["amount"] == "15" and settings["usage_limit"] == 1
    assert settings["product_ids"] == [3] and settings["email_restrictions"] == ["*@brand.com"]
    assert not {"id", "code", "usage_count", "used_by"} & set(settings)


@pytest.mark.parametrize(
    "source",
    [
        sources.WooSource(prefix="Summer-"),
        sources.WooSource(prefix="a:b@c", template_id=40),
        sources.WooSource(ids=(12, 13), template_id=None),
    ],
)
def test_a_source_survives_its_platform_id(source: sources.WooSource) -> None:
    assert sources.parse(source.platform_id) == source


@pytest.mark.parametrize("other", ["gid://shopify/DiscountCodeNode/1", "woo-ids:", "woo-ids:x"])
def test_other_platform_ids_are_not_woocommerce_sources(other: str) -> None:
    assert sources.parse(other) is None


def test_a_prefix_matches_codes_in_any_case() -> None:
    source = sources.WooSource(prefix="SUMMER-")
    assert source.matches("summer-abc") and source.matches("Summer-X")
    assert not source.matches("xsummer-abc")
