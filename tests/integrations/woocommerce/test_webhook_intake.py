"""The WooCommerce intake's pure parts: site identity, signature with rotation, keys, events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from integrations.ports import ShopCode
from integrations.webhook_ports import CodesAdded, CodesToRecheck
from integrations.woocommerce.webhooks import WooWebhooks, sign, site_identity

INTAKE = WooWebhooks()
COUPON = {
    "id": 12,
    "code": "summer-1",
    "status": "publish",
    "usage_count": 0,
    "usage_limit": 1,
    "date_modified_gmt": "2026-12-03T10:00:00",
}


@pytest.mark.parametrize(
    ("configured", "sent"),
    [
        ("https://Shop.Example.com/", "https://shop.example.com"),
        ("https://shop.example.com:443/store", "http://shop.example.com/store/"),
        ("http://127.0.0.1:8124", "http://127.0.0.1:8124/"),
    ],
)
def test_a_site_is_the_same_however_its_address_is_spelled(configured: str, sent: str) -> None:
    assert site_identity(configured) == site_identity(sent) is not None


def test_other_sites_differ() -> None:
    assert site_identity("https://shop.example.com") != site_identity(
        "https://shop.example.com:8443"
    )
    assert site_identity("https://shop.example.com/a") != site_identity(
        "https://shop.example.com/b"
    )
    assert site_identity("ftp://shop.example.com") is None


def test_the_previous_secret_verifies_during_a_rotation_and_a_changed_body_never() -> None:
    body = json.dumps(COUPON).encode()
    headers = {"x-wc-webhook-signature": sign(body, "old-secret")}
    assert INTAKE.verify(body, headers, ["new-secret", "old-secret"])
    assert not INTAKE.verify(body, headers, ["new-secret"])
    assert not INTAKE.verify(body + b" ", headers, ["new-secret", "old-secret"])
    assert not INTAKE.verify(body, {}, ["old-secret"])


def test_only_an_unsigned_webhook_id_form_is_a_ping() -> None:
    assert INTAKE.is_ping(b"webhook_id=3", {})
    assert not INTAKE.is_ping(b"webhook_id=3", {"x-wc-webhook-signature": "x"})
    assert not INTAKE.is_ping(b"webhook_id=3&x=1", {})
    assert not INTAKE.is_ping(b"{}", {})


def test_the_key_is_the_change_not_the_delivery() -> None:
    body = json.dumps(COUPON).encode()
    first = INTAKE.delivery(
        {"x-wc-webhook-topic": "coupon.updated", "x-wc-webhook-delivery-id": "a"}, body
    )
    second = INTAKE.delivery(
        {"x-wc-webhook-topic": "coupon.updated", "x-wc-webhook-delivery-id": "b"}, body
    )
    assert first is not None and second is not None
    assert first.delivery_id == second.delivery_id
    assert first.delivery_id.startswith("coupon:12:updated:2026-12-03T10:00:00:")
    changed = json.dumps(COUPON | {"amount": "5"}).encode()
    other = INTAKE.delivery({"x-wc-webhook-topic": "coupon.updated"}, changed)
    assert other is not None and other.delivery_id != first.delivery_id
    assert INTAKE.delivery({"x-wc-webhook-topic": "coupon.updated"}, b"not json") is None
    assert INTAKE.delivery({}, body) is None


def test_coupon_events() -> None:
    added = INTAKE.event("coupon.created", COUPON)
    assert added == CodesAdded((), (ShopCode("summer-1", "12", 0, None),))
    used_up = INTAKE.event("coupon.updated", COUPON | {"usage_count": 1})
    assert isinstance(used_up, CodesAdded) and used_up.codes[0].unusable == "used up"
    assert INTAKE.event("coupon.deleted", {"id": 12}) == CodesToRecheck(("12",), "woo-ids:12")
    with pytest.raises(ValueError, match="coupon"):
        INTAKE.event("coupon.created", {"id": 12})
    with pytest.raises(ValueError, match="topic"):
        INTAKE.event("product.updated", COUPON)


def test_which_linked_source_holds_a_coupon() -> None:
    code = ShopCode("summer-1", "12")
    assert INTAKE.holds("woo-prefix:SUMMER-", code)
    assert not INTAKE.holds("woo-prefix:winter-", code)
    assert not INTAKE.holds("woo-prefix@12:summer-", code)  # the template is never a pool code
    assert INTAKE.holds("woo-ids:11,12", code)
    assert not INTAKE.holds("woo-ids:11", code)
    assert not INTAKE.holds("gid://shopify/DiscountCodeNode/12", code)


def test_a_trashing_is_keyed_by_its_delivery_and_applied_after_changes_of_its_second() -> None:
    headers = {"x-wc-webhook-topic": "coupon.deleted", "x-wc-webhook-delivery-id": "d1"}
    before = datetime.now(UTC)
    info = INTAKE.delivery(headers, b'{"id":12}')
    assert info is not None and info.delivery_id == "coupon:12:deleted:d1"
    assert info.triggered_at is not None and info.triggered_at >= before + timedelta(seconds=1)
    assert INTAKE.delivery({"x-wc-webhook-topic": "coupon.deleted"}, b'{"id":12}') is None
