"""Webhooks: the REST resource, the unsigned ping, signed deliveries on changes, disabling."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from integrations.sandbox.woocommerce import SandboxWooShop, WooServer, signature
from tests.integrations.sandbox_woocommerce.conftest import Rest
from tests.integrations.sandbox_woocommerce.receiver import Receiver, receiving


@pytest.fixture
def receiver() -> Receiver:
    with receiving() as running:
        yield running  # type: ignore[misc]


def _subscribe(rest: Rest, topic: str, url: str, secret: str = "s3cret") -> int:
    response = rest.post("/webhooks", json={"topic": topic, "delivery_url": url, "secret": secret})
    assert response.status_code == 201, response.text
    ident: int = response.json()["id"]
    return ident


def _verify(secret: str, body: bytes, header: str) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, header)


def test_create_answers_the_secret_once_and_sends_an_unsigned_ping(
    woo: WooServer, rest: Rest, receiver: Receiver
) -> None:
    created = rest.post(
        "/webhooks",
        json={"topic": "coupon.created", "delivery_url": receiver.url, "secret": "abc"},
    )
    body = created.json()
    assert (created.status_code, body["secret"], body["status"]) == (201, "abc", "active")
    assert (body["resource"], body["event"]) == ("coupon", "created")
    assert "secret" not in rest.get(f"/webhooks/{body['id']}").json()
    assert woo.deliveries.wait_idle()
    (ping,) = receiver.received
    assert ping.body == f"webhook_id={body['id']}".encode()
    assert ping.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "X-WC-Webhook-Signature" not in ping.headers


def test_invalid_topic_and_url_are_refused(rest: Rest) -> None:
    bad_topic = rest.post(
        "/webhooks", json={"topic": "coupon.exploded", "delivery_url": "http://x"}
    )
    assert bad_topic.json()["code"] == "woocommerce_rest_webhook_invalid_topic"
    bad_url = rest.post("/webhooks", json={"topic": "coupon.created", "delivery_url": "ftp://x"})
    assert bad_url.json()["code"] == "woocommerce_rest_webhook_invalid_delivery_url"


def test_list_and_delete_need_force(rest: Rest, receiver: Receiver) -> None:
    ident = _subscribe(rest, "order.updated", receiver.url)
    listed = rest.get("/webhooks")
    assert [w["id"] for w in listed.json()] == [ident]
    assert listed.headers["X-WP-Total"] == "1"
    refused = rest.delete(f"/webhooks/{ident}")
    assert (refused.status_code, refused.json()["code"]) == (
        501,
        "woocommerce_rest_trash_not_supported",
    )
    assert rest.delete(f"/webhooks/{ident}", params={"force": "true"}).status_code == 200
    assert rest.get("/webhooks").json() == []


def test_coupon_changes_are_delivered_signed(
    shop: SandboxWooShop, woo: WooServer, rest: Rest, receiver: Receiver
) -> None:
    for topic in ("coupon.created", "coupon.updated", "coupon.deleted", "coupon.restored"):
        _subscribe(rest, topic, receiver.url)
    ident = rest.post("/coupons", json={"code": "Hook/1", "amount": "5"}).json()["id"]
    rest.put(f"/coupons/{ident}", json={"amount": "6"})
    rest.delete(f"/coupons/{ident}")
    shop.restore_coupon(ident)
    assert woo.deliveries.wait_idle()
    deliveries = [r for r in receiver.received if "X-WC-Webhook-Topic" in r.headers]
    topics = [r.headers["X-WC-Webhook-Topic"] for r in deliveries]
    assert topics == ["coupon.created", "coupon.updated", "coupon.deleted", "coupon.restored"]
    for delivery in deliveries:
        assert _verify("s3cret", delivery.body, delivery.headers["X-WC-Webhook-Signature"])
        assert delivery.headers["X-WC-Webhook-Resource"] == "coupon"
        assert delivery.headers["X-WC-Webhook-Source"] == woo.base_url + "/"
    created = deliveries[0]
    assert b"hook\\/1" in created.body  # PHP's json_encode escapes slashes; sign the raw body
    assert json.loads(created.body)["code"] == "hook/1"
    assert "_links" not in json.loads(created.body)
    assert json.loads(deliveries[2].body) == {"id": ident}  # trashing sends only the id
    assert json.loads(deliveries[3].body)["status"] == "publish"


def test_a_forged_signature_does_not_verify(woo: WooServer, rest: Rest, receiver: Receiver) -> None:
    ident = _subscribe(rest, "coupon.updated", receiver.url, secret="right")
    genuine = woo.deliveries.send(ident, payload={"id": 1})
    forged = woo.deliveries.send(ident, payload={"id": 1}, secret="wrong")
    assert _verify("right", genuine.body, genuine.headers["X-WC-Webhook-Signature"])
    assert not _verify("right", forged.body, forged.headers["X-WC-Webhook-Signature"])
    assert signature(genuine.body, "right") == genuine.headers["X-WC-Webhook-Signature"]


def test_replay_resends_the_same_bytes_and_delivery_ids_collide_within_a_second(
    woo: WooServer, rest: Rest, receiver: Receiver
) -> None:
    ident = _subscribe(rest, "order.updated", receiver.url)
    first = woo.deliveries.send(ident, payload={"id": 7})
    second = woo.deliveries.send(ident, payload={"id": 8})  # same (frozen) second
    assert first.headers["X-WC-Webhook-Delivery-ID"] == second.headers["X-WC-Webhook-Delivery-ID"]
    replayed = woo.deliveries.replay(first)
    assert (replayed.body, replayed.headers) == (first.body, first.headers)


def test_orders_and_refunds_are_delivered(
    shop: SandboxWooShop, woo: WooServer, rest: Rest, receiver: Receiver
) -> None:
    shop.add_coupon("ord")
    _subscribe(rest, "order.created", receiver.url)
    _subscribe(rest, "order.updated", receiver.url)
    order = shop.place_order(["ORD"], "40.00")
    shop.refund_order(order, "10.00", "damaged")
    assert woo.deliveries.wait_idle()
    bodies = [json.loads(r.body) for r in receiver.received if r.body.startswith(b"{")]
    assert [b["id"] for b in bodies] == [order, order]
    assert bodies[0]["coupon_lines"][0]["code"] == "ord"
    assert bodies[1]["refunds"][0]["total"] == "-10.00"


def test_a_webhook_failing_more_than_five_times_is_disabled(
    shop: SandboxWooShop, woo: WooServer, rest: Rest, receiver: Receiver
) -> None:
    ident = _subscribe(rest, "coupon.updated", receiver.url)
    receiver.status = 500
    for _ in range(5):
        woo.deliveries.send(ident, payload={})
    assert shop.webhooks[ident].status == "active"
    woo.deliveries.send(ident, payload={})
    assert rest.get(f"/webhooks/{ident}").json()["status"] == "disabled"


def test_paused_webhooks_get_nothing(
    shop: SandboxWooShop, woo: WooServer, rest: Rest, receiver: Receiver
) -> None:
    ident = _subscribe(rest, "coupon.created", receiver.url)
    assert rest.put(f"/webhooks/{ident}", json={"status": "paused"}).json()["status"] == "paused"
    shop.add_coupon("quiet")
    assert woo.deliveries.wait_idle()
    assert [r.body for r in receiver.received] == [f"webhook_id={ident}".encode()]


def test_deleting_for_good_sends_no_webhook_but_trashing_does(
    shop: SandboxWooShop, woo: WooServer, rest: Rest, receiver: Receiver
) -> None:
    ident = _subscribe(rest, "coupon.deleted", receiver.url)
    kept, gone = shop.add_coupon("kept"), shop.add_coupon("gone")
    rest.delete(f"/coupons/{gone}", params={"force": "true"})
    rest.delete(f"/coupons/{kept}")
    assert woo.deliveries.wait_idle()
    payloads = [r.body for r in receiver.received]
    assert payloads == [f"webhook_id={ident}".encode(), f'{{"id":{kept}}}'.encode()]


def test_a_generated_secret_is_fifty_characters(rest: Rest, receiver: Receiver) -> None:
    body = rest.post(
        "/webhooks", json={"topic": "order.created", "delivery_url": receiver.url}
    ).json()
    assert len(body["secret"]) == 50
