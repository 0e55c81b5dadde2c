"""WooCommerce webhook deliveries: the ping, the signature, the de-duplication key, events.

WooCommerce (``WC_Webhook::deliver``) POSTs the resource's REST v3 JSON with the
headers ``X-WC-Webhook-Source`` (the site's ``home_url``), ``-Topic``,
``-Resource``, ``-Event``, ``-Signature`` (base64 HMAC-SHA256 of the raw body,
keyed with the webhook's secret), ``-ID`` (the webhook) and ``-Delivery-ID``.
The delivery id is ``wp_hash(webhook_id . time())``: new on every attempt and
shared by two deliveries in one second, so it is no de-duplication key. The key
here is the resource, the event, its modification time and a digest of the body
(``coupon:12:updated:2026-12-03T10:00:00:1f2e...``): the same change delivered twice
is stored once; two changes within one second (WordPress keeps the time to the
second) do not collide, nor does a restore with the creation it undoes a trashing of.

On creation WooCommerce sends an unsigned ping, a form body ``webhook_id=N`` without
the ``X-WC-*`` headers; it is answered 200 and nothing is stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from integrations.ports import ShopCode
from integrations.webhook_ports import (
    CodesAdded,
    CodesToRecheck,
    DeliveryInfo,
    OrderChanged,
    WebhookEvent,
    body_signature,
    signed_by_any,
)
from integrations.woocommerce import mapping, sources

PLATFORM = "woocommerce"
# Header names, lower-case (headers are looked up case-insensitively).
SIGNATURE_HEADER = "x-wc-webhook-signature"
SOURCE_HEADER = "x-wc-webhook-source"
TOPIC_HEADER = "x-wc-webhook-topic"
RESOURCE_HEADER = "x-wc-webhook-resource"
EVENT_HEADER = "x-wc-webhook-event"
DELIVERY_ID_HEADER = "x-wc-webhook-delivery-id"

COUPON_CREATED, COUPON_UPDATED = "coupon.created", "coupon.updated"
COUPON_DELETED, COUPON_RESTORED = "coupon.deleted", "coupon.restored"
ORDER_CREATED, ORDER_UPDATED = "order.created", "order.updated"
#: Every topic promosync subscribes to and applies. Refunds arrive as ``order.updated``
#: (WooCommerce fires it on ``woocommerce_order_refunded``); ``coupon.deleted`` is
#: trashing (a permanent delete sends no webhook: the scheduled pull notices it).
TOPICS = frozenset(
    {COUPON_CREATED, COUPON_UPDATED, COUPON_DELETED, COUPON_RESTORED, ORDER_CREATED, ORDER_UPDATED}
)
#: The creation ping's body (``WC_Webhook::deliver_ping``).
PING_BODY = re.compile(rb"webhook_id=[0-9]{1,20}")
DEFAULT_PORTS = {"http": 80, "https": 443}
#: How precisely WordPress keeps ``date_modified_gmt``.
MODIFIED_RESOLUTION = timedelta(seconds=1)
#: Hex digits of the body's SHA-256 in the inbox key (see :meth:`WooWebhooks.delivery`).
BODY_DIGEST_CHARS = 16


def sign(body: bytes, secret: str) -> str:
    """The ``X-WC-Webhook-Signature`` value of ``body`` under ``secret``."""
    return body_signature(body, secret)


def site_identity(url: str) -> str | None:
    """A site URL as deliveries and the config are compared: host[:port]/path, lower-case.

    The scheme is left out: a site behind a TLS proxy may know itself as ``http://``
    while the merchant configures ``https://`` (the signature, not the name, is the proof).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        host += f":{port}"
    return host + parts.path.rstrip("/")


