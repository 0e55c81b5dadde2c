"""Webhooks end to end on loopback: the real app under uvicorn, the local Shopify sending."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from integrations.sandbox.shopify import SandboxShop, serve
from integrations.shopify.shop import ShopifyShop
from integrations.shopify.webhooks import sign
from store import inbox, reporting
from store.db import Database
from store.models import Campaign
from store.models_sync import ShopOrder, WebhookDelivery
from sync import metrics, subscriptions
from sync.config import Config
from sync.inbox import KEEP_DONE, MAX_ATTEMPTS, RETRY_AFTER, process_inbox
from sync.shopsync import pull
from sync.web.app import WebContext, create_app
from sync.web.webhooks import MAX_BODY_BYTES
from tests.support.serving import free_port
from tests.sync.shops import STORE, linked_campaign, pooled

SECRET = "sandbox-client-secret"  # the sandbox app's client secret signs its webhooks


@pytest.fixture
def shop() -> Iterator[SandboxShop]:
    with SandboxShop(client_secret=SECRET) as sandbox_shop:
        sandbox_shop.create_code_discount("Creators", ["ALPHA1", "BRAVO2", "CHARLIE3"])
        yield sandbox_shop


@pytest.fixture
def served(shop: SandboxShop, db: Database) -> Iterator[tuple[ShopifyShop, Config, str]]:
    """The local Shopify, a client, the config naming it, and promosync serve's base URL."""
    with serve(shop) as sandbox:
        config = Config.model_validate(
            {
                "stores": {
                    STORE: {
                        "platform": "shopify",
                        "shop": shop.domain,
                        "access_token": sandbox.access_token,
                        "admin_api_url": sandbox.admin_api_url,
                        "webhook_secret": "new-secret-not-yet-used",
                        "webhook_secret_previous": SECRET,
                    }
                }
            }
        )
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(WebContext(config, db)),
                host="127.0.0.1",
                port=port,
                log_level="warning",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)  # readiness poll
        with ShopifyShop.connect(
            shop=shop.domain,
            access_token=sandbox.access_token,
            admin_api_url=sandbox.admin_api_url,
        ) as client:
            yield client, config, f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join()


def _headers(shop: SandboxShop, body: bytes, topic: str, **overrides: str) -> dict[str, str]:
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, SECRET),
        "X-Shopify-Shop-Domain": shop.domain,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
        "Content-Type": "application/json",
    }
    return headers | overrides


def _stored(db: Database) -> int:
    with db.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(WebhookDelivery)) or 0)


ORDER = {
    "id": 900001,
    "name": "#9001",
    "processed_at": "2026-12-01T10:00:00Z",
    "updated_at": "2026-12-01T10:00:00Z",
    "currency": "USD",
    "total_price": "80.00",
    "financial_status": "paid",
    "discount_codes": [{"code": "ALPHA1"}],
}


