"""SQLAlchemy 2 typed models: the persistent shape of campaigns and their pools.

The invariants that must hold even if application logic were wrong are
constraints here, not checks in Python:

- a code is unique per store scope, on its comparison key (``uq_codes_scope_norm``);
- a store discount feeds at most one incentive (``uq_incentives_store_name_source_id``);
- a code is assigned at most once (``uq_assignments_code``);
- a creator gets at most one code per incentive (``uq_assignments_incentive_creator``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

# Stable constraint names, so migrations can refer to them on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MAX_CODE_LENGTH = 150
#: The longest comparison key of a code (``sync.codes_input.normalize_code``): Unicode
#: compatibility folding and case folding can expand a character (``İ`` becomes two,
#: the ligature ``ﬃ`` three), so the key column holds three times the longest code;
#: a code whose key is longer still is refused when it is checked.
MAX_CODE_KEY_LENGTH = 3 * MAX_CODE_LENGTH
#: The unique index behind "one discount serves one incentive".
ONE_INCENTIVE_PER_DISCOUNT = "uq_incentives_store_name_source_id"
# Column widths of what a user types; the domain checks input against these same constants
# (sync.campaigns, sync.creators) so both databases refuse the same input, with a message.
MAX_KEY_LENGTH = 64
MAX_CAMPAIGN_NAME_LENGTH = 200
MAX_HANDLE_LENGTH = 100
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path
MAX_FIRST_NAME_LENGTH = 100
#: A store's name, the key of its ``[stores.NAME]`` table (sync.config checks it).
MAX_STORE_NAME_LENGTH = 64
#: A webhook delivery or event id as a store sends it (Shopify: a UUID; room to spare).
MAX_DELIVERY_ID_LENGTH = 100
#: A code pool key for incentives not linked to a store: their codes are
#: unique among themselves, separately from every store's codes.
LOCAL_SCOPE = ""


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both backends (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Money(TypeDecorator[Decimal]):
    """Exact decimal money: NUMERIC on PostgreSQL, text on SQLite (whose NUMERIC is a float)."""

    # Unconstrained NUMERIC keeps the scale it was given: 25.00 stays 25.00 (not 25.0000).
    impl = Numeric(asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Money()}


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'active', 'completed', 'archived')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(MAX_CAMPAIGN_NAME_LENGTH))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkflowStage(Base):
    """A campaign's stage, in order; optional stages can be switched off."""

    __tablename__ = "workflow_stages"
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Incentive(Base):
    __tablename__ = "incentives"
    __table_args__ = (
        UniqueConstraint("campaign_id", "key"),
        # One discount serves one incentive, so its codes are never handed out twice. A unique
        # index rather than a table constraint: SQLite adds one without rebuilding the table.
        Index(ONE_INCENTIVE_PER_DISCOUNT, "store_name", "source_id", unique=True),
        CheckConstraint("timing IN ('pre_payment', 'post_payment')", name="timing"),
        CheckConstraint("on_drop IN ('keep', 'disable')", name="on_drop"),
        CheckConstraint("value >= 0 AND cost >= 0", name="money_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    description: Mapped[str] = mapped_column(Text)
    value: Mapped[Decimal]
    cost: Mapped[Decimal]
    timing: Mapped[str] = mapped_column(String(16))
    on_drop: Mapped[str] = mapped_column(String(8), default="keep")
    # Link to a store source (issue: Shopify). LOCAL_SCOPE when not linked.
    store_name: Mapped[str] = mapped_column(String(MAX_STORE_NAME_LENGTH), default=LOCAL_SCOPE)
    source_id: Mapped[str | None] = mapped_column(String(200))
    source_title: Mapped[str | None] = mapped_column(String(300))
    source_status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Code(Base):
    """One promo code in an incentive's pool.

    ``status``: ``available`` (secret, claimable), ``assigned`` (released to a
    creator), ``quarantined`` (gone from the store or its discount unusable;
    never handed out), ``revoked`` (released, then disabled after a drop).
    """

    __tablename__ = "codes"
    __table_args__ = (
        UniqueConstraint("scope", "code_norm", name="uq_codes_scope_norm"),
        CheckConstraint(
            "status IN ('available', 'assigned', 'quarantined', 'revoked')", name="status"
        ),
        Index("ix_codes_claim", "incentive_id", "status", "id"),
        # Webhooks that name a code only by its store id (WooCommerce's coupon.deleted).
        Index("ix_codes_scope_platform_id", "scope", "platform_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    incentive_id: Mapped[int] = mapped_column(ForeignKey("incentives.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(MAX_STORE_NAME_LENGTH))
    code: Mapped[str] = mapped_column(String(MAX_CODE_LENGTH))
    code_norm: Mapped[str] = mapped_column(String(MAX_CODE_KEY_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default="available")
    origin: Mapped[str] = mapped_column(String(16), default="upload")  # upload|store|generated
    platform_id: Mapped[str | None] = mapped_column(String(200))
    quarantine_reason: Mapped[str | None] = mapped_column(String(200))
    missing_from_store: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last store pull that saw this code; codes a complete pull did not see are gone.
    last_seen_run_id: Mapped[int | None] = mapped_column(Integer)
    # When the store stops honouring the code (its discount's or coupon's end), if ever;
    # a code ending sooner than the incentive's min_validity is never handed out.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Creator(Base):
    __tablename__ = "creators"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(MAX_HANDLE_LENGTH), unique=True)
    email: Mapped[str | None] = mapped_column(String(MAX_EMAIL_LENGTH))
    first_name: Mapped[str | None] = mapped_column(String(MAX_FIRST_NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(Base):
    """A creator in a campaign, at one workflow stage."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("campaign_id", "creator_id"),
        Index("ix_memberships_campaign_stage", "campaign_id", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(32))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    moved_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(Base):
    """A code released to a creator for an incentive. Never deleted."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("incentive_id", "creator_id"),
        UniqueConstraint("code_id"),
        # What a creator already holds is read on every move (store.moving).
        Index("ix_assignments_creator", "creator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incentive_id: Mapped[int] = mapped_column(ForeignKey("incentives.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(32))  # the stage whose entry released it
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    # on_drop = disable: set when the creator is dropped; the next sync disables
    # the code in the store and sets revoked_at.
    revoke_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Rejection(Base):
    """An incentive manually rejected for a creator: no code is ever released."""

    __tablename__ = "rejections"
    __table_args__ = (
        UniqueConstraint("incentive_id", "creator_id"),
        Index("ix_rejections_creator", "creator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incentive_id: Mapped[int] = mapped_column(ForeignKey("incentives.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(Text)
    rejected_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """Append-only log of what happened: uploads, moves, assignments, errors.

    ``detail`` never holds an unassigned code (they are secret); assigned codes
    are referred to by id.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_campaign_at", "campaign_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    incentive_id: Mapped[int | None] = mapped_column(
        ForeignKey("incentives.id", ondelete="CASCADE")
    )
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
