"""Webhook subscriptions and deliveries, sent like Shopify sends them.

Subscriptions are made with ``webhookSubscriptionCreate`` (listed by
``webhookSubscriptions``, removed by ``webhookSubscriptionDelete``). When the
shop changes (codes added or removed, a discount's status, an order placed or
refunded) every subscription to that topic gets a POST with Shopify's headers,
signed with the app's client secret (base64 HMAC-SHA256 of the raw body).

Deliveries go out from a background thread, as Shopify's are asynchronous;
:meth:`WebhookSender.flush` waits until everything queued was sent. Failed
deliveries are kept in :attr:`WebhookSender.log` and not retried (Shopify
retries 8 times over 4 hours; tests replay with :meth:`WebhookSender.resend`).

ASSUMPTION: the thin ``discounts/redeemcode_*`` payload shape (undocumented):
``{admin_graphql_api_id, redeem_code: {id, code}, updated_at}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from .clock import iso
from .constants import API_VERSION
from .ids import gid

SEND_TIMEOUT = 5.0  # Shopify's own budget for an answer
FIRST_SUBSCRIPTION_ID = 7_000_000_001


@dataclass
class Subscription:
    id: int
    topic: str  # WebhookSubscriptionTopic, e.g. ORDERS_PAID
    uri: str
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One POST as sent: replaying it resends the same body and ids."""

    uri: str
    topic: str  # orders/paid
    body: bytes
    webhook_id: str
    event_id: str
    triggered_at: str


@dataclass
class Sent:
    delivery: Delivery
    status: int | None  # None: no answer (refused connection, timeout)


def topic_header(enum: str) -> str:
    """``ORDERS_PAID`` → ``orders/paid``."""
    resource, _, action = enum.lower().partition("_")
    return f"{resource}/{action}"


@dataclass
class WebhookSender:
    """The shop's subscriptions and its outgoing deliveries."""

    domain: str
    secret: Callable[[], str]
    clock: Callable[[], datetime]
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    log: list[Sent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ids = itertools.count(FIRST_SUBSCRIPTION_ID)
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._outstanding = 0
        self._thread: threading.Thread | None = None

    # --- subscriptions --------------------------------------------------------

    def subscribe(self, topic: str, uri: str) -> Subscription:
        with self._lock:
            for existing in self.subscriptions.values():
                if existing.topic == topic and existing.uri == uri:
                    return existing  # ASSUMPTION: Shopify answers a duplicate with an error
            created = Subscription(next(self._ids), topic, uri, self.clock())
            self.subscriptions[created.id] = created
            return created

    def unsubscribe(self, subscription_id: int) -> bool:
        with self._lock:
            return self.subscriptions.pop(subscription_id, None) is not None

    def wants(self, topic: str) -> bool:
        enum = topic.replace("/", "_").upper()
        with self._lock:
            return any(s.topic == enum for s in self.subscriptions.values())

    # --- deliveries -----------------------------------------------------------

    def emit(self, topic: str, payload: dict[str, Any]) -> list[Delivery]:
        """Queue ``payload`` for every subscription to ``topic`` (``orders/paid``)."""
        enum = topic.replace("/", "_").upper()
        body = json.dumps(payload, separators=(",", ":")).encode()
        # Shopify's X-Shopify-Triggered-At carries fractions of a second (its payloads don't).
        moment = self.clock().astimezone(UTC)
        event_id, triggered = str(uuid.uuid4()), moment.isoformat().replace("+00:00", "Z")
        with self._lock:
            targets = [s.uri for s in self.subscriptions.values() if s.topic == enum]
        deliveries = [
            Delivery(uri, topic, body, str(uuid.uuid4()), event_id, triggered) for uri in targets
        ]
        for delivery in deliveries:
            self._enqueue(delivery)
        return deliveries

    def resend(self, delivery: Delivery) -> None:
        """Send a delivery again with the same ids (what Shopify's retries do)."""
        self._enqueue(delivery)

    def headers(self, delivery: Delivery) -> dict[str, str]:
        """Shopify's delivery headers, signed with the app's secret."""
        digest = hmac.new(self.secret().encode(), delivery.body, hashlib.sha256).digest()
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
            "X-Shopify-Shop-Domain": self.domain,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": delivery.event_id,
            "X-Shopify-Triggered-At": delivery.triggered_at,
        }

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery was sent; False if ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._outstanding == 0, timeout)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _enqueue(self, delivery: Delivery) -> None:
        with self._lock:
            self._outstanding += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sandbox-webhooks", daemon=True
                )
                self._thread.start()
        self._queue.put(delivery)

    def _run(self) -> None:
        with httpx.Client(timeout=SEND_TIMEOUT) as client:
            while (delivery := self._queue.get()) is not None:
                status: int | None
                try:
                    response = client.post(
                        delivery.uri, content=delivery.body, headers=self.headers(delivery)
                    )
                    status = response.status_code
                except httpx.HTTPError:
                    status = None
                with self._idle:
                    self.log.append(Sent(delivery, status))
                    self._outstanding -= 1
                    self._idle.notify_all()


# --- REST-shaped payloads -------------------------------------------------------


def code_payload(discount_id: int, code_id: int, code: str, at: datetime) -> dict[str, Any]:
    """``discounts/redeemcode_added|removed`` (shape: see the module's ASSUMPTION)."""
    return {
        "admin_graphql_api_id": gid("DiscountCodeNode", discount_id),
        "redeem_code": {"id": gid("DiscountRedeemCode", code_id), "code": code},
        "updated_at": iso(at),
    }


def discount_payload(discount_id: int, title: str, status: str, at: datetime) -> dict[str, Any]:
    """``discounts/update|delete``: the discount's gid, title and status."""
    return {
        "admin_graphql_api_id": gid("DiscountCodeNode", discount_id),
        "title": title,
        "status": status,
        "updated_at": iso(at),
    }


def order_payload(order: Any, refunds: list[dict[str, Any]]) -> dict[str, Any]:
    """``orders/create|paid``: the REST order (the fields promosync reads, and a few more)."""
    total = str(order.total)
    money = {"amount": total, "currency_code": order.currency}
    return {
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "name": f"#{order.number}",
        "created_at": iso(order.processed_at),
        "processed_at": iso(order.processed_at),
        "updated_at": iso(order.updated_at),
        "cancelled_at": iso(order.cancelled_at) if order.cancelled_at else None,
        "currency": order.currency,
        "presentment_currency": order.presentment_currency,
        "financial_status": order.financial_status.lower(),
        "test": order.test,
        "total_price": total,
        "total_price_set": {"shop_money": money, "presentment_money": money},
        "total_discounts": str(order.total_discounts),
        "subtotal_price": str(order.subtotal),
        "discount_codes": [
            {"code": code, "amount": str(order.total_discounts), "type": "fixed_amount"}
            for code in order.codes
        ],
        "refunds": refunds,
    }


def refund_payload(refund_id: int, order_id: int, amount: str, at: datetime) -> dict[str, Any]:
    """``refunds/create``: one successful refund transaction of ``amount``."""
    return {
        "id": refund_id,
        "admin_graphql_api_id": gid("Refund", refund_id),
        "order_id": order_id,
        "created_at": iso(at),
        "transactions": [{"kind": "refund", "status": "success", "amount": amount}],
    }
