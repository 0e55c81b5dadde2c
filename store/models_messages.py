"""Message templates and the outbox of e-mails to creators.

Invariants held by the database, not by Python:

- a template name is unique in its campaign (``uq_message_templates_campaign_id_name``);
- at most one message per (template, creator, ``once_key``), ever
  (``uq_outbox_template_id_creator_id_once_key``): replays, retries and concurrent workers
  insert with ``ON CONFLICT DO NOTHING``. ``once_key`` is ``''`` for stage and manual sends
  (so once per template and creator) and ``code:<id>`` for a message sent on a code event
  (``code.expiring``, ``code.reissued``): once per code, so a later code's event sends again;
- a message has one of the statuses below (``ck_outbox_status``).

Outbox statuses::

    queued ──claim──▶ claimed ──before DATA──▶ sending ──250──▶ sent
      ▲                 │ lease expired            │ 4xx / dropped: queued again (backoff)
      └─────────────────┘ (nothing was sent)        │ 5xx, or too many attempts: failed
                                                    │ process died: ambiguous (lease expired)
    failed / ambiguous ──``messages retry ID``──▶ queued
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models import MAX_EMAIL_LENGTH, MAX_KEY_LENGTH, Base, UTCDateTime, utcnow

#: A rendered subject fits one header line comfortably (RFC 5322 allows 998 octets).
MAX_SUBJECT_LENGTH = 300
QUEUED, CLAIMED, SENDING, SENT, FAILED, AMBIGUOUS = (
    "queued",
    "claimed",
    "sending",
    "sent",
    "failed",
    "ambiguous",
)
OUTBOX_STATUSES = (QUEUED, CLAIMED, SENDING, SENT, FAILED, AMBIGUOUS)


class MessageTemplate(Base):
    """A campaign's message: subject, plain-text body, optional HTML body, optional trigger."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    subject: Mapped[str] = mapped_column(String(MAX_SUBJECT_LENGTH))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Entering this stage (or moving past it) enqueues the message, or this code event
    # (``code.expiring``, ``code.reissued``: event names hold a dot, stage names never do);
    # None: manual only.
    send_on: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """One e-mail to one creator, rendered when it was enqueued (its content is frozen).

    ``template_id`` becomes NULL when the template is removed; messages already sent,
    failed or ambiguous stay as history (queued ones are removed with the template).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("template_id", "creator_id", "once_key"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in OUTBOX_STATUSES) + ")", name="status"
        ),
        # What a delivery run claims: due queued messages, oldest first.
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_templates.id", ondelete="SET NULL")
    )
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id", ondelete="CASCADE"))
    template_name: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    # "stage:pre_payment", "event:code.reissued" or "manual"
    trigger: Mapped[str] = mapped_column(String(48))
    # What the message is once about beside (template, creator): '' or "code:<id>".
    once_key: Mapped[str] = mapped_column(String(48), default="", server_default="")
    recipient: Mapped[str | None] = mapped_column(String(MAX_EMAIL_LENGTH))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # The left part of the Message-ID, fixed at enqueue so every attempt carries the same id.
    message_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(160))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
