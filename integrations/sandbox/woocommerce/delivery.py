"""Sending webhooks as WooCommerce does: asynchronously, signed, one POST per delivery.

Every change the shop announces becomes one delivery per active webhook
whose topic matches. A background worker sends them in order (WooCommerce
queues them with Action Scheduler); :meth:`WebhookDeliveries.wait_idle`
lets a test wait for the queue to drain instead of sleeping. Webhook
creation sends the unsigned ping (form body ``webhook_id=N``). More than
five consecutive failures (anything but 2xx, 301, 302) disable a webhook;
there are no retries.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from .constants import MAX_WEBHOOK_FAILURES, WEBHOOK_TIMEOUT_SECONDS, WP_VERSION
from .model import Webhook
from .signing import delivery_id, php_json, signature
from .state import SandboxWooShop
from .views import Json

OK_REDIRECTS = (301, 302)


@dataclass(frozen=True)
class DeliveryRecord:
    """One attempt: what was sent and what came back (``status`` 0: unreachable)."""

    webhook_id: int
    topic: str  # "ping" for the creation ping
    url: str
    headers: dict[str, str]
    body: bytes
    status: int
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether WooCommerce counts it as delivered."""
        return 200 <= self.status < 300 or self.status in OK_REDIRECTS


@dataclass(frozen=True)
class _Job:
    webhook_id: int
    topic: str
    payload: Json | None  # None: the creation ping
    resource_id: int = 0


class WebhookDeliveries:
    """The shop's outgoing webhooks: a queue, a worker thread and the delivery log.

    Args:
        shop: the shop whose changes are delivered (subscribes to its events).
        http: the client used to POST (one with a short timeout if omitted).
    """

    def __init__(self, shop: SandboxWooShop, http: httpx.Client | None = None) -> None:
        self.shop = shop
        self.http = http or httpx.Client(timeout=WEBHOOK_TIMEOUT_SECONDS)
        self._own_http = http is None
        self.records: list[DeliveryRecord] = []
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._worker = threading.Thread(target=self._run, name="woo-webhooks", daemon=True)
        self._worker.start()
        shop.listeners.append(self._on_event)

    # --- queueing ---------------------------------------------------------------

    def _on_event(self, topic: str, resource_id: int, payload: Json) -> None:
        for webhook in self.shop.webhooks.values():
            if webhook.status == "active" and webhook.topic == topic:
                self._enqueue(_Job(webhook.id, topic, _without_links(payload), resource_id))

    def ping(self, webhook: Webhook) -> None:
        """Queue the unsigned creation ping."""
        self._enqueue(_Job(webhook.id, "ping", None))

    def _enqueue(self, job: _Job) -> None:
        with self._idle:
            self._pending += 1
        self._queue.put(job)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery was attempted; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            try:
                self._attempt(job)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _attempt(self, job: _Job) -> None:
        webhook = self.shop.webhooks.get(job.webhook_id)
        if webhook is None:
            return
        if job.payload is None:
            self.post(webhook, "ping", b"webhook_id=%d" % webhook.id, self._ping_headers())
        else:
            self.send(webhook.id, job.topic, job.payload)

    # --- sending ----------------------------------------------------------------

    def _user_agent(self) -> str:
        return f"WooCommerce/{self.shop.wc_version} Hookshot (WordPress/{WP_VERSION})"

    def _ping_headers(self) -> dict[str, str]:
        return {
            "User-Agent": self._user_agent(),
            "Content-Type": "application/x-www-form-urlencoded",
        }

    def headers_for(self, webhook: Webhook, topic: str, body: bytes, secret: str) -> dict[str, str]:
        """The headers of a delivery of ``body`` (signed with ``secret``)."""
        resource, _, event = topic.partition(".")
        return {
            "User-Agent": self._user_agent(),
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": self.shop.home_url + "/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": signature(body, secret),
            "X-WC-Webhook-ID": str(webhook.id),
            "X-WC-Webhook-Delivery-ID": delivery_id(webhook.id, int(self.shop.clock().timestamp())),
        }

    def send(
        self,
        webhook_id: int,
        topic: str | None = None,
        payload: Any = None,
        *,
        secret: str | None = None,
    ) -> DeliveryRecord:
        """Deliver now, synchronously: for tests and on-demand sends.

        ``topic`` defaults to the webhook's, ``payload`` to ``{}``; ``secret``
        signs with another secret (a forged delivery).
        """
        webhook = self.shop.webhook(webhook_id)
        chosen = topic or webhook.topic
        body = php_json(payload if payload is not None else {})
        headers = self.headers_for(webhook, chosen, body, secret or webhook.secret)
        return self.post(webhook, chosen, body, headers)

    def replay(self, record: DeliveryRecord) -> DeliveryRecord:
        """Send a recorded delivery again, byte for byte (a replay)."""
        webhook = self.shop.webhook(record.webhook_id)
        return self.post(webhook, record.topic, record.body, dict(record.headers))

    def post(
        self, webhook: Webhook, topic: str, body: bytes, headers: dict[str, str]
    ) -> DeliveryRecord:
        """POST one delivery, log it, and keep the webhook's failure count."""
        try:
            response = self.http.post(webhook.delivery_url, content=body, headers=headers)
            record = DeliveryRecord(
                webhook.id, topic, webhook.delivery_url, headers, body, response.status_code
            )
        except httpx.HTTPError as error:
            record = DeliveryRecord(
                webhook.id, topic, webhook.delivery_url, headers, body, 0, type(error).__name__
            )
        with self.shop.lock:
            self.records.append(record)
            if topic != "ping":
                webhook.failure_count = 0 if record.ok else webhook.failure_count + 1
                if webhook.failure_count > MAX_WEBHOOK_FAILURES:
                    webhook.status = "disabled"
        return record

    def close(self) -> None:
        """Stop the worker after the queued deliveries."""
        self._queue.put(None)
        self._worker.join()
        if self._own_http:
            self.http.close()


def _without_links(payload: Json) -> Json:
    # Webhook payloads are the response *data*: WordPress adds _links only when serving.
    return {k: v for k, v in payload.items() if k != "_links"}
