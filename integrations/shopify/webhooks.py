"""Shopify webhook deliveries: verify the HMAC, read the headers, normalize payloads.

Shopify signs the raw body: ``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256
of it with the app's client secret. Payloads are REST-shaped (snake_case keys,
numeric ids beside ``admin_graphql_api_id``). Where a payload's shape is not
documented, the assumption is marked and the event asks ``sync/`` to read what
it needs through the API instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.ports import OrderWithCodes, ShopCode
from integrations.shopify.domain import normalize_shop
from integrations.shopify.gid import DISCOUNT_CODE_NODE, DISCOUNT_NODE, Gid, discount_number
from integrations.shopify.mapping import parse_datetime
from integrations.webhook_ports import (
    CodesAdded,
    CodesRemoved,
    DeliveryInfo,
    OrderChanged,
    OrderRefunded,
    SourceChanged,
    WebhookEvent,
    body_signature,
    signed_by_any,
)

PLATFORM = "shopify"
# Header names, lower-case (headers are looked up case-insensitively).
HMAC_HEADER = "x-shopify-hmac-sha256"
SHOP_HEADER = "x-shopify-shop-domain"
TOPIC_HEADER = "x-shopify-topic"
WEBHOOK_ID_HEADER = "x-shopify-webhook-id"
EVENT_ID_HEADER = "x-shopify-event-id"
TRIGGERED_AT_HEADER = "x-shopify-triggered-at"
API_VERSION_HEADER = "x-shopify-api-version"

CODE_ADDED, CODE_REMOVED = "discounts/redeemcode_added", "discounts/redeemcode_removed"
DISCOUNT_UPDATED, DISCOUNT_DELETED = "discounts/update", "discounts/delete"
ORDER_PAID, ORDER_CREATED, REFUND_CREATED = "orders/paid", "orders/create", "refunds/create"
#: Every topic promosync subscribes to and applies.
TOPICS = frozenset(
    {
        CODE_ADDED,
        CODE_REMOVED,
        DISCOUNT_UPDATED,
        DISCOUNT_DELETED,
        ORDER_PAID,
        ORDER_CREATED,
        REFUND_CREATED,
    }
)
#: Topics that need the ``read_orders`` scope to be subscribed.
ORDER_TOPICS = frozenset({ORDER_PAID, ORDER_CREATED, REFUND_CREATED})


def sign(body: bytes, secret: str) -> str:
    """The ``X-Shopify-Hmac-Sha256`` value of ``body`` under ``secret``."""
    return body_signature(body, secret)


class ShopifyWebhooks:
    """The :class:`~integrations.webhook_ports.WebhookIntake` of Shopify."""

    platform = PLATFORM
    topics = TOPICS

    def identity(self, address: str) -> str | None:
        try:
            return normalize_shop(address)
        except ValueError:
            return None

    def is_ping(self, body: bytes, headers: Mapping[str, str]) -> bool:
        return False  # Shopify sends no unsigned test deliveries

    def shop_of(self, headers: Mapping[str, str]) -> str | None:
        value = headers.get(SHOP_HEADER)
        if not value:
            return None
        try:
            return normalize_shop(value)
        except ValueError:
            return None

    def verify(self, body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> bool:
        return signed_by_any(body, headers.get(HMAC_HEADER), secrets)

    def delivery(self, headers: Mapping[str, str], body: bytes) -> DeliveryInfo | None:
        topic, webhook_id = headers.get(TOPIC_HEADER), headers.get(WEBHOOK_ID_HEADER)
        if not topic or not webhook_id:
            return None
        triggered = headers.get(TRIGGERED_AT_HEADER)
        try:
            triggered_at = parse_datetime(triggered) if triggered else None
        except ValueError:
            triggered_at = None
        return DeliveryInfo(topic, webhook_id, headers.get(EVENT_ID_HEADER) or None, triggered_at)

    def event(self, topic: str, payload: Any) -> WebhookEvent:
        if not isinstance(payload, dict):
            raise ValueError("the payload is not a JSON object")
        if topic in (CODE_ADDED, CODE_REMOVED):
            sources = _discount_ids(payload)
            codes = _redeem_codes(payload)
            if topic == CODE_ADDED:
                return CodesAdded(sources, codes)
            return CodesRemoved(sources, tuple(c.code for c in codes))
        if topic in (DISCOUNT_UPDATED, DISCOUNT_DELETED):
            return SourceChanged(_discount_ids(payload))
        if topic in (ORDER_PAID, ORDER_CREATED):
            return OrderChanged(order_from_payload(payload))
        if topic == REFUND_CREATED:
            return OrderRefunded(_gid("Order", payload.get("order_id")))
        raise ValueError(f"topic {topic!r} is not one promosync applies")

    def holds(self, source_id: str, code: ShopCode) -> bool:
        return False  # every Shopify code event names its discount


def _gid(kind: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ValueError(f"{kind} id {value!r} is not a number")
    return str(Gid(kind, int(value)))


def _discount_ids(payload: Mapping[str, Any]) -> tuple[str, ...]:
    """Both gid spellings of the discount (links hold either family, same number).

    ASSUMPTION: discount payloads carry ``admin_graphql_api_id`` (a DiscountCodeNode or
    DiscountNode gid), like every REST-shaped payload; a bare ``id`` is the fallback.
    """
    raw = payload.get("admin_graphql_api_id") or payload.get("id")
    try:
        number = discount_number(str(raw))
    except ValueError:
        raise ValueError(f"no discount id in the payload (got {str(raw)[:80]!r})") from None
    return (str(Gid(DISCOUNT_CODE_NODE, number)), str(Gid(DISCOUNT_NODE, number)))


def _redeem_codes(payload: Mapping[str, Any]) -> tuple[ShopCode, ...]:
    """The redeem codes a ``discounts/redeemcode_*`` payload names.

    ASSUMPTION (undocumented shape): ``redeem_code: {id, code}`` or a list under
    ``redeem_codes``. When neither is there the event names no code, and the processor
    pulls the whole discount instead.
    """
    found = payload.get("redeem_codes")
    items = found if isinstance(found, list) else [payload.get("redeem_code")]
    codes = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            codes.append(ShopCode(code=item["code"], platform_id=str(item.get("id") or "")))
    return tuple(codes)


def order_from_payload(payload: Mapping[str, Any]) -> OrderWithCodes:
    """An ``orders/*`` payload → the same :class:`OrderWithCodes` ``sync orders`` reads.

    Money is the shop currency (``*_set.shop_money``), as the pull's ``totalPriceSet``.
    ASSUMPTION: ``refunds[].transactions[]`` with ``kind: refund`` and ``status: success``
    hold what was refunded (REST order shape); the pull's ``totalRefundedSet`` corrects it.
    """
    try:
        money = payload.get("total_price_set", {}).get("shop_money") or {}
        total = Decimal(str(money.get("amount", payload["total_price"])))
        currency = str(money.get("currency_code") or payload["currency"])
        processed = payload.get("processed_at") or payload["created_at"]
        refunded = sum(
            (
                Decimal(str(t["amount"]))
                for refund in payload.get("refunds") or ()
                for t in refund.get("transactions") or ()
                if t.get("kind") == "refund" and t.get("status") == "success"
            ),
            Decimal(0),
        )
        return OrderWithCodes(
            platform_id=str(payload.get("admin_graphql_api_id") or _gid("Order", payload["id"])),
            name=str(payload.get("name") or ""),
            processed_at=parse_datetime(str(processed)),
            currency=currency,
            total=total,
            codes=tuple(
                str(d["code"]) for d in payload.get("discount_codes") or () if d.get("code")
            ),
            financial_status=str(payload.get("financial_status") or "").lower(),
            cancelled=payload.get("cancelled_at") is not None,
            test=bool(payload.get("test")),
            updated_at=_optional_time(payload.get("updated_at")),
            refunded=refunded,
        )
    except (KeyError, TypeError, AttributeError, InvalidOperation) as error:
        raise ValueError(f"the order payload lacks or mangles {error}") from None


def _optional_time(value: object) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) and value else None
