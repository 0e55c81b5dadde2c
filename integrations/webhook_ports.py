"""Webhooks as promosync sees them, whatever the platform that sends them.

Each platform package provides a :class:`WebhookIntake`: it names the sending
shop, verifies the signature on the raw body, reads the delivery's id and event
time from the headers, and turns a verified payload into one of the neutral
:data:`WebhookEvent` values below. The web route and the inbox processor in
``sync/`` only ever see these types.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from integrations.ports import OrderWithCodes, ShopCode


@dataclass(frozen=True)
class DeliveryInfo:
    """What a delivery's headers (and, where the platform needs it, its body) say about it."""

    topic: str
    delivery_id: str  # the same for every copy of this change: the inbox key
    event_id: str | None
    triggered_at: datetime | None


@dataclass(frozen=True)
class CodesAdded:
    """Codes added to (or changed in) a code source in the store.

    A code whose ``unusable`` says why the store would refuse it is pooled quarantined
    (or quarantined if pooled); one usable again comes back. ``source_ids`` empty: the
    payload names no source, the intake's :meth:`WebhookIntake.holds` tells which
    linked source holds each code.
    """

    source_ids: tuple[str, ...]  # every spelling of the source's id a link may hold
    codes: tuple[ShopCode, ...]  # empty when the payload named none: pull the source


@dataclass(frozen=True)
class CodesRemoved:
    """Codes deleted from a code source in the store."""

    source_ids: tuple[str, ...]
    codes: tuple[str, ...]  # empty when the payload named none: pull the source


@dataclass(frozen=True)
class CodesToRecheck:
    """Codes changed in the store, named only by their store ids (a payload that says
    nothing else, such as WooCommerce's ``coupon.deleted``): the pools holding them read
    ``lookup`` through the shop when the event is applied and take what the store says
    then (codes it no longer lists are gone)."""

    code_ids: tuple[str, ...]
    lookup: str  # a source id naming exactly these codes, for Shop.iter_codes


@dataclass(frozen=True)
class SourceChanged:
    """A code source was changed or deleted: its status must be read again."""

    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class OrderChanged:
    """An order was created or paid (the payload holds the order as the store sees it)."""

    order: OrderWithCodes


@dataclass(frozen=True)
class OrderRefunded:
    """Money of an order went back: the order's refunded total must be read again."""

    order_id: str


WebhookEvent = (
    CodesAdded | CodesRemoved | CodesToRecheck | SourceChanged | OrderChanged | OrderRefunded
)


class WebhookIntake(Protocol):
    """One platform's webhook deliveries: identify, verify, read, normalize."""

    platform: str
    #: The topics promosync applies, as the platform names them in deliveries.
    topics: frozenset[str]

    def identity(self, address: str) -> str | None:
        """The identity of a configured store address (``shop`` / ``url``), as
        :meth:`shop_of` names the sender; None when it cannot be one."""
        ...

    def is_ping(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """True for an unsigned test delivery the platform expects 200 for (nothing stored)."""
        ...

    def shop_of(self, headers: Mapping[str, str]) -> str | None:
        """The sending shop's identity, comparable with :meth:`identity` of a config."""
        ...

    def verify(self, body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> bool:
        """True when the body was signed with one of ``secrets`` (constant-time)."""
        ...

    def delivery(self, headers: Mapping[str, str], body: bytes) -> DeliveryInfo | None:
        """Topic, inbox key, event id and time of a verified delivery; None when a required
        header (or body field) is missing."""
        ...

    def event(self, topic: str, payload: Any) -> WebhookEvent:
        """The neutral event of a verified payload; ValueError when its shape is wrong."""
        ...

    def holds(self, source_id: str, code: ShopCode) -> bool:
        """True when the linked source ``source_id`` holds ``code`` (for events that name
        codes but no source)."""
        ...


def body_signature(body: bytes, secret: str) -> str:
    """Base64 HMAC-SHA256 of a raw body: how Shopify and WooCommerce both sign deliveries."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signed_by_any(body: bytes, given: str | None, secrets: Sequence[str]) -> bool:
    """Whether ``given`` is ``body``'s signature under one of ``secrets`` (constant time).

    Every secret is tried (no early exit), so timing says nothing about which matched.
    """
    if not given:
        return False
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(body_signature(body, secret).encode(), given.encode())
    return matched
