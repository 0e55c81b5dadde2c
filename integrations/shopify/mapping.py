"""Pure functions from Shopify's GraphQL JSON to the values of :mod:`integrations.ports`.

No I/O here: every function takes dicts and returns dataclasses, so each is
unit-tested with small builders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeGuard

from integrations.ports import (
    CodeSource,
    OrderWithCodes,
    ShopCode,
    ShopInfo,
    UsageObservation,
    WebhookSubscription,
    customer_key,
)
from integrations.shopify.gid import discount_code_node_gid
from integrations.shopify.queries import CODE_DISCOUNT_TYPES

PLATFORM = "shopify"
#: Scopes promosync needs: read codes, create/delete codes, read orders for revenue.
REQUIRED_SCOPES = frozenset({"read_discounts", "write_discounts", "read_orders"})
_STATUS = {"ACTIVE": "active", "SCHEDULED": "scheduled", "EXPIRED": "expired"}
# A status we do not know is treated as unusable: never hand out codes we cannot vouch for.
UNKNOWN_STATUS = "disabled"
EXACT_PRECISION = "EXACT"


def source_status(shopify_status: str | None) -> str:
    """Shopify ``DiscountStatus`` → ports status (``active|scheduled|expired|disabled``)."""
    return _STATUS.get(shopify_status or "", UNKNOWN_STATUS)


def code_count(raw: Mapping[str, Any] | None) -> tuple[int | None, bool]:
    """``codesCount {count precision}`` → (count, exact). None when Shopify sent no count."""
    if not raw or raw.get("count") is None:
        return None, False
    return int(raw["count"]), raw.get("precision") == EXACT_PRECISION


def is_code_discount(discount: Any) -> TypeGuard[dict[str, Any]]:
    """True for the four code-discount types (automatic discounts have no codes)."""
    return isinstance(discount, dict) and discount.get("__typename") in CODE_DISCOUNT_TYPES


def code_source(node_id: str, discount: Mapping[str, Any]) -> CodeSource:
    """A discount node (either id family) and its code discount → :class:`CodeSource`.

    ``platform_id`` is always the ``DiscountCodeNode`` gid, the family the code
    mutations take, so stored sources compare equal however the merchant named them.
    """
    count, exact = code_count(discount.get("codesCount"))
    return CodeSource(
        platform_id=discount_code_node_gid(node_id),
        title=str(discount.get("title") or ""),
        status=source_status(discount.get("status")),
        code_count=count,
        count_exact=exact,
        ends_at=parse_datetime(discount["endsAt"]) if discount.get("endsAt") else None,
    )


def shop_code(node: Mapping[str, Any]) -> ShopCode:
    """A ``DiscountRedeemCode`` node (page or bulk JSONL line) → :class:`ShopCode`."""
    usage = node.get("asyncUsageCount")
    return ShopCode(
        code=str(node["code"]),
        platform_id=str(node["id"]),
        usage_count=int(usage) if usage is not None else None,
    )


def usage_observation(
    code: ShopCode, observed_at: datetime, as_named: str | None = None
) -> UsageObservation | None:
    """A code's usage as observed now, under the caller's spelling of the code if given.

    None when Shopify did not report a count.
    """
    if code.usage_count is None:
        return None
    return UsageObservation(
        code=as_named or code.code, usage_count=code.usage_count, observed_at=observed_at
    )


def shop_info(data: Mapping[str, Any], api_version: str) -> ShopInfo:
    """The ``ShopCheck`` answer → :class:`ShopInfo`, with the scopes promosync lacks."""
    shop = data["shop"]
    granted = frozenset(
        str(scope["handle"]) for scope in data["currentAppInstallation"]["accessScopes"]
    )
    return ShopInfo(
        platform=PLATFORM,
        name=str(shop["name"]),
        domain=str(shop["myshopifyDomain"]),
        currency=str(shop["currencyCode"]),
        api_version=api_version,
        granted_scopes=granted,
        missing_scopes=missing_scopes(granted),
    )


def missing_scopes(granted: Iterable[str]) -> frozenset[str]:
    """Required scopes not granted. ``write_X`` implies ``read_X``.

    ASSUMPTION: Shopify documents that write access implies read access, but whether
    ``accessScopes`` then lists the read handle too is not stated, so we infer it.
    """
    held = set(granted)
    held |= {"read_" + s.removeprefix("write_") for s in held if s.startswith("write_")}
    return frozenset(REQUIRED_SCOPES - held)


def parse_datetime(value: str) -> datetime:
    """An ISO 8601 ``DateTime`` from Shopify (``...Z``) → aware UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def order_with_codes(node: Mapping[str, Any]) -> OrderWithCodes:
    """An ``Order`` node → :class:`OrderWithCodes`.

    ``total`` is ``totalPriceSet.shopMoney``: what the customer paid at checkout, in
    the shop currency, after discounts (before later refunds or edits).
    """
    money = node["totalPriceSet"]["shopMoney"]
    refunded = (node.get("totalRefundedSet") or {}).get("shopMoney") or {}
    return OrderWithCodes(
        platform_id=str(node["id"]),
        name=str(node["name"]),
        processed_at=parse_datetime(node["processedAt"]),
        currency=str(money["currencyCode"]),
        total=Decimal(str(money["amount"])),
        codes=tuple(str(code) for code in node.get("discountCodes") or ()),
        financial_status=str(node.get("displayFinancialStatus") or "").lower(),
        cancelled=node.get("cancelledAt") is not None,
        test=bool(node.get("test")),
        updated_at=parse_datetime(node["updatedAt"]) if node.get("updatedAt") else None,
        refunded=Decimal(str(refunded.get("amount") or 0)),
        customer_key=customer_key(
            str((node.get("customer") or {}).get("id") or "") or None, node.get("email")
        ),
    )


def creation_outcome(node: Mapping[str, Any]) -> ShopCode | str:
    """One ``DiscountRedeemCodeBulkCreationCode`` → the created code, or its error code."""
    created = node.get("discountRedeemCode")
    if created:
        return ShopCode(code=str(created["code"]), platform_id=str(created["id"]), usage_count=0)
    errors = node.get("errors") or ()
    first = errors[0] if errors else {}
    return str(first.get("code") or "FAILED")


def shopify_datetime(value: datetime) -> str:
    """An aware datetime → the UTC ISO form Shopify's search syntax accepts."""
    if value.tzinfo is None:
        raise ValueError("datetimes passed to Shopify must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def webhook_subscription(node: Mapping[str, Any]) -> WebhookSubscription:
    """A ``WebhookSubscription`` node → its id, topic (``orders/paid`` form) and URI."""
    return WebhookSubscription(
        id=str(node["id"]), topic=topic_name(str(node["topic"])), uri=str(node["uri"])
    )


def topic_enum(topic: str) -> str:
    """``orders/paid`` → ``ORDERS_PAID`` (``WebhookSubscriptionTopic``)."""
    return topic.replace("/", "_").upper()


def topic_name(enum: str) -> str:
    """``ORDERS_PAID`` → ``orders/paid``; the first underscore separates the resource."""
    resource, _, action = enum.lower().partition("_")
    return f"{resource}/{action}"
