"""Orders over HTTP: status filter, modified_after, paging, coupon lines, refunds, usage."""

from __future__ import annotations

from datetime import datetime

from integrations.sandbox.woocommerce import ManualClock, SandboxWooShop
from tests.integrations.sandbox_woocommerce.conftest import Rest


def test_order_carries_coupon_lines_currency_and_paid_date(
    shop: SandboxWooShop, rest: Rest
) -> None:
    shop.add_coupon("Creator-1")
    ident = shop.place_order(
        ["CREATOR-1"], "45.00", discount="5.00", currency="EUR", customer_id=12
    )
    body = rest.get(f"/orders/{ident}").json()
    assert (body["status"], body["currency"], body["total"]) == ("processing", "EUR", "45.00")
    assert body["coupon_lines"][0]["code"] == "creator-1"
    assert body["coupon_lines"][0]["discount"] == "5.00"
    assert body["date_paid_gmt"] == "2026-11-01T12:00:00"
    assert (body["customer_id"], body["billing"]["email"]) == (12, "buyer@example.com")
    assert body["refunds"] == []


def test_usage_count_and_used_by_follow_order_status(shop: SandboxWooShop, rest: Rest) -> None:
    coupon = shop.add_coupon("use")
    guest = shop.place_order(["use"], "10", billing_email="g@example.com")
    shop.place_order(["use"], "10", customer_id=7)
    shop.place_order(["use"], "10", status="failed")
    body = rest.get(f"/coupons/{coupon}").json()
    assert (body["usage_count"], body["used_by"]) == (2, ["g@example.com", "7"])
    shop.set_order_status(guest, "cancelled")
    body = rest.get(f"/coupons/{coupon}").json()
    assert (body["usage_count"], body["used_by"]) == (1, ["7"])


def test_refunds_and_failures_keep_usage_but_cancelling_gives_it_back(
    shop: SandboxWooShop, rest: Rest
) -> None:
    coupon = shop.add_coupon("keep")
    order = shop.place_order(["keep"], "10", customer_id=3)
    shop.refund_order(order, "10")
    assert rest.get(f"/coupons/{coupon}").json()["usage_count"] == 1
    shop.set_order_status(order, "failed")
    assert rest.get(f"/coupons/{coupon}").json()["usage_count"] == 1
    shop.set_order_status(order, "cancelled")
    shop.set_order_status(order, "cancelled")
    assert rest.get(f"/coupons/{coupon}").json()["usage_count"] == 0
    shop.set_order_status(order, "processing")  # paid again: counted again, once
    shop.set_order_status(order, "completed")
    assert rest.get(f"/coupons/{coupon}").json()["usage_count"] == 1


def test_status_filter_and_trash_excluded_by_default(shop: SandboxWooShop, rest: Rest) -> None:
    done = shop.place_order([], "1", status="completed")
    shop.place_order([], "1", status="pending")
    shop.place_order([], "1", status="refunded")
    completed = rest.get("/orders", params={"status": "completed"}).json()
    assert [o["id"] for o in completed] == [done]
    two = rest.get("/orders", params={"status": "completed,pending"})
    assert two.headers["X-WP-Total"] == "2"
    assert rest.get("/orders").headers["X-WP-Total"] == "3"
    bad = rest.get("/orders", params={"status": "paid"})
    assert (bad.status_code, bad.json()["code"]) == (400, "rest_invalid_param")


def test_modified_after_is_strict_and_refunds_touch_the_order(
    shop: SandboxWooShop, clock: ManualClock, rest: Rest
) -> None:
    early = shop.place_order([], "30")
    late = shop.place_order([], "20")
    clock.advance(10)
    shop.refund_order(early, "30", "all of it")
    at = datetime(2026, 11, 1, 12, 0, 10).isoformat()
    before = datetime(2026, 11, 1, 12, 0, 9).isoformat()
    assert rest.get("/orders", params={"modified_after": at}).json() == []
    changed = rest.get("/orders", params={"modified_after": before}).json()
    assert [o["id"] for o in changed] == [early]
    assert changed[0]["status"] == "refunded"
    assert changed[0]["refunds"][0]["total"] == "-30.00"
    assert changed[0]["total"] == "30.00"  # the total stays what was paid
    assert late not in [o["id"] for o in changed]


def test_refunds_endpoint_lists_positive_amounts(shop: SandboxWooShop, rest: Rest) -> None:
    order = shop.place_order([], "50")
    first = shop.refund_order(order, "5", "a")
    second = shop.refund_order(order, "7.5", "b")
    response = rest.get(f"/orders/{order}/refunds")
    assert [(r["id"], r["amount"]) for r in response.json()] == [(second, "7.50"), (first, "5.00")]
    assert response.headers["X-WP-Total"] == "2"
    assert rest.get(f"/orders/{order}").json()["status"] == "processing"


def test_order_pages_and_unknown_order(shop: SandboxWooShop, rest: Rest) -> None:
    ids = [shop.place_order([], "1") for _ in range(25)]
    params = {"per_page": 10, "orderby": "id", "order": "asc"}
    pages = [rest.get("/orders", params={**params, "page": p}) for p in (1, 2, 3)]
    assert {p.headers["X-WP-TotalPages"] for p in pages} == {"3"}
    assert [o["id"] for p in pages for o in p.json()] == ids
    missing = rest.get("/orders/1")
    assert (missing.status_code, missing.json()["code"]) == (
        404,
        "woocommerce_rest_shop_order_invalid_id",
    )


def test_orders_and_coupons_share_one_id_sequence(shop: SandboxWooShop) -> None:
    coupon = shop.add_coupon("seq")
    order = shop.place_order(["seq"], "1")
    refund = shop.refund_order(order, "1")
    later = shop.add_coupon("seq2")
    assert coupon < order < refund < later
    assert later - coupon == 3
