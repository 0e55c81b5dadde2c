"""Models for what promosync learns from, and asks of, the merchant's stores.

- ``SyncRun``: one pull/usage/orders/generate/revoke run, with its counts and outcome.
- ``SyncCursor``: how far an incremental sync got; advanced only after its data committed.
- ``UsageObservation``: a code's usage count as the store reported it at a time
  (Shopify's count lags, so every observation is kept).
- ``ShopOrder`` / ``OrderCode``: store orders that used pool codes, for revenue.
- ``CodeRequest``: a code promosync asked the store to create, recorded *before* the
  call, so a crash between asking and hearing back is reconciled on the next run.
- ``WebhookDelivery``: a verified webhook delivery in the inbox, until it is processed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models import (
    MAX_CODE_KEY_LENGTH,
    MAX_CODE_LENGTH,
    MAX_DELIVERY_ID_LENGTH,
    MAX_STORE_NAME_LENGTH,
    Base,
    utcnow,
)


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_store_kind", "store_name", "kind", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_name: Mapped[str] = mapped_column(String(MAX_STORE_NAME_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))  # pull | usage | orders | generate | revoke
    incentive_id: Mapped[int | None] = mapped_column(
        ForeignKey("incentives.id", ondelete="CASCADE")
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|failed
    expected: Mapped[int | None]
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    # "host:pid" of the process running it, and when it last showed life: a run whose
    # process died is marked failed when the next run of the same job starts.
    owner: Mapped[str | None] = mapped_column(String(160))
    heartbeat_at: Mapped[datetime | None]


class SyncCursor(Base):
    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("store_name", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_name: Mapped[str] = mapped_column(String(MAX_STORE_NAME_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    position: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageObservation(Base):
    __tablename__ = "usage_observations"
    __table_args__ = (Index("ix_usage_observations_code_at", "code_id", "observed_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    usage_count: Mapped[int] = mapped_column(Integer)
    observed_at: Mapped[datetime]
    #: Who used the code as the store records them (ids; e-mails only hashed); NULL when
    #: the store keeps no such list (Shopify) or nobody did.
    used_by: Mapped[list[str] | None] = mapped_column(JSON)


class ShopOrder(Base):
    __tablename__ = "store_orders"
    __table_args__ = (UniqueConstraint("store_name", "platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_name: Mapped[str] = mapped_column(String(MAX_STORE_NAME_LENGTH))
    platform_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(100))
    processed_at: Mapped[datetime]
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal]
    financial_status: Mapped[str] = mapped_column(String(32), default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who ordered: the store's customer id, else a SHA-256 of the normalised e-mail (never
    # the e-mail itself); None when the store said neither. Counts distinct customers.
    customer_key: Mapped[str | None] = mapped_column(String(100))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the store has refunded of ``total`` so far (revenue is total - refunded).
    refunded: Mapped[Decimal] = mapped_column(default=Decimal(0))
    # The order's own last-change time in the store: an older copy (a late webhook, a
    # replay) never overwrites a newer one.
    source_updated_at: Mapped[datetime | None]


class OrderCode(Base):
    """A discount code used on a store order (matched to a pool code when it is one)."""

    __tablename__ = "order_codes"
    __table_args__ = (
        UniqueConstraint("order_id", "code_norm"),
        Index("ix_order_codes_code", "code_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("store_orders.id", ondelete="CASCADE"))
    code_norm: Mapped[str] = mapped_column(String(MAX_CODE_KEY_LENGTH))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id", ondelete="SET NULL"))


class CodeRequest(Base):
    """A code promosync generated and asked the store to create."""

    __tablename__ = "code_requests"
    __table_args__ = (UniqueConstraint("scope", "code_norm"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incentive_id: Mapped[int] = mapped_column(ForeignKey("incentives.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(MAX_STORE_NAME_LENGTH))
    code: Mapped[str] = mapped_column(String(MAX_CODE_LENGTH))
    code_norm: Mapped[str] = mapped_column(String(MAX_CODE_KEY_LENGTH))
    state: Mapped[str] = mapped_column(String(16), default="requested")  # requested|created|failed
    error: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)


#: Inbox states: waiting (or retrying), applied, or given up after too many attempts.
INBOX_STATES = ("pending", "done", "failed")


class WebhookDelivery(Base):
    """A verified webhook delivery, stored before it is answered and applied later.

    One row per delivery id (a store's retries of one delivery repeat it); the
    event id and trigger time are kept beside it for ordering and duplicates.
    """

    __tablename__ = "webhook_inbox"
    __table_args__ = (
        UniqueConstraint("platform", "store_name", "delivery_id"),
        Index("ix_webhook_inbox_status_triggered_at", "status", "triggered_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    store_name: Mapped[str] = mapped_column(String(MAX_STORE_NAME_LENGTH))
    delivery_id: Mapped[str] = mapped_column(String(MAX_DELIVERY_ID_LENGTH))
    event_id: Mapped[str | None] = mapped_column(String(MAX_DELIVERY_ID_LENGTH))
    topic: Mapped[str] = mapped_column(String(64))
    triggered_at: Mapped[datetime]  # when the store says the event happened
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # INBOX_STATES
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]  # after a failure: not before this
    processed_at: Mapped[datetime | None]


import store.models_policy  # noqa: E402, F401  (registers the policy tables with the sync ones)
