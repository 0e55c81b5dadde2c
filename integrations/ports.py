"""The one interface promosync uses to talk to an e-commerce store.

The domain and the jobs in ``sync/`` only ever see these types; they never ask
which platform is behind a :class:`Shop`. Each platform package
(``integrations/shopify``, ``integrations/woocommerce``) implements the
protocol and maps its wire format to these plain values.

Values are frozen dataclasses; money is :class:`decimal.Decimal`; times are
timezone-aware UTC :class:`datetime.datetime`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class ShopError(Exception):
    """Base of every platform package's errors, so callers need not know the platform.

    ``retryable`` and ``retry_after`` are all :mod:`integrations.retry` looks at
    to decide whether and when to try again, whatever the platform; each
    platform package sets them when it builds the error.
    """

    #: True when retrying later may succeed (throttling, 5xx, dropped connections).
    retryable: bool = False
    #: Seconds the shop asked us to wait (Retry-After, a refill time), or None: back off.
    retry_after: float | None = None
    #: Why retrying stopped (attempts or time budget spent), set by the retry policy.
    gave_up: str | None = None

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message}; {self.gave_up}" if self.gave_up else message

    @property
    def summary(self) -> str:
        """What went wrong, without the way out: for progress lines such as "retrying"."""
        return super().__str__()


class ShopConfigError(ShopError):
    """The merchant or operator must change something: credentials, scopes, the shop."""


class ShopReferenceError(ShopError):
    """A discount, coupon or code the user named does not exist (or is not a code source)."""


@dataclass(frozen=True)
class ShopInfo:
    """What ``check()`` learns about a store: who it is and what we may do there."""

    platform: str  # "shopify" | "woocommerce"
    name: str  # the shop's display name
    domain: str  # e.g. "brand.myshopify.com"
    currency: str  # ISO 4217 of the shop
    api_version: str  # the API promosync speaks (and, after a space, the shop's software version)
    #: What the credential may do: Shopify access scopes, WooCommerce key permissions
    #: ("read", "write").
    granted_scopes: frozenset[str]
    missing_scopes: frozenset[str]  # permissions promosync needs and was not granted


@dataclass(frozen=True)
class SourceRef:
    """How a merchant names a code source; exactly one of the first four fields is set.

    A platform that cannot serve a kind of reference raises :class:`ShopReferenceError`
    naming the kinds it takes, so callers never ask which platform they talk to.
    """

    discount_id: str | None = None  # Shopify: gid://shopify/DiscountCodeNode/N or DiscountNode/N
    discount_code: str | None = None  # Shopify: any code of the discount
    prefix: str | None = None  # WooCommerce: coupons whose code starts with it (any case)
    code_ids: tuple[str, ...] = ()  # WooCommerce: these coupons, by id
    #: A code whose settings new codes copy (WooCommerce coupons stand alone; Shopify's
    #: codes share their discount's settings and take none).
    template_code: str | None = None


@dataclass(frozen=True)
class CodeSource:
    """A resolved source of codes in the store (a Shopify code discount, a Woo prefix)."""

    platform_id: str  # stable id in the store, e.g. "gid://shopify/DiscountCodeNode/123"
    title: str
    status: str  # "active" | "scheduled" | "expired" | "disabled"
    code_count: int | None  # the store's own count of codes, if it reports one
    count_exact: bool = True  # False when the store says the count is a lower bound
    #: Codes created in this source must start with it (compared case-insensitively);
    #: "" when any code fits (a Shopify discount).
    code_prefix: str = ""
    ends_at: datetime | None = None  # when the store stops honouring its codes, if it says

    @property
    def usable(self) -> bool:
        """Codes of an expired or disabled source must never be handed out."""
        return self.status in ("active", "scheduled")


@dataclass(frozen=True)
class ShopCode:
    """One code as the store knows it."""

    code: str  # as the store spells it (WooCommerce lower-cases codes)
    platform_id: str  # e.g. "gid://shopify/DiscountRedeemCode/456"
    usage_count: int | None = None
    #: Why the store would refuse this code now ("expired", "used up"), or None when it
    #: takes it. Shopify codes share their discount's status; WooCommerce coupons have their own.
    unusable: str | None = None
    ends_at: datetime | None = None  # this code's own end (a Woo coupon), else its source's


class CodeStream(Protocol):
    """Codes of one source, streamed page by page, with the store's own total.

    ``expected_total`` is the count the store claims (``codesCount``), read
    before streaming; a sync compares it with what it received and fails on a
    mismatch. ``resume_cursor`` (if the platform supports it) is the opaque
    cursor after the last page yielded so far.
    """

    expected_total: int | None

    def __iter__(self) -> Iterator[Sequence[ShopCode]]: ...


@dataclass(frozen=True)
class UsageObservation:
    """How often a code had been used, as the store said at ``observed_at``.

    Shopify's ``asyncUsageCount`` lags, so every observation is kept.
    """

    code: str
    usage_count: int
    observed_at: datetime
    #: Who used it, as the store records them (WooCommerce's ``used_by``): customer ids as
    #: given, e-mail addresses only as the SHA-256 hex of the trimmed, lower-cased address
    #: (never the address). Empty when the store keeps no such list (Shopify).
    used_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderWithCodes:
    """A store order that used one or more discount codes."""

    platform_id: str
    name: str
    processed_at: datetime
    currency: str
    total: Decimal  # total paid, in the shop currency, after discounts
    codes: tuple[str, ...]
    financial_status: str = ""
    cancelled: bool = False
    test: bool = False
    updated_at: datetime | None = None
    refunded: Decimal = Decimal(0)  # refunded so far, in the shop currency
    #: Who ordered, as :func:`customer_key` makes it: never an e-mail address itself.
    customer_key: str | None = None


@dataclass(frozen=True)
class WebhookSubscription:
    """A webhook the store sends to a URI, as the store lists it."""

    id: str  # the store's id of the subscription
    topic: str  # the platform's topic name as deliveries carry it, e.g. "orders/paid"
    uri: str


def customer_key(customer_id: str | None, email: str | None) -> str | None:
    """The key that tells an order's customers apart: the store's customer id where it gives
    one, else a SHA-256 of the trimmed, case-folded e-mail (so no address is kept), else None.
    """
    if customer_id:
        return f"id:{customer_id}"[:100]
    if email and email.strip():
        digest = hashlib.sha256(email.strip().casefold().encode("utf-8")).hexdigest()
        return f"email:{digest}"
    return None


@dataclass(frozen=True)
class CreationResult:
    """Outcome of asking the store to create codes: per code, created or why not."""

    created: tuple[ShopCode, ...]
    failed: dict[str, str] = field(default_factory=dict)  # code -> store error code ("TAKEN", ...)


class Shop(Protocol):
    """A merchant's store, as promosync needs it. Implemented per platform."""

    def check(self) -> ShopInfo:
        """Who the store is and which scopes we hold; raises on bad credentials."""
        ...

    def resolve_source(self, ref: SourceRef) -> CodeSource:
        """Find the discount / coupon family a merchant named; raises if absent."""
        ...

    def source_status(self, source: CodeSource) -> CodeSource:
        """Re-read a source's status and code count."""
        ...

    def iter_codes(self, source: CodeSource) -> CodeStream:
        """Stream every code of the source; never silently partial."""
        ...

    def usage(self, source: CodeSource, codes: Iterable[str]) -> Iterator[UsageObservation]:
        """Current usage count of each named code."""
        ...

    def iter_orders(self, since: datetime, codes: Iterable[str] = ()) -> Iterator[OrderWithCodes]:
        """Orders updated since ``since`` that used a code (optionally one of ``codes``).

        ``financial_status`` is the platform's word, lower-case, except that an order
        that was never paid says ``"unpaid"``; ``total`` is after refunds where the
        platform reports them with the order.
        """
        ...

    def create_codes(self, source: CodeSource, codes: Sequence[str]) -> CreationResult:
        """Create the given codes in the source; per-code failures are reported, not raised."""
        ...

    def disable_codes(self, source: CodeSource, codes: Sequence[str]) -> None:
        """Make the given codes unusable in the store; codes already gone are ignored.

        Shopify deletes the redeem codes; WooCommerce moves the coupons to the trash.
        """
        ...

    def order(self, platform_id: str) -> OrderWithCodes | None:
        """One order as the store sees it now (None: no such order)."""
        ...

    def webhook_subscriptions(self) -> list[WebhookSubscription]:
        """Every webhook subscription of this app in the store."""
        ...

    def subscribe_webhook(self, topic: str, uri: str) -> WebhookSubscription:
        """Ask the store to send ``topic`` deliveries to ``uri``."""
        ...

    def unsubscribe_webhook(self, subscription: WebhookSubscription) -> None:
        """Stop a subscription (one already gone is not an error)."""
        ...
