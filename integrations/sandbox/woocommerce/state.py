"""The local WooCommerce: coupons, orders, webhooks and API keys behind one lock.

:class:`SandboxWooShop` is both the state the REST routes read and write and
the in-process API with which tests and the demo act "as the merchant in
wp-admin" (add a coupon, take an order, refund it) without going through REST.
Every change a merchant or the API makes is announced to the listeners
(the webhook deliveries) as ``(topic, payload)``.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

from ..clock import Clock, system_clock
from .constants import (
    CONSUMER_KEY_PREFIX,
    CONSUMER_SECRET_PREFIX,
    DEFAULT_CURRENCY,
    DEFAULT_SITE_NAME,
    FIRST_POST_ID,
    FIRST_WEBHOOK_ID,
    KEY_PERMISSIONS,
    KEY_RANDOM_HEX,
    ORDER_STATUSES,
    PAID_STATUSES,
    USAGE_HOLDING_STATUSES,
    WC_VERSION,
)
from .errors import CouponCodeTaken, UnknownCoupon, UnknownOrder, UnknownWebhook
from .model import ApiKey, Coupon, CouponLine, Order, Refund, Webhook, code_key, format_coupon_code
from .views import Json, Site, coupon_json, order_json

MONEY_FIELDS = frozenset({"amount", "minimum_amount", "maximum_amount"})

EventListener = Callable[[str, int, Json], None]
"""Called with (topic, resource id, payload) after each change, under the shop lock."""


def _now_in_seconds(clock: Clock) -> datetime:
    # WordPress stores dates to the second; modified_after compares at that grain.
    return clock().astimezone(UTC).replace(microsecond=0)


class SandboxWooShop:
    """A thread-safe, in-memory WooCommerce store with one read/write API key.

    Args:
        name, currency: the site title and the store currency.
        utc_offset_hours: the site timezone (dates without ``_gmt`` are in it).
        wc_version: what ``/system_status`` reports.
        lowercase_codes: WooCommerce core lower-cases codes on save; False is a
            store whose plugin removed that filter.
        strip_authorization: the web server drops the ``Authorization`` header
            before PHP sees it, so Basic auth fails and only the query string works.
        batch_limit: items per ``/batch`` request (``woocommerce_rest_batch_items_limit``).
        clock: time source.
    """

    def __init__(
        self,
        *,
        name: str = DEFAULT_SITE_NAME,
        currency: str = DEFAULT_CURRENCY,
        utc_offset_hours: float = 0.0,
        wc_version: str = WC_VERSION,
        lowercase_codes: bool = True,
        strip_authorization: bool = False,
        batch_limit: int = 100,
        clock: Clock = system_clock,
    ) -> None:
        self.name = name
        self.currency = currency
        self.timezone: tzinfo = timezone(timedelta(hours=utc_offset_hours))
        self.wc_version = wc_version
        self.lowercase_codes = lowercase_codes
        self.strip_authorization = strip_authorization
        self.batch_limit = batch_limit
        self.clock = clock
        self.home_url = "http://127.0.0.1"  # set by the server once it listens
        self.lock = threading.RLock()
        self.keys: dict[str, ApiKey] = {}
        self.coupons: dict[int, Coupon] = {}
        self.orders: dict[int, Order] = {}
        self.webhooks: dict[int, Webhook] = {}
        self._by_code: dict[str, set[int]] = {}  # code_key -> ids of coupons with that code
        self.listeners: list[EventListener] = []
        self._post_ids = itertools.count(FIRST_POST_ID)
        self._line_ids = itertools.count(1)
        self._webhook_ids = itertools.count(FIRST_WEBHOOK_ID)
        self.api_key = self.add_key("read_write")

    # --- site and keys ----------------------------------------------------------

    @property
    def site(self) -> Site:
        """URL and timezone for rendering."""
        return Site(self.home_url, self.timezone)

    def now(self) -> datetime:
        """The current time, truncated to the second as WordPress stores it."""
        return _now_in_seconds(self.clock)

    def add_key(self, permissions: str = "read_write", *, user_can_manage: bool = True) -> ApiKey:
        """Create an API key (``read``, ``write`` or ``read_write``) and return it."""
        if permissions not in KEY_PERMISSIONS:
            raise ValueError(f"permissions must be one of {KEY_PERMISSIONS}, not {permissions!r}")
        key = ApiKey(
            CONSUMER_KEY_PREFIX + secrets.token_hex(KEY_RANDOM_HEX // 2),
            CONSUMER_SECRET_PREFIX + secrets.token_hex(KEY_RANDOM_HEX // 2),
            permissions,
            user_can_manage=user_can_manage,
        )
        with self.lock:
            self.keys[key.consumer_key] = key
        return key

    def revoke_key(self, key: ApiKey) -> None:
        """Delete an API key (as the merchant does in WooCommerce > Settings)."""
        with self.lock:
            self.keys.pop(key.consumer_key, None)

    def next_post_id(self) -> int:
        """The next id of the shared WordPress post sequence."""
        return next(self._post_ids)

    # --- events -----------------------------------------------------------------

    def emit(self, topic: str, resource_id: int, payload: Json) -> None:
        """Tell the listeners about a change (called with the lock held)."""
        for listener in list(self.listeners):
            listener(topic, resource_id, payload)

    def _coupon_event(self, event: str, coupon: Coupon) -> None:
        payload = {"id": coupon.id} if event == "deleted" else coupon_json(coupon, self.site)
        self.emit(f"coupon.{event}", coupon.id, payload)

    def _order_event(self, event: str, order: Order) -> None:
        self.emit(f"order.{event}", order.id, order_json(order, self.site))

    # --- coupons ----------------------------------------------------------------

    def format_code(self, code: str) -> str:
        """The code as this store saves it (``wc_format_coupon_code``)."""
        return format_coupon_code(code, lowercase=self.lowercase_codes)

    def published_coupon_id(self, code: str, exclude: int = 0) -> int:
        """``wc_get_coupon_id_by_code``: a published coupon with this code, or 0.

        Compared case-insensitively (MySQL's default collation); trashed and
        draft coupons do not count.
        """
        key = code_key(self.format_code(code))
        with self.lock:
            for coupon_id in sorted(self._by_code.get(key, ())):
                coupon = self.coupons[coupon_id]
                if coupon.id != exclude and coupon.status == "publish":
                    return coupon.id
        return 0

    def coupon(self, coupon_id: int) -> Coupon:
        """The coupon with this id; raises :class:`UnknownCoupon`."""
        found = self.coupons.get(coupon_id)
        if found is None:
            raise UnknownCoupon(coupon_id)
        return found

    def insert_coupon(self, changes: Mapping[str, Any]) -> Coupon:
        """Create a coupon from validated fields (code already checked); emits coupon.created."""
        with self.lock:
            now = self.now()
            coupon = Coupon(id=self.next_post_id(), code="", date_created=now, date_modified=now)
            self._apply(coupon, changes)
            self.coupons[coupon.id] = coupon
            self._coupon_event("created", coupon)
            return coupon

    def change_coupon(self, coupon: Coupon, changes: Mapping[str, Any]) -> None:
        """Apply validated fields to a coupon; emits coupon.updated."""
        with self.lock:
            self._apply(coupon, changes)
            coupon.date_modified = self.now()
            self._coupon_event("updated", coupon)

    def _apply(self, coupon: Coupon, changes: Mapping[str, Any]) -> None:
        for name, value in changes.items():
            if name == "code":
                self._by_code.get(code_key(coupon.code), set()).discard(coupon.id)
                coupon.code = self.format_code(value)
                self._by_code.setdefault(code_key(coupon.code), set()).add(coupon.id)
            elif name == "meta_data":
                self._apply_meta(coupon, value)
            elif name in MONEY_FIELDS:
                setattr(coupon, name, Decimal(str(value or 0)))
            else:
                setattr(coupon, name, value)

    def _apply_meta(self, coupon: Coupon, entries: Iterable[Mapping[str, Any]]) -> None:
        for entry in entries:
            existing = next((m for m in coupon.meta_data if m["key"] == entry["key"]), None)
            if existing is not None:
                existing["value"] = entry.get("value")
            else:
                meta_id = next(self._line_ids)
                coupon.meta_data.append(
                    {"id": meta_id, "key": entry["key"], "value": entry.get("value")}
                )

    def add_coupon(
        self,
        code: str,
        amount: Decimal | str = "10",
        *,
        allow_duplicate: bool = False,
        **fields: Any,
    ) -> int:
        """Add a coupon as the merchant does in wp-admin; returns its id.

        ``fields`` are :class:`Coupon` attributes (``usage_limit=1``, ``status="draft"``,
        ``date_expires=datetime``...). wp-admin saves a duplicate code with only a
        warning; here that needs ``allow_duplicate=True``, else :class:`CouponCodeTaken`.
        """
        with self.lock:
            if not allow_duplicate and self.published_coupon_id(code):
                raise CouponCodeTaken(code)
            return self.insert_coupon({"code": code, "amount": Decimal(amount), **fields}).id

    def update_coupon(self, coupon_id: int, **fields: Any) -> None:
        """Change a coupon's fields as the merchant does; emits coupon.updated."""
        with self.lock:
            self.change_coupon(self.coupon(coupon_id), fields)

    def trash_coupon(self, coupon_id: int) -> Coupon:
        """Move a coupon to the trash (``wp_trash_post``); emits coupon.deleted."""
        with self.lock:
            coupon = self.coupon(coupon_id)
            coupon.status_before_trash = coupon.status
            coupon.status = "trash"
            coupon.date_modified = self.now()
            self._coupon_event("deleted", coupon)
            return coupon

    def restore_coupon(self, coupon_id: int) -> None:
        """Take a coupon out of the trash (``wp_untrash_post``); emits coupon.restored.

        ASSUMPTION: it returns to its status before trashing (WordPress >= 5.6
        restores to ``draft`` unless a filter says otherwise; shops differ).
        """
        with self.lock:
            coupon = self.coupon(coupon_id)
            coupon.status = coupon.status_before_trash
            coupon.date_modified = self.now()
            self._coupon_event("restored", coupon)

    def delete_coupon(self, coupon_id: int) -> Coupon:
        """Delete a coupon for good (``force=true``); no webhook topic covers this."""
        with self.lock:
            coupon = self.coupons.pop(self.coupon(coupon_id).id)
            self._by_code[code_key(coupon.code)].discard(coupon.id)
            return coupon

    def coupon_by_code(self, code: str) -> Coupon | None:
        """Any coupon (any status) spelled like ``code`` in any case, newest first."""
        key = code_key(self.format_code(code))
        with self.lock:
            ids = self._by_code.get(key)
            return self.coupons[max(ids)] if ids else None

    # --- orders -----------------------------------------------------------------

    def order(self, order_id: int) -> Order:
        """The order with this id; raises :class:`UnknownOrder`."""
        found = self.orders.get(order_id)
        if found is None:
            raise UnknownOrder(order_id)
        return found

    def place_order(
        self,
        codes: Sequence[str] = (),
        total: Decimal | str = "49.90",
        *,
        status: str = "processing",
        discount: Decimal | str = "5.00",
        currency: str | None = None,
        customer_id: int = 0,
        billing_email: str = "buyer@example.com",
    ) -> int:
        """Record an order that used ``codes`` (each discounting ``discount``); returns its id.

        The coupons' ``usage_count`` goes up and ``used_by`` gains the customer id
        (or the billing email for guests) when the status holds usage.
        """
        if status not in ORDER_STATUSES:
            raise ValueError(f"status must be one of {ORDER_STATUSES}, not {status!r}")
        with self.lock:
            now = self.now()
            lines = []
            for code in codes:
                coupon = self.coupon_by_code(code)
                if coupon is None:
                    raise UnknownCoupon(0)
                lines.append(CouponLine(next(self._line_ids), coupon.code, Decimal(discount)))
            order = Order(
                id=self.next_post_id(),
                status=status,
                currency=currency or self.currency,
                total=Decimal(total),
                date_created=now,
                date_modified=now,
                order_key="wc_order_" + secrets.token_hex(6),
                customer_id=customer_id,
                billing_email=billing_email,
                discount_total=sum((line.discount for line in lines), Decimal("0")),
                date_paid=now if status in PAID_STATUSES else None,
                date_completed=now if status == "completed" else None,
                coupon_lines=lines,
            )
            self.orders[order.id] = order
            self._sync_usage(order)
            self._order_event("created", order)
            return order.id

    def set_order_status(self, order_id: int, status: str) -> None:
        """Move an order to ``status``; usage follows, emits order.updated."""
        if status not in ORDER_STATUSES:
            raise ValueError(f"status must be one of {ORDER_STATUSES}, not {status!r}")
        with self.lock:
            order = self.order(order_id)
            now = self.now()
            order.status = status
            order.date_modified = now
            if status in PAID_STATUSES and order.date_paid is None:
                order.date_paid = now
            if status == "completed" and order.date_completed is None:
                order.date_completed = now
            self._sync_usage(order)
            self._order_event("updated", order)

    def refund_order(self, order_id: int, amount: Decimal | str, reason: str = "") -> int:
        """Refund part or all of an order; returns the refund id, emits order.updated.

        A refund of the whole remaining total moves the order to ``refunded``.
        """
        with self.lock:
            order = self.order(order_id)
            refund = Refund(self.next_post_id(), Decimal(amount), reason, self.now())
            order.refunds.insert(0, refund)  # WooCommerce lists the newest refund first
            order.date_modified = refund.date_created
            if sum(r.amount for r in order.refunds) >= order.total:
                order.status = "refunded"
            self._order_event("updated", order)
            return refund.id

    def _sync_usage(self, order: Order) -> None:
        # wc_update_coupon_usage_counts runs on pending/processing/on-hold/completed
        # (increase once) and cancelled (reduce once); refunded and failed change nothing.
        if order.status in USAGE_HOLDING_STATUSES and not order.usage_recorded:
            holds = True
        elif order.status == "cancelled" and order.usage_recorded:
            holds = False
        else:
            return
        who = str(order.customer_id) if order.customer_id else order.billing_email
        for line in order.coupon_lines:
            coupon = self.coupon_by_code(line.code)
            if coupon is None:
                continue
            # ASSUMPTION: usage is meta written by direct SQL: date_modified stays put.
            if holds:
                coupon.usage_count += 1
                coupon.used_by.append(who)
            else:
                coupon.usage_count = max(0, coupon.usage_count - 1)
                if who in coupon.used_by:
                    coupon.used_by.remove(who)
        order.usage_recorded = holds

    # --- webhooks ---------------------------------------------------------------

    def webhook(self, webhook_id: int) -> Webhook:
        """The webhook with this id; raises :class:`UnknownWebhook`."""
        found = self.webhooks.get(webhook_id)
        if found is None:
            raise UnknownWebhook(webhook_id)
        return found

    def add_webhook(
        self, topic: str, delivery_url: str, *, secret: str | None = None, name: str = ""
    ) -> Webhook:
        """Register a webhook (no ping; the REST route sends one)."""
        with self.lock:
            now = self.now()
            webhook = Webhook(
                id=next(self._webhook_ids),
                name=name or f"Webhook created on {now:%b %d, %Y @ %I:%M %p}",
                status="active",
                topic=topic,
                delivery_url=delivery_url,
                secret=secret or secrets.token_urlsafe(38)[:50],
                date_created=now,
                date_modified=now,
            )
            self.webhooks[webhook.id] = webhook
            return webhook