class WooWebhooks:
    """The :class:`~integrations.webhook_ports.WebhookIntake` of WooCommerce."""

    platform = PLATFORM
    topics = TOPICS

    def identity(self, address: str) -> str | None:
        return site_identity(address)

    def is_ping(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """The unsigned creation ping: ``webhook_id=N`` and no signature."""
        return not headers.get(SIGNATURE_HEADER) and PING_BODY.fullmatch(body.strip()) is not None

    def shop_of(self, headers: Mapping[str, str]) -> str | None:
        value = headers.get(SOURCE_HEADER)
        return site_identity(value) if value else None

    def verify(self, body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> bool:
        return signed_by_any(body, headers.get(SIGNATURE_HEADER), secrets)

    def delivery(self, headers: Mapping[str, str], body: bytes) -> DeliveryInfo | None:
        """Topic, the key ``resource:id:event:date_modified_gmt:digest``, the change's time.

        A ``*.deleted`` payload is only ``{"id": N}`` (class-wc-webhook.php): it has no
        modification time, so its key carries the delivery id (applying it twice changes
        nothing: the coupon is read again) and its time is a second after it arrived, so
        it is applied after the changes of that second.
        """
        topic = headers.get(TOPIC_HEADER)
        if not topic:
            return None
        resource = headers.get(RESOURCE_HEADER) or topic.partition(".")[0]
        try:
            payload = json.loads(body)
        except ValueError:
            return None
        if not isinstance(payload, dict) or not _is_id(payload.get("id")):
            return None
        delivery_id = headers.get(DELIVERY_ID_HEADER) or None
        event = headers.get(EVENT_HEADER) or topic.partition(".")[2]
        modified = payload.get("date_modified_gmt")
        try:
            changed_at = mapping.parse_gmt(modified)
        except ValueError:
            return None
        if event == "deleted" or changed_at is None:
            if delivery_id is None:
                return None
            key = f"{resource}:{payload['id']}:{event}:{delivery_id}"
            return DeliveryInfo(topic, key, None, datetime.now(UTC) + MODIFIED_RESOLUTION)
        # WordPress keeps date_modified to the second: two changes within one second share
        # it, so the body's digest tells them apart (the same change has the same body).
        digest = hashlib.sha256(body).hexdigest()[:BODY_DIGEST_CHARS]
        key = f"{resource}:{payload['id']}:{event}:{changed_at:%Y-%m-%dT%H:%M:%S}:{digest}"
        # The change happened within that second: a pull that started after its end saw it
        # (or newer), one that started within it may not have. The event time is the end.
        return DeliveryInfo(topic, key, delivery_id, changed_at + MODIFIED_RESOLUTION)

    def event(self, topic: str, payload: Any) -> WebhookEvent:
        if not isinstance(payload, dict):
            raise ValueError("the payload is not a JSON object")
        if topic == COUPON_DELETED:
            # ASSUMPTION (class-wc-webhook.php): only {"id": N}; the coupon is found by id.
            if not _is_id(payload.get("id")):
                raise ValueError(f"coupon id {payload.get('id')!r} is not a number")
            # Trashed, or restored since: the coupon is read again when this is applied.
            coupon_id = int(payload["id"])
            return CodesToRecheck(
                (str(coupon_id),), sources.WooSource(ids=(coupon_id,)).platform_id
            )
        if topic in (COUPON_CREATED, COUPON_UPDATED, COUPON_RESTORED):
            # The payload is the coupon as GET /coupons/{id} shows it: its state (status,
            # expiry, usage against the limit) decides whether the pool may hand it out.
            try:
                code = mapping.shop_code(payload, datetime.now(UTC))
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"the coupon payload lacks or mangles {error}") from None
            return CodesAdded((), (code,))
        if topic in (ORDER_CREATED, ORDER_UPDATED):
            try:
                return OrderChanged(mapping.order_with_codes(payload))
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"the order payload lacks or mangles {error}") from None
        raise ValueError(f"topic {topic!r} is not one promosync applies")

    def holds(self, source_id: str, code: ShopCode) -> bool:
        """True when the linked source (a prefix or id list) holds ``code``."""
        source = sources.parse(source_id)
        if source is None:
            return False
        if source.prefix is not None:
            return source.matches(code.code) and code.platform_id != str(source.template_id)
        return code.platform_id.isdigit() and int(code.platform_id) in source.ids


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
