"""WooCommerce webhooks end to end on loopback: the local WooCommerce sends signed deliveries
to promosync's app under uvicorn, ``promosync sync inbox`` applies them (both databases)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from integrations.sandbox.woocommerce import (
    DeliveryRecord,
    ManualClock,
    SandboxWooShop,
    WooServer,
    serve,
)
from integrations.woocommerce.webhooks import TOPICS
from store import reporting
from store.db import Database
from store.models import Campaign
from store.models_sync import WebhookDelivery
from sync import config as config_module
from sync.cli.main import main
from sync.web.app import WebContext, create_app
from tests.integrations.woocommerce.local import PREFIX, connect_to, linked_campaign, seed
from tests.support.serving import free_port
from tests.sync.shops import pooled

KEY_ENV, SECRET_ENV, HOOK_ENV = "WC_KEY", "WC_SECRET", "WC_WEBHOOK_SECRET"
HOOK_SECRET = "woo-webhook-secret-0123456789"


@dataclass
class Served:
    woo: WooServer
    shop: SandboxWooShop
    db: Database
    config_file: Path
    base: str  # promosync serve's base URL
    db_url: str
    capsys: pytest.CaptureFixture[str]

    @property
    def hook_url(self) -> str:
        return f"{self.base}/webhooks/woocommerce"

    def run(self, *args: str) -> tuple[int, str, str]:
        status = main(["--config", str(self.config_file), "--db", self.db_url, *args])
        out, err = self.capsys.readouterr()
        return status, out, err

    def deliver(self) -> list[DeliveryRecord]:
        """Wait for the shop's queued deliveries; all of them, oldest first."""
        assert self.woo.deliveries.wait_idle()
        return list(self.woo.deliveries.records)

    def inbox(self) -> dict[str, object]:
        status, out, err = self.run("--json", "sync", "inbox")
        assert status == 0, err
        result: dict[str, object] = json.loads(out)
        return result


@pytest.fixture
def served(
    db: Database,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Served]:
    shop = SandboxWooShop(name="Fans Shop")
    with serve(shop) as woo:
        config_file = tmp_path / "promosync.toml"
        # The configured url differs from the site's home_url by a trailing slash and case.
        config_file.write_text(
            f'[stores.woo]\nplatform = "woocommerce"\nurl = "{woo.base_url.upper()}/"\n'
            f'consumer_key = "${{{KEY_ENV}}}"\nconsumer_secret = "${{{SECRET_ENV}}}"\n'
            f'webhook_secret = "${{{HOOK_ENV}}}"\n'
        )
        monkeypatch.setenv(KEY_ENV, woo.consumer_key)
        monkeypatch.setenv(SECRET_ENV, woo.consumer_secret)
        monkeypatch.setenv(HOOK_ENV, HOOK_SECRET)
        config = config_module.load(str(config_file), db_url)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(WebContext(config, db)), host="127.0.0.1", port=port, log_level="warning"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)  # readiness poll
        try:
            yield Served(woo, shop, db, config_file, f"http://127.0.0.1:{port}", db_url, capsys)
        finally:
            server.should_exit = True
            thread.join()


