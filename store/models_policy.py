"""Models for keeping pools healthy: incentive policies, refills, leaks and alerts.

- ``IncentivePolicy``: per incentive, how long a code must stay valid to be handed out,
  when holders are warned before expiry, what counts as a leak and what happens then,
  and how the pool is refilled (no row: the defaults).
- ``Refill``: one refill of a pool, reserved (``running``) *before* the store is asked,
  so the daily cap holds across workers and a crashed refill is still counted.
- ``CodeLeak``: a released code found leaked; unique per code, so detection running
  twice (or on two workers) records it once. With ``disable_and_reissue`` it is the
  durable intent of the response: the replacement is reserved in it before the store
  call, and the local swap settles it.
- ``AlertMark``: an alert already raised (``code.expiring`` for a code, ``pool.low``
  for an incentive on a day), so a periodic check raises it once.
- ``NotifyCursor``: how far outbound webhooks got through the event log, with a lease
  so one worker sends at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, utcnow

ON_LEAK_POLICIES = ("flag", "disable_and_reissue")
REFILL_MODES = ("off", "fixed", "auto")
LEAK_STATES = ("flagged", "reissue_pending", "reissued", "disabled")
REFILL_STATES = ("running", "done", "failed")


class IncentivePolicy(Base):
    __tablename__ = "incentive_policies"
    __table_args__ = (
        CheckConstraint("on_leak IN ('flag', 'disable_and_reissue')", name="on_leak"),
        CheckConstraint("refill_mode IN ('off', 'fixed', 'auto')", name="refill_mode"),
    )

    incentive_id: Mapped[int] = mapped_column(
        ForeignKey("incentives.id", ondelete="CASCADE"), primary_key=True
    )
    min_validity_seconds: Mapped[int | None] = mapped_column(Integer)
    warn_before_seconds: Mapped[int | None] = mapped_column(Integer)
    on_leak: Mapped[str] = mapped_column(String(24), default="flag")
    max_customers: Mapped[int | None] = mapped_column(Integer)
    max_uses: Mapped[int | None] = mapped_column(Integer)
    refill_mode: Mapped[str] = mapped_column(String(8), default="off")
    refill_below: Mapped[int | None] = mapped_column(Integer)
    refill_batch: Mapped[int | None] = mapped_column(Integer)
    refill_prefix: Mapped[str | None] = mapped_column(String(40))
    refill_max_per_day: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refill(Base):
    __tablename__ = "refills"
    __table_args__ = (Index("ix_refills_incentive_started", "incentive_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incentive_id: Mapped[int] = mapped_column(ForeignKey("incentives.id", ondelete="CASCADE"))
    requested: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="running")
    owner: Mapped[str] = mapped_column(String(160))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class CodeLeak(Base):
    __tablename__ = "code_leaks"
    __table_args__ = (UniqueConstraint("code_id"), Index("ix_code_leaks_state", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    incentive_id: Mapped[int] = mapped_column(ForeignKey("incentives.id", ondelete="CASCADE"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    reasons: Mapped[str] = mapped_column(String(200))  # comma-separated: early,customers,uses
    customers: Mapped[int] = mapped_column(Integer, default=0)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="flagged")
    replacement_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("codes.id", ondelete="SET NULL")
    )
    lease_owner: Mapped[str | None] = mapped_column(String(160))
    lease_until: Mapped[datetime | None]
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class AlertMark(Base):
    __tablename__ = "alert_marks"
    __table_args__ = (UniqueConstraint("kind", "subject"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class NotifyCursor(Base):
    __tablename__ = "notify_cursors"
    __table_args__ = (UniqueConstraint("url_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url_key: Mapped[str] = mapped_column(String(64))  # sha256 of the target URL
    last_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    lease_owner: Mapped[str | None] = mapped_column(String(160))
    lease_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
