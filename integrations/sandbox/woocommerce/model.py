"""The local shop's records: coupons, orders with their refunds, webhooks, API keys."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

TAG = re.compile(r"<[^>]*>")


def format_coupon_code(code: str, *, lowercase: bool = True) -> str:
    """``wc_format_coupon_code``: entities decoded, tags stripped, trimmed, lower-cased.

    ``lowercase=False`` is a store whose plugin removed ``wc_strtolower`` from the
    ``woocommerce_coupon_code`` filter.
    """
    cleaned = TAG.sub("", html.unescape(code)).strip()
    return cleaned.lower() if lowercase else cleaned


def code_key(code: str) -> str:
    """How MySQL's default collation compares coupon titles: case-insensitively."""
    return code.casefold()


@dataclass
class Coupon:
    """A ``shop_coupon`` post with its meta."""

    id: int
    code: str
    date_created: datetime
    date_modified: datetime
    amount: Decimal = Decimal("0")
    status: str = "publish"
    discount_type: str = "fixed_cart"
    description: str = ""
    date_expires: datetime | None = None
    usage_count: int = 0
    individual_use: bool = False
    product_ids: list[int] = field(default_factory=list)
    excluded_product_ids: list[int] = field(default_factory=list)
    usage_limit: int | None = None
    usage_limit_per_user: int | None = None
    limit_usage_to_x_items: int | None = None
    free_shipping: bool = False
    product_categories: list[int] = field(default_factory=list)
    excluded_product_categories: list[int] = field(default_factory=list)
    exclude_sale_items: bool = False
    minimum_amount: Decimal = Decimal("0")
    maximum_amount: Decimal = Decimal("0")
    email_restrictions: list[str] = field(default_factory=list)
    used_by: list[str] = field(default_factory=list)
    meta_data: list[dict[str, Any]] = field(default_factory=list)
    status_before_trash: str = "publish"


@dataclass
class CouponLine:
    """One ``coupon_lines`` entry of an order."""

    id: int
    code: str
    discount: Decimal
    discount_tax: Decimal = Decimal("0")


@dataclass
class Refund:
    """A refund of an order (its own post, sharing the post id sequence)."""

    id: int
    amount: Decimal
    reason: str
    date_created: datetime
    refunded_by: int = 1


@dataclass
class Order:
    """A ``shop_order`` with the fields promosync reads."""

    id: int
    status: str
    currency: str
    total: Decimal
    date_created: datetime
    date_modified: datetime
    order_key: str
    customer_id: int = 0
    billing_email: str = ""
    discount_total: Decimal = Decimal("0")
    date_paid: datetime | None = None
    date_completed: datetime | None = None
    coupon_lines: list[CouponLine] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    usage_recorded: bool = False  # WooCommerce's _recorded_coupon_usage_counts


@dataclass
class Webhook:
    """A webhook subscription."""

    id: int
    name: str
    status: str
    topic: str
    delivery_url: str
    secret: str
    date_created: datetime
    date_modified: datetime
    user_id: int = 1
    failure_count: int = 0

    @property
    def resource(self) -> str:
        """``coupon`` of ``coupon.created``."""
        return self.topic.split(".", 1)[0]

    @property
    def event(self) -> str:
        """``created`` of ``coupon.created``."""
        return self.topic.split(".", 1)[1] if "." in self.topic else ""


@dataclass(frozen=True)
class ApiKey:
    """A REST API key: ``read``, ``write`` or ``read_write``, owned by a user.

    ``user_can_manage`` False is a key whose user lacks the shop-manager
    capabilities (a customer's key): WooCommerce answers 403 on every route.
    """

    consumer_key: str
    consumer_secret: str
    permissions: str = "read_write"
    user_id: int = 1
    user_can_manage: bool = True

    def __repr__(self) -> str:
        return f"ApiKey(consumer_key='ck_…', permissions={self.permissions!r})"
