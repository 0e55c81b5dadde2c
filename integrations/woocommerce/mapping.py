"""Pure functions from WooCommerce's REST JSON to promosync's platform-neutral values."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.ports import OrderWithCodes, ShopCode, customer_key

#: Coupon post statuses a customer can use. ASSUMPTION: the v3 coupon JSON carries the
#: post ``status`` on current WooCommerce versions (undocumented); absent means published.
USABLE_COUPON_STATUSES = frozenset({"publish"})
#: Order statuses that mean the order was paid. ``on-hold`` is *not* one: WooCommerce puts
#: orders there while it awaits an offline payment (bank transfer, cheque).
PAID_ORDER_STATUSES = frozenset({"processing", "completed"})
#: Order statuses that mean the sale did not happen.
CANCELLED_ORDER_STATUSES = frozenset({"cancelled", "failed", "trash"})
REFUNDED = "refunded"
#: The neutral financial status of an order that was never paid (see the Shop protocol).
UNPAID = "unpaid"
#: The settings a generated coupon copies from the template coupon the merchant named.
TEMPLATE_FIELDS = (
    "amount",
    "discount_type",
    "description",
    "date_expires_gmt",
    "individual_use",
    "product_ids",
    "excluded_product_ids",
    "usage_limit",
    "usage_limit_per_user",
    "limit_usage_to_x_items",
    "free_shipping",
    "product_categories",
    "excluded_product_categories",
    "exclude_sale_items",
    "minimum_amount",
    "maximum_amount",
    "email_restrictions",
)


def parse_gmt(value: Any) -> datetime | None:
    """A ``*_gmt`` field (``2026-12-03T10:00:00``, no offset, UTC) as an aware datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def woo_datetime(when: datetime) -> str:
    """A datetime as WooCommerce's query parameters take it (ISO 8601, UTC, no offset)."""
    return when.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def unusable(coupon: Mapping[str, Any], now: datetime) -> str | None:
    """Why WooCommerce would refuse this coupon at ``now``, or None when it takes it."""
    status = coupon.get("status")
    if status is not None and status not in USABLE_COUPON_STATUSES:
        return str(status)
    expires = parse_gmt(coupon.get("date_expires_gmt"))
    if expires is not None and now > expires:
        return "expired"
    limit = coupon.get("usage_limit")
    if limit and int(coupon.get("usage_count") or 0) >= int(limit):
        return "used up"
    return None


def shop_code(coupon: Mapping[str, Any], now: datetime) -> ShopCode:
    """A coupon as a :class:`ShopCode`: its code as the store spells it, id, usage, state and
    its own end (``date_expires``), which the pool keeps so a move never hands it out too late."""
    return ShopCode(
        code=str(coupon["code"]),
        platform_id=str(coupon["id"]),
        usage_count=int(coupon.get("usage_count") or 0),
        unusable=unusable(coupon, now),
        ends_at=parse_gmt(coupon.get("date_expires_gmt")),
    )


def used_by(coupon: Mapping[str, Any]) -> tuple[str, ...]:
    """The coupon's ``used_by``, one entry per use: user ids as given, guests' billing
    e-mails as the SHA-256 hex of the trimmed, lower-cased address (never stored raw).

    ASSUMPTION: an entry with ``@`` is an e-mail (WooCommerce records the billing e-mail
    for guests, the user id otherwise); anything else is an id.
    """
    entries = coupon.get("used_by") or ()
    if not isinstance(entries, list):
        return ()
    return tuple(_user_key(str(entry)) for entry in entries if str(entry).strip())


def _user_key(entry: str) -> str:
    entry = entry.strip()
    if "@" not in entry:
        return entry
    return hashlib.sha256(entry.lower().encode()).hexdigest()


def template_settings(coupon: Mapping[str, Any]) -> dict[str, Any]:
    """What a new coupon copies from the template (everything but code, id and usage)."""
    return {name: coupon[name] for name in TEMPLATE_FIELDS if name in coupon}


def money(value: Any) -> Decimal:
    """A WooCommerce money string as an exact Decimal (empty means zero)."""
    try:
        return Decimal(str(value or "0"))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None


def order_with_codes(order: Mapping[str, Any]) -> OrderWithCodes:
    """An order with ``coupon_lines`` as :class:`OrderWithCodes`.

    ``total`` is what the customer paid and ``refunded`` what went back since (WooCommerce
    lists refunds with the order; their totals are negative). Only ``processing`` and
    ``completed`` orders count as paid; a fully refunded order says ``refunded``.
    """
    status = str(order.get("status") or "")
    refunded = sum((abs(money(r.get("total"))) for r in order.get("refunds") or ()), Decimal(0))
    created = parse_gmt(order.get("date_created_gmt"))
    paid = parse_gmt(order.get("date_paid_gmt"))
    processed = paid or created
    if processed is None:
        raise ValueError(f"order {order.get('id')} has no date_created_gmt")
    if status in PAID_ORDER_STATUSES:
        financial = "paid"
    elif status == REFUNDED:
        financial = REFUNDED
    else:
        financial = UNPAID
    return OrderWithCodes(
        platform_id=str(order["id"]),
        name=f"#{order.get('number') or order['id']}",
        processed_at=processed,
        currency=str(order.get("currency") or ""),
        total=money(order.get("total")),
        refunded=refunded,
        codes=tuple(str(line["code"]) for line in order.get("coupon_lines") or ()),
        financial_status=financial,
        cancelled=status in CANCELLED_ORDER_STATUSES,
        test=False,  # WooCommerce has no test orders
        updated_at=parse_gmt(order.get("date_modified_gmt")),
        # WooCommerce gives guests customer_id 0: they are told apart by billing e-mail.
        customer_key=customer_key(
            str(order.get("customer_id") or "") or None,
            (order.get("billing") or {}).get("email"),
        ),
    )