def test_a_signed_delivery_is_stored_once_even_when_replayed(
    served: tuple[ShopifyShop, Config, str], shop: SandboxShop, db: Database
) -> None:
    _, _, base = served
    body = json.dumps(ORDER).encode()
    headers = _headers(shop, body, "orders/paid")
    first = httpx.post(f"{base}/webhooks/shopify", content=body, headers=headers)
    again = httpx.post(f"{base}/webhooks/shopify", content=body, headers=headers)
    assert (first.status_code, first.json()) == (200, {"status": "stored"})
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    with db.transaction() as tx:
        (row,) = tx.scalars(select(WebhookDelivery)).all()
    assert (row.topic, row.event_id, row.status) == (
        "orders/paid",
        headers["X-Shopify-Event-Id"],
        "pending",
    )


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("forged", 401),
        ("unsigned", 401),
        ("wrong secret", 401),
        ("unknown shop", 401),
        ("oversized", 413),
        ("malformed json", 400),
        ("oversized, streamed without a length", 413),
        ("unknown topic", 200),
    ],
)
def test_bad_deliveries_store_nothing(
    served: tuple[ShopifyShop, Config, str],
    shop: SandboxShop,
    db: Database,
    case: str,
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, _, base = served
    body = json.dumps(ORDER).encode()
    headers = _headers(shop, body, "orders/paid")
    if case == "forged":
        body = body.replace(b"80.00", b"8000.00")  # altered after signing
    elif case == "unsigned":
        del headers["X-Shopify-Hmac-Sha256"]
    elif case == "wrong secret":
        headers["X-Shopify-Hmac-Sha256"] = sign(body, "someone-elses-secret")
    elif case == "unknown shop":
        headers["X-Shopify-Shop-Domain"] = "intruder.myshopify.com"
    elif case == "oversized":
        body = b'{"pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
        headers["X-Shopify-Hmac-Sha256"] = sign(body, SECRET)
    elif case == "malformed json":
        body = b'{"id": 1,'
        headers["X-Shopify-Hmac-Sha256"] = sign(body, SECRET)
    elif case == "unknown topic":
        headers["X-Shopify-Topic"] = "products/create"
    content: bytes | Iterator[bytes] = body
    if case.startswith("oversized, streamed"):
        chunk = b"x" * 65536
        content = iter([chunk] * (MAX_BODY_BYTES // len(chunk) + 2))  # chunked, no length
    caplog.set_level(logging.INFO, logger="sync.web.webhooks")
    answer = httpx.post(f"{base}/webhooks/shopify", content=content, headers=headers)
    assert answer.status_code == status
    assert _stored(db) == 0
    (line,) = [r.getMessage() for r in caplog.records if r.name == "sync.web.webhooks"]
    assert "80.00" not in line and "ALPHA1" not in line and SECRET not in line


def test_deliveries_signed_with_the_new_secret_pass_during_a_rotation(
    served: tuple[ShopifyShop, Config, str], shop: SandboxShop, db: Database
) -> None:
    _, config, base = served
    section = config.stores[STORE]
    assert section.webhook_secret is not None
    new_secret = section.webhook_secret.reveal()
    body = json.dumps(ORDER).encode()
    headers = _headers(shop, body, "orders/paid")
    headers["X-Shopify-Hmac-Sha256"] = sign(body, new_secret)
    assert httpx.post(f"{base}/webhooks/shopify", content=body, headers=headers).status_code == 200
    assert _stored(db) == 1
    before = metrics.REGISTRY.get_sample_value(
        "promosync_webhook_deliveries_total", {"platform": "shopify", "outcome": "bad_signature"}
    )
    headers["X-Shopify-Webhook-Id"] = str(uuid.uuid4())
    headers["X-Shopify-Hmac-Sha256"] = sign(body, new_secret + "x")
    assert httpx.post(f"{base}/webhooks/shopify", content=body, headers=headers).status_code == 401
    after = metrics.REGISTRY.get_sample_value(
        "promosync_webhook_deliveries_total", {"platform": "shopify", "outcome": "bad_signature"}
    )
    assert (after or 0) == (before or 0) + 1


def test_other_methods_and_platforms_are_refused(served: tuple[ShopifyShop, Config, str]) -> None:
    _, _, base = served
    assert httpx.get(f"{base}/webhooks/shopify").status_code == 405
    assert httpx.post(f"{base}/webhooks/magento", content=b"{}").status_code == 404


def test_orders_paid_from_the_local_shopify_reaches_the_report_once(
    served: tuple[ShopifyShop, Config, str], shop: SandboxShop, db: Database
) -> None:
    client, config, base = served
    target = linked_campaign(db, client, "ALPHA1")
    pull.pull(db, client, target)
    result = subscriptions.subscribe(client, STORE, f"{base}/webhooks/shopify")
    assert "orders/paid" in result.created
    again = subscriptions.subscribe(client, STORE, f"{base}/webhooks/shopify")
    assert again.created == () and set(again.present) == set(result.created)

    shop.place_order(["BRAVO2"], Decimal("42.50"))
    assert shop.webhooks.flush()
    paid = next(s.delivery for s in shop.webhooks.log if s.delivery.topic == "orders/paid")
    shop.webhooks.resend(paid)  # Shopify's retry of the same delivery
    assert shop.webhooks.flush()
    assert all(s.status == 200 for s in shop.webhooks.log)

    process_inbox(db, config)
    process_inbox(db, config)
    with db.transaction() as tx:
        campaign_id = tx.scalar(select(Campaign.id).where(Campaign.key == "summer"))
        assert campaign_id is not None
        uses = reporting.orders_using_codes(tx, campaign_id)
    assert [(u.total, u.is_revenue, len(u.codes)) for u in uses] == [(Decimal("42.50"), True, 1)]

    shop.refund_order(next(iter(shop.orders)), Decimal("10.00"))
    assert shop.webhooks.flush()
    process_inbox(db, config)
    with db.transaction() as tx:
        uses = reporting.orders_using_codes(tx, campaign_id)
    assert [u.total for u in uses] == [Decimal("32.50")]


def test_code_events_change_the_pool_and_a_later_pull_supersedes_older_ones(
    served: tuple[ShopifyShop, Config, str], shop: SandboxShop, db: Database
) -> None:
    client, config, base = served
    target = linked_campaign(db, client, "ALPHA1")
    pull.pull(db, client, target)
    subscriptions.subscribe(client, STORE, f"{base}/webhooks/shopify")
    (discount_id,) = shop.discounts
    shop.add_codes(discount_id, ["DELTA4"])
    shop.remove_codes(discount_id, ["BRAVO2"])
    assert shop.webhooks.flush()
    process_inbox(db, config)
    assert pooled(db) == {
        "ALPHA1": "available",
        "BRAVO2": "quarantined",
        "CHARLIE3": "available",
        "DELTA4": "available",
    }
    shop.set_status(discount_id, "EXPIRED")
    assert shop.webhooks.flush()
    process_inbox(db, config)
    assert set(pooled(db).values()) == {"quarantined"}
    shop.add_codes(discount_id, ["FOXTROT6"])  # added while expired: held back
    assert shop.webhooks.flush()
    process_inbox(db, config)
    assert pooled(db)["FOXTROT6"] == "quarantined"
    shop.set_status(discount_id, "ACTIVE")
    assert shop.webhooks.flush()
    process_inbox(db, config)
    assert pooled(db)["ALPHA1"] == pooled(db)["FOXTROT6"] == "available"
    assert pooled(db)["BRAVO2"] == "quarantined"  # gone from the store, not restored

    # A removal triggered before the last complete pull is superseded by it.
    stale = json.dumps(
        {
            "admin_graphql_api_id": f"gid://shopify/DiscountCodeNode/{discount_id}",
            "redeem_code": {"id": "gid://shopify/DiscountRedeemCode/1", "code": "CHARLIE3"},
        }
    ).encode()
    before = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    httpx.post(
        f"{base}/webhooks/shopify",
        content=stale,
        headers=_headers(
            shop, stale, "discounts/redeemcode_removed", **{"X-Shopify-Triggered-At": before}
        ),
    ).raise_for_status()
    result = process_inbox(db, config)
    assert (result.applied, result.superseded) == (0, 1)
    assert pooled(db)["CHARLIE3"] == "available"


def test_a_missed_webhook_is_healed_by_the_next_pull(
    served: tuple[ShopifyShop, Config, str], shop: SandboxShop, db: Database
) -> None:
    client, _, _ = served
    target = linked_campaign(db, client, "ALPHA1")
    pull.pull(db, client, target)
    (discount_id,) = shop.discounts
    shop.remove_codes(discount_id, ["BRAVO2"])  # no subscription: the webhook never came
    shop.add_codes(discount_id, ["ECHO5"])
    pull.pull(db, client, target)
    assert pooled(db)["BRAVO2"] == "quarantined" and pooled(db)["ECHO5"] == "available"


def test_out_of_order_deliveries_keep_the_newest_order_state(
    served: tuple[ShopifyShop, Config, str], shop: SandboxShop, db: Database
) -> None:
    client, config, base = served
    target = linked_campaign(db, client, "ALPHA1")
    pull.pull(db, client, target)
    newer = ORDER | {"updated_at": "2026-12-02T10:00:00Z", "financial_status": "refunded"}
    for payload, triggered in ((newer, "2026-12-02T10:00:00Z"), (ORDER, "2026-12-01T10:00:00Z")):
        body = json.dumps(payload).encode()
        headers = _headers(shop, body, "orders/paid", **{"X-Shopify-Triggered-At": triggered})
        httpx.post(f"{base}/webhooks/shopify", content=body, headers=headers).raise_for_status()
        process_inbox(db, config)  # one cycle each: the older copy arrives after the newer
    with db.transaction() as tx:
        (order,) = tx.scalars(select(ShopOrder)).all()
    assert order.financial_status == "refunded"


def test_a_delivery_that_keeps_failing_is_given_up_without_blocking_others(
    served: tuple[ShopifyShop, Config, str], shop: SandboxShop, db: Database
) -> None:
    client, config, base = served
    target = linked_campaign(db, client, "ALPHA1")
    pull.pull(db, client, target)
    broken = json.dumps({"id": 5}).encode()  # verified, valid JSON, not an order
    good = json.dumps(ORDER).encode()
    old = "2026-11-01T00:00:00Z"
    for body, triggered in ((broken, old), (good, "2026-12-01T10:00:00Z")):
        headers = _headers(shop, body, "orders/paid", **{"X-Shopify-Triggered-At": triggered})
        httpx.post(f"{base}/webhooks/shopify", content=body, headers=headers).raise_for_status()
    now = datetime.now(UTC)
    first = process_inbox(db, config, now=now)
    assert (first.applied, first.retrying) == (1, 1)
    waiting = process_inbox(db, config, now=now + RETRY_AFTER / 2)  # backing off
    assert (waiting.retrying, waiting.pending) == (0, 1)
    for attempt in range(1, MAX_ATTEMPTS):
        now += RETRY_AFTER * 2**attempt
        last = process_inbox(db, config, now=now)
    assert (last.given_up, last.pending, last.failed) == (1, 0, 1)
    with db.transaction() as tx:
        (failed,) = inbox.failed(tx)
    assert failed.attempts == MAX_ATTEMPTS and "malformed payload" in (failed.last_error or "")
    gauge = metrics.REGISTRY.get_sample_value("promosync_webhook_inbox", {"state": "failed"})
    assert gauge == 1


def test_applied_deliveries_are_kept_a_week_for_de_duplication_then_purged(
    served: tuple[ShopifyShop, Config, str], shop: SandboxShop, db: Database
) -> None:
    _, config, base = served
    body = json.dumps(ORDER).encode()
    headers = _headers(shop, body, "orders/paid")
    httpx.post(f"{base}/webhooks/shopify", content=body, headers=headers).raise_for_status()
    now = datetime.now(UTC)
    process_inbox(db, config, now=now)
    replay = httpx.post(f"{base}/webhooks/shopify", content=body, headers=headers)
    assert replay.json() == {"status": "duplicate"}
    process_inbox(db, config, now=now + KEEP_DONE - timedelta(minutes=1))
    assert _stored(db) == 1
    process_inbox(db, config, now=now + KEEP_DONE + timedelta(minutes=1))
    assert _stored(db) == 0
