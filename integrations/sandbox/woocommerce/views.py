"""Records rendered as WooCommerce REST v3 JSON (the ``view``/``edit`` contexts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any

from .constants import API_PREFIX
from .model import Coupon, Order, Refund, Webhook

Json = dict[str, Any]


@dataclass(frozen=True)
class Site:
    """What rendering needs to know about the site: its URL and timezone."""

    home_url: str
    timezone: tzinfo = UTC

    def link(self, path: str) -> str:
        """An absolute REST URL for ``path`` under ``/wp-json/wc/v3``."""
        return f"{self.home_url}{API_PREFIX}/{path}"


def money(value: Decimal) -> str:
    """``wc_format_decimal($value, 2)``: two decimals, as a string."""
    return f"{value.quantize(Decimal('0.01')):f}"


def local_date(moment: datetime | None, site: Site) -> str | None:
    """``wc_rest_prepare_date_response($date, false)``: site time, no offset."""
    if moment is None:
        return None
    return moment.astimezone(site.timezone).strftime("%Y-%m-%dT%H:%M:%S")


def gmt_date(moment: datetime | None) -> str | None:
    """``wc_rest_prepare_date_response($date)``: GMT, no offset."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _dates(name: str, moment: datetime | None, site: Site) -> Json:
    return {name: local_date(moment, site), f"{name}_gmt": gmt_date(moment)}


def _links(site: Site, collection: str, item_id: int) -> Json:
    return {
        "self": [{"href": site.link(f"{collection}/{item_id}")}],
        "collection": [{"href": site.link(collection)}],
    }


def coupon_json(coupon: Coupon, site: Site) -> Json:
    """A coupon as ``GET /coupons/{id}`` answers it."""
    return {
        "id": coupon.id,
        "code": coupon.code,
        "amount": money(coupon.amount),
        "status": coupon.status,
        **_dates("date_created", coupon.date_created, site),
        **_dates("date_modified", coupon.date_modified, site),
        "discount_type": coupon.discount_type,
        "description": coupon.description,
        **_dates("date_expires", coupon.date_expires, site),
        "usage_count": coupon.usage_count,
        "individual_use": coupon.individual_use,
        "product_ids": list(coupon.product_ids),
        "excluded_product_ids": list(coupon.excluded_product_ids),
        "usage_limit": coupon.usage_limit or None,
        "usage_limit_per_user": coupon.usage_limit_per_user or None,
        "limit_usage_to_x_items": coupon.limit_usage_to_x_items or None,
        "free_shipping": coupon.free_shipping,
        "product_categories": list(coupon.product_categories),
        "excluded_product_categories": list(coupon.excluded_product_categories),
        "exclude_sale_items": coupon.exclude_sale_items,
        "minimum_amount": money(coupon.minimum_amount),
        "maximum_amount": money(coupon.maximum_amount),
        "email_restrictions": list(coupon.email_restrictions),
        "used_by": list(coupon.used_by),
        "meta_data": [dict(m) for m in coupon.meta_data],
        "_links": _links(site, "coupons", coupon.id),
    }


def _address(email: str | None) -> Json:
    fields = ("first_name", "last_name", "company", "address_1", "address_2", "city")
    address: Json = {name: "" for name in fields}
    address.update({"state": "", "postcode": "", "country": ""})
    if email is not None:
        address.update({"email": email, "phone": ""})
    return address


def order_json(order: Order, site: Site) -> Json:
    """An order as ``GET /orders/{id}`` answers it (line items, taxes and fees left empty)."""
    return {
        "id": order.id,
        "parent_id": 0,
        "status": order.status,
        "currency": order.currency,
        "version": "",
        "prices_include_tax": False,
        **_dates("date_created", order.date_created, site),
        **_dates("date_modified", order.date_modified, site),
        "discount_total": money(order.discount_total),
        "discount_tax": "0.00",
        "shipping_total": "0.00",
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": money(order.total),
        "total_tax": "0.00",
        "customer_id": order.customer_id,
        "order_key": order.order_key,
        "billing": _address(order.billing_email),
        "shipping": _address(None),
        "payment_method": "bacs",
        "payment_method_title": "Direct bank transfer",
        "transaction_id": "",
        "customer_ip_address": "",
        "customer_user_agent": "",
        "created_via": "checkout",
        "customer_note": "",
        **_dates("date_completed", order.date_completed, site),
        **_dates("date_paid", order.date_paid, site),
        "cart_hash": "",
        "number": str(order.id),
        "meta_data": [],
        "line_items": [],
        "tax_lines": [],
        "shipping_lines": [],
        "fee_lines": [],
        "coupon_lines": [
            {
                "id": line.id,
                "code": line.code,
                "discount": money(line.discount),
                "discount_tax": money(line.discount_tax),
                "meta_data": [],
            }
            for line in order.coupon_lines
        ],
        "refunds": [
            {"id": refund.id, "reason": refund.reason, "total": money(-refund.amount)}
            for refund in order.refunds
        ],
        "payment_url": f"{site.home_url}/checkout/order-pay/{order.id}/?pay_for_order=true",
        "is_editable": order.status in ("pending", "on-hold", "checkout-draft"),
        "needs_payment": order.status in ("pending", "failed"),
        "needs_processing": True,
        "currency_symbol": "",
        "_links": _links(site, "orders", order.id),
    }


def refund_json(order: Order, refund: Refund, site: Site) -> Json:
    """A refund as ``GET /orders/{id}/refunds`` lists it (amount positive)."""
    return {
        "id": refund.id,
        **_dates("date_created", refund.date_created, site),
        "amount": money(refund.amount),
        "reason": refund.reason,
        "refunded_by": refund.refunded_by,
        "refunded_payment": False,
        "meta_data": [],
        "line_items": [],
        "_links": _links(site, f"orders/{order.id}/refunds", refund.id),
    }


def webhook_json(webhook: Webhook, site: Site, *, edit: bool = False) -> Json:
    """A webhook; the secret only in the ``edit`` context (create and update answers)."""
    body: Json = {
        "id": webhook.id,
        "name": webhook.name,
        "status": webhook.status,
        "topic": webhook.topic,
        "resource": webhook.resource,
        "event": webhook.event,
        "hooks": [],
        "delivery_url": webhook.delivery_url,
        **_dates("date_created", webhook.date_created, site),
        **_dates("date_modified", webhook.date_modified, site),
        "_links": _links(site, "webhooks", webhook.id),
    }
    if edit:
        body["secret"] = webhook.secret
    return body