def _stored(db: Database) -> list[WebhookDelivery]:
    with db.transaction() as tx:
        return list(tx.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _subscribe(s: Served) -> None:
    status, _, err = s.run("stores", "subscribe", "woo", "--url", s.hook_url)
    assert status == 0, err
    s.deliver()  # the creation pings


def _linked(s: Served, coupons: int = 3) -> list[str]:
    codes = seed(s.shop, coupons)
    with connect_to(s.woo) as store:
        linked_campaign(s.db, store)
    assert s.run("sync", "pull", "summer/kit")[0] == 0
    return codes


def test_subscribe_is_idempotent_answers_pings_and_check_lists_the_topics(
    served: Served,
) -> None:
    s = served
    status, out, _ = s.run("--json", "stores", "subscribe", "woo", "--url", s.hook_url, "--dry-run")
    assert status == 0 and sorted(json.loads(out)["created"]) == sorted(TOPICS)
    assert s.shop.webhooks == {}  # a dry run creates nothing

    status, out, err = s.run("--json", "stores", "subscribe", "woo", "--url", s.hook_url)
    assert status == 0, err
    assert sorted(json.loads(out)["created"]) == sorted(TOPICS)
    assert {w.topic for w in s.shop.webhooks.values()} == TOPICS
    assert {w.secret for w in s.shop.webhooks.values()} == {HOOK_SECRET}
    pings = [r for r in s.deliver() if r.topic == "ping"]
    assert len(pings) == len(TOPICS) and all(r.status == 200 for r in pings)
    assert _stored(s.db) == []  # a ping stores nothing

    status, out, _ = s.run("--json", "stores", "subscribe", "woo", "--url", s.hook_url)
    again = json.loads(out)
    assert status == 0 and again["created"] == [] and sorted(again["present"]) == sorted(TOPICS)
    assert len(s.shop.webhooks) == len(TOPICS)

    status, out, _ = s.run("--json", "stores", "check", "woo")
    assert status == 0 and sorted(json.loads(out)["webhooks"]["subscribed"]) == sorted(TOPICS)

    assert s.run("stores", "unsubscribe", "woo")[0] == 0
    assert s.shop.webhooks == {}
    status, out, _ = s.run("--json", "stores", "check", "woo")
    assert json.loads(out)["webhooks"]["subscribed"] == []


def test_subscribing_with_a_read_only_key_names_the_fix_and_creates_nothing(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = served
    read_only = s.shop.add_key("read")
    monkeypatch.setenv(KEY_ENV, read_only.consumer_key)
    monkeypatch.setenv(SECRET_ENV, read_only.consumer_secret)
    status, _, err = s.run("stores", "subscribe", "woo", "--url", s.hook_url)
    assert status == 2 and "write" in err and "Read/Write" in err
    assert s.shop.webhooks == {}


def test_valid_forged_unsigned_replayed_and_redelivered_deliveries(served: Served) -> None:
    s = served
    _subscribe(s)
    coupon_id = s.shop.add_coupon("SUMMER-NEW1", "10")
    (record,) = [r for r in s.deliver() if r.topic == "coupon.created"]
    assert record.status == 200
    (row,) = _stored(s.db)
    assert row.topic == "coupon.created" and row.delivery_id.startswith(f"coupon:{coupon_id}:")

    webhook = s.shop.webhook(record.webhook_id)
    # Replayed byte for byte: stored once.
    replay = s.woo.deliveries.replay(record)
    assert replay.status == 200
    # The same change again under another delivery id (as a second attempt has): stored once.
    other_id = record.headers | {"X-WC-Webhook-Delivery-ID": "f" * 32}
    assert s.woo.deliveries.post(webhook, record.topic, record.body, other_id).status == 200
    # Forged: the body changed after signing.
    forged = record.body.replace(b'"amount":"10.00"', b'"amount":"99.00"')
    assert forged != record.body
    assert s.woo.deliveries.post(webhook, record.topic, forged, dict(record.headers)).status == 401
    # Unsigned, and signed with another secret.
    unsigned = {k: v for k, v in record.headers.items() if k != "X-WC-Webhook-Signature"}
    assert s.woo.deliveries.post(webhook, record.topic, record.body, unsigned).status == 401
    assert s.woo.deliveries.send(webhook.id, payload={"id": 1}, secret="wrong").status == 401
    # A site promosync does not know.
    stranger = record.headers | {"X-WC-Webhook-Source": "https://elsewhere.example/"}
    assert s.woo.deliveries.post(webhook, record.topic, record.body, stranger).status == 401
    assert len(_stored(s.db)) == 1

    # A later change of the same coupon is a new delivery.
    s.shop.update_coupon(coupon_id, amount=Decimal("12"))
    s.deliver()
    assert len(_stored(s.db)) == 2


def test_two_changes_within_one_second_are_both_kept(served: Served) -> None:
    s = served
    _subscribe(s)
    s.shop.clock = ManualClock(datetime.now(UTC))  # time stands still: all in one second
    order_id = s.shop.place_order([], "50.00")
    s.shop.refund_order(order_id, "5.00")  # WordPress keeps date_modified to the second
    s.shop.refund_order(order_id, "7.00")
    s.deliver()
    topics = [row.topic for row in _stored(s.db)]
    assert topics.count("order.updated") == 2 and topics.count("order.created") == 1


def test_coupon_events_move_codes_in_and_out_of_the_linked_pool(served: Served) -> None:
    s = served
    codes = _linked(s)
    _subscribe(s)
    new_id = s.shop.add_coupon("SUMMER-NEW1", "10")
    s.shop.add_coupon("WINTER-1", "10")  # no linked source holds it
    s.deliver()
    result = s.inbox()
    assert result["applied"] == 1 and result["superseded"] == 1
    assert pooled(s.db)["summer-new1"] == "available"
    assert "winter-1" not in pooled(s.db)

    s.shop.trash_coupon(new_id)
    s.deliver()
    s.inbox()
    assert pooled(s.db)["summer-new1"] == "quarantined"

    s.shop.restore_coupon(new_id)
    s.deliver()
    s.inbox()
    assert pooled(s.db)["summer-new1"] == "available"

    # An edit that makes a pooled coupon unusable (expired) quarantines it.
    pulled_id = s.shop.coupon_by_code(codes[0])
    assert pulled_id is not None
    yesterday = datetime.now(UTC) - timedelta(days=1)
    s.shop.update_coupon(pulled_id.id, date_expires=yesterday)
    s.deliver()
    s.inbox()
    assert pooled(s.db)[codes[0].lower()] == "quarantined"
    assert pooled(s.db)[codes[1].lower()] == "available"


def test_an_order_and_its_refund_reach_the_report(served: Served) -> None:
    s = served
    codes = _linked(s)
    _subscribe(s)
    order_id = s.shop.place_order([codes[1]], "80.00")
    s.deliver()
    s.inbox()
    with s.db.transaction() as tx:
        campaign_id = tx.scalar(select(Campaign.id).where(Campaign.key == "summer"))
        assert campaign_id is not None
        uses = reporting.orders_using_codes(tx, campaign_id)
    assert [(u.total, u.is_revenue, len(u.codes)) for u in uses] == [(Decimal("80.00"), True, 1)]

    s.shop.refund_order(order_id, "30.00")
    s.deliver()
    s.inbox()
    with s.db.transaction() as tx:
        uses = reporting.orders_using_codes(tx, campaign_id)
    assert [u.total for u in uses] == [Decimal("50.00")]
    with s.db.transaction() as tx:
        left = tx.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status != "done")
        )
    assert left == 0


def test_a_ping_for_an_unknown_site_is_answered_and_stores_nothing(served: Served) -> None:
    s = served
    answer = httpx.post(
        s.hook_url,
        content=b"webhook_id=7",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (answer.status_code, answer.json()) == (200, {"status": "ping"})
    # A signed body that merely looks like a ping is not one: it must verify.
    signed = httpx.post(
        s.hook_url,
        content=b"webhook_id=7",
        headers={"X-WC-Webhook-Signature": "AAAA", "X-WC-Webhook-Source": s.woo.base_url},
    )
    assert signed.status_code == 401
    assert _stored(s.db) == []


def test_prefix_is_case_insensitive_for_webhook_codes(served: Served) -> None:
    s = served
    _linked(s, coupons=1)
    _subscribe(s)
    s.shop.add_coupon(PREFIX.lower() + "lower", "10")
    s.deliver()
    s.inbox()
    assert pooled(s.db)[PREFIX.lower() + "lower"] == "available"
