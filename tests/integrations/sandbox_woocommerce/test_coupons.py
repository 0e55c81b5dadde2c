"""Coupons over HTTP: paging headers, stable order, case, duplicates, trash, batches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.sandbox.woocommerce import (
    CouponCodeTaken,
    ManualClock,
    SandboxWooShop,
    format_coupon_code,
    serve,
)
from tests.integrations.sandbox_woocommerce.conftest import Rest


def _codes(response_json: list[dict[str, object]]) -> list[object]:
    return [c["code"] for c in response_json]


def test_pages_carry_total_and_total_pages(shop: SandboxWooShop, rest: Rest) -> None:
    for i in range(205):
        shop.add_coupon(f"c{i:03d}")
    seen: list[object] = []
    for page in (1, 2, 3, 4):
        response = rest.get("/coupons", params={"per_page": 100, "page": page, "orderby": "id"})
        assert response.status_code == 200
        assert (response.headers["X-WP-Total"], response.headers["X-WP-TotalPages"]) == ("205", "3")
        seen += _codes(response.json())
    assert len(seen) == 205 == len(set(seen))


def test_default_page_is_ten_newest_first(
    shop: SandboxWooShop, clock: ManualClock, rest: Rest
) -> None:
    for i in range(12):
        shop.add_coupon(f"c{i:02d}")
        clock.advance(1)
    response = rest.get("/coupons")
    assert _codes(response.json()) == [f"c{i:02d}" for i in range(11, 1, -1)]
    assert 'rel="next"' in response.headers["Link"]


def test_per_page_over_100_is_refused(rest: Rest) -> None:
    response = rest.get("/coupons", params={"per_page": 101})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rest_invalid_param"
    assert body["data"]["params"]["per_page"] == (
        "per_page must be between 1 (inclusive) and 100 (inclusive)"
    )


def test_ascending_id_order_stays_stable_while_coupons_are_added(
    shop: SandboxWooShop, rest: Rest
) -> None:
    for i in range(30):
        shop.add_coupon(f"old{i}")
    params = {"per_page": 10, "orderby": "id", "order": "asc"}
    first = _codes(rest.get("/coupons", params={**params, "page": 1}).json())
    for i in range(5):
        shop.add_coupon(f"new{i}")
    rest_of_pages = []
    for page in (2, 3, 4):
        rest_of_pages += _codes(rest.get("/coupons", params={**params, "page": page}).json())
    assert first + rest_of_pages == [f"old{i}" for i in range(30)] + [f"new{i}" for i in range(5)]


def test_newest_first_pages_shift_when_coupons_are_added(
    shop: SandboxWooShop, clock: ManualClock, rest: Rest
) -> None:
    # Why a client must order by id: the default order repeats a coupon across pages.
    for i in range(20):
        shop.add_coupon(f"c{i:02d}")
        clock.advance(1)
    first = _codes(rest.get("/coupons", params={"page": 1}).json())
    shop.add_coupon("late")
    second = _codes(rest.get("/coupons", params={"page": 2}).json())
    assert set(first) & set(second) == {"c10"}


def test_search_include_code_and_modified_after(
    shop: SandboxWooShop, clock: ManualClock, rest: Rest
) -> None:
    a = shop.add_coupon("SPRING-1")
    b = shop.add_coupon("spring-2")
    shop.add_coupon("summer-1")
    clock.advance(5)
    shop.update_coupon(b, amount=2)
    assert sorted(_codes(rest.get("/coupons", params={"search": "Spring"}).json())) == [
        "spring-1",
        "spring-2",
    ]
    assert _codes(rest.get("/coupons", params={"include": f"{a}"}).json()) == ["spring-1"]
    assert _codes(rest.get("/coupons", params={"code": "SPRING-2"}).json()) == ["spring-2"]
    after = datetime(2026, 11, 1, 12, 0, 2)  # the ManualClock starts at 12:00:00 UTC
    modified = rest.get("/coupons", params={"modified_after": after.isoformat()})
    assert _codes(modified.json()) == ["spring-2"]


def test_codes_are_lower_cased_on_save(rest: Rest) -> None:
    created = rest.post("/coupons", json={"code": "  Creator-<b>ABC</b>&amp;1 ", "amount": "10"})
    assert created.status_code == 201
    assert created.json()["code"] == "creator-abc&1"
    assert created.headers["Location"].endswith(f"/coupons/{created.json()['id']}")


def test_a_store_that_keeps_case_saves_codes_as_sent() -> None:
    shop = SandboxWooShop(lowercase_codes=False)
    with serve(shop) as woo:
        rest = Rest(woo)
        assert rest.post("/coupons", json={"code": "MiXeD"}).json()["code"] == "MiXeD"
        duplicate = rest.post("/coupons", json={"code": "mixed"})
    assert duplicate.json()["code"] == "woocommerce_rest_coupon_code_already_exists"


def test_format_coupon_code_matches_core() -> None:
    assert format_coupon_code("ÄBC") == "äbc"
    assert format_coupon_code("ABC", lowercase=False) == "ABC"


def test_duplicate_code_in_any_case_is_refused(shop: SandboxWooShop, rest: Rest) -> None:
    shop.add_coupon("taken")
    response = rest.post("/coupons", json={"code": "TAKEN", "amount": "1"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "woocommerce_rest_coupon_code_already_exists",
        "message": "The coupon code already exists",
        "data": {"status": 400},
    }
    assert len(shop.coupons) == 1
    with pytest.raises(CouponCodeTaken):
        shop.add_coupon("Taken")


def test_a_trashed_coupons_code_can_be_used_again(shop: SandboxWooShop, rest: Rest) -> None:
    shop.trash_coupon(shop.add_coupon("reuse"))
    assert rest.post("/coupons", json={"code": "reuse"}).status_code == 201


def test_missing_or_empty_code_is_refused(rest: Rest) -> None:
    assert rest.post("/coupons", json={"amount": "1"}).json()["code"] == (
        "rest_missing_callback_param"
    )
    assert rest.post("/coupons", json={"code": ""}).json()["code"] == (
        "woocommerce_rest_empty_coupon_code"
    )


def test_wrong_field_types_are_refused_before_saving(shop: SandboxWooShop, rest: Rest) -> None:
    response = rest.post(
        "/coupons", json={"code": "x", "usage_limit": "many", "discount_type": "bogus"}
    )
    assert response.status_code == 400
    assert set(response.json()["data"]["params"]) == {"usage_limit", "discount_type"}
    assert shop.coupons == {}


def test_coupon_fields_round_trip(rest: Rest) -> None:
    sent = {
        "code": "full",
        "amount": "12.5",
        "discount_type": "percent",
        "date_expires_gmt": "2027-01-31T23:59:59",
        "usage_limit": 3,
        "usage_limit_per_user": 1,
        "individual_use": True,
        "product_ids": [5, 7],
        "excluded_product_ids": [9],
        "email_restrictions": ["a@example.com"],
        "free_shipping": True,
        "minimum_amount": "20",
        "maximum_amount": "",
        "meta_data": [{"key": "promosync_batch", "value": "b1"}],
    }
    got = rest.get(f"/coupons/{rest.post('/coupons', json=sent).json()['id']}").json()
    assert got["amount"] == "12.50"
    assert got["date_expires_gmt"] == "2027-01-31T23:59:59"
    assert (got["usage_limit"], got["usage_limit_per_user"], got["usage_count"]) == (3, 1, 0)
    assert (got["product_ids"], got["excluded_product_ids"]) == ([5, 7], [9])
    assert (got["minimum_amount"], got["maximum_amount"]) == ("20.00", "0.00")
    assert got["used_by"] == [] and got["status"] == "publish"
    assert got["meta_data"][0]["key"] == "promosync_batch"


def test_update_changes_fields_and_modified_date(
    shop: SandboxWooShop, clock: ManualClock, rest: Rest
) -> None:
    ident = shop.add_coupon("upd")
    clock.advance(60)
    body = rest.put(f"/coupons/{ident}", json={"amount": "3"}).json()
    assert body["amount"] == "3.00"
    assert body["date_modified_gmt"] == "2026-11-01T12:01:00"
    assert rest.put("/coupons/999999", json={"amount": "3"}).status_code == 400


def test_delete_trashes_then_410_and_force_deletes(shop: SandboxWooShop, rest: Rest) -> None:
    ident = shop.add_coupon("bye")
    trashed = rest.delete(f"/coupons/{ident}")
    assert trashed.status_code == 200
    assert trashed.json()["status"] == "publish"  # the answer shows the coupon before deletion
    assert rest.get(f"/coupons/{ident}").json()["status"] == "trash"
    assert _codes(rest.get("/coupons").json()) == []
    assert _codes(rest.get("/coupons", params={"status": "trash"}).json()) == ["bye"]
    again = rest.delete(f"/coupons/{ident}")
    assert (again.status_code, again.json()["code"]) == (410, "woocommerce_rest_already_trashed")
    assert rest.delete(f"/coupons/{ident}", params={"force": "true"}).status_code == 200
    gone = rest.get(f"/coupons/{ident}")
    assert (gone.status_code, gone.json()["code"]) == (
        404,
        "woocommerce_rest_shop_coupon_invalid_id",
    )
    assert shop.coupons == {}


def test_batch_over_the_limit_is_413_and_changes_nothing(rest: Rest, shop: SandboxWooShop) -> None:
    creates = [{"code": f"b{i}"} for i in range(100)]
    response = rest.post("/coupons/batch", json={"create": creates, "delete": [1]})
    assert response.status_code == 413
    assert response.json() == {
        "code": "woocommerce_rest_request_entity_too_large",
        "message": "Unable to accept more than 100 items for this request.",
        "data": {"status": 413},
    }
    assert shop.coupons == {}
    assert rest.post("/coupons/batch", json={"create": creates}).status_code == 200
    assert len(shop.coupons) == 100


def test_batch_reports_duplicates_per_item(shop: SandboxWooShop, rest: Rest) -> None:
    existing = shop.add_coupon("dup")
    victim = shop.add_coupon("victim")
    response = rest.post(
        "/coupons/batch",
        json={
            "create": [{"code": "fresh"}, {"code": "DUP"}, {"code": "fresh"}],
            "update": [{"id": existing, "amount": "7"}, {"id": 424242, "amount": "1"}],
            "delete": [victim],
        },
    )
    assert response.status_code == 200
    created = response.json()["create"]
    assert created[0]["code"] == "fresh"
    assert created[1] == {
        "id": 0,
        "error": {
            "code": "woocommerce_rest_coupon_code_already_exists",
            "message": "The coupon code already exists",
            "data": {"status": 400},
        },
    }
    assert created[2]["error"]["code"] == "woocommerce_rest_coupon_code_already_exists"
    updated = response.json()["update"]
    assert updated[0]["amount"] == "7.00"
    assert updated[1]["error"]["code"] == "woocommerce_rest_shop_coupon_invalid_id"
    assert response.json()["delete"][0]["id"] == victim
    assert victim not in shop.coupons  # batch deletes are forced


def test_dates_follow_the_site_timezone() -> None:
    clock = ManualClock(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    shop = SandboxWooShop(clock=clock, utc_offset_hours=2)
    with serve(shop) as woo:
        body = Rest(woo).get(f"/coupons/{shop.add_coupon('tz')}").json()
    assert (body["date_created"], body["date_created_gmt"]) == (
        "2026-11-01T14:00:00",
        "2026-11-01T12:00:00",
    )
