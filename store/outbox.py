"""The outbox's statements: enqueue at most once, claim safely, record each outcome.

Claiming (several workers, on any number of machines):

- a claim is one ``UPDATE … WHERE id IN (due ids … FOR UPDATE SKIP LOCKED) AND status =
  'queued' RETURNING …`` in its own short transaction: on PostgreSQL concurrent workers
  skip each other's rows, and the ``status`` condition, re-checked on the locked row,
  means a row is claimed once even if two subqueries saw it; on SQLite the transaction
  holds the database's write lock (``BEGIN IMMEDIATE``), so claims queue;
- every later write names the worker (``claimed_by``) and the status it expects, so a
  worker whose lease ran out and whose message was taken over changes nothing.

Enqueue inserts with ``ON CONFLICT DO NOTHING`` on (template, creator, once_key): a
replayed move or event, a retried transaction or a second worker adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store.db import Tx
from store.models import Campaign, Creator
from store.models_messages import (
    AMBIGUOUS,
    CLAIMED,
    FAILED,
    OUTBOX_STATUSES,
    QUEUED,
    SENDING,
    SENT,
    OutboxMessage,
)

_OUTBOX = cast(Table, OutboxMessage.__table__)
#: What ``messages retry`` may queue again (and ``messages outbox --failed`` shows).
RETRYABLE = (FAILED, AMBIGUOUS)


def enqueue(tx: Tx, rows: Sequence[dict[str, Any]]) -> int:
    """Insert messages, skipping any (template, creator) already in the outbox.

    Returns how many were inserted.
    """
    return sum(enqueue_one(tx, row) for row in rows)


def enqueue_one(tx: Tx, row: dict[str, Any]) -> bool:
    """Insert one message unless its (template, creator, once_key) is in the outbox; True if
    inserted (``once_key`` defaults to '', the key of stage and manual sends).

    A concurrent transaction inserting the same pair makes this one wait for it, then skip.
    """
    dialect = tx.get_bind().dialect.name
    insert: Callable[[Table], Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        dialect
    ]
    statement = (
        insert(_OUTBOX)
        .on_conflict_do_nothing(index_elements=["template_id", "creator_id", "once_key"])
        .returning(_OUTBOX.c.id)
    )
    return tx.execute(statement, {"once_key": "", **row}).first() is not None


def recipients_of(tx: Tx, template_id: int, creator_ids: Collection[int]) -> set[int]:
    """Which of ``creator_ids`` already have a message of the template (any status)."""
    if not creator_ids:
        return set()
    return set(
        tx.scalars(
            select(OutboxMessage.creator_id).where(
                OutboxMessage.template_id == template_id,
                OutboxMessage.creator_id.in_(list(creator_ids)),
            )
        )
    )


@dataclass(frozen=True)
class Claimed:
    """A message claimed by a worker: everything needed to send it."""

    id: int
    recipient: str | None
    recipient_name: str | None
    subject: str
    body_text: str
    body_html: str | None
    message_key: str
    attempts: int


_CLAIMED_COLUMNS = (
    _OUTBOX.c.id,
    _OUTBOX.c.recipient,
    _OUTBOX.c.recipient_name,
    _OUTBOX.c.subject,
    _OUTBOX.c.body_text,
    _OUTBOX.c.body_html,
    _OUTBOX.c.message_key,
    _OUTBOX.c.attempts,
)


def claim(tx: Tx, worker: str, *, now: datetime, until: datetime, limit: int) -> list[Claimed]:
    """Claim up to ``limit`` due queued messages for ``worker`` until ``until``, oldest first."""
    due = (
        select(_OUTBOX.c.id)
        .where(_OUTBOX.c.status == QUEUED, _OUTBOX.c.next_attempt_at <= now)
        .order_by(_OUTBOX.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(_OUTBOX)
        .where(_OUTBOX.c.id.in_(due), _OUTBOX.c.status == QUEUED)
        .values(status=CLAIMED, claimed_by=worker, claimed_until=until)
        .returning(*_CLAIMED_COLUMNS)
    )
    rows = tx.execute(statement).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


def expire_leases(tx: Tx, now: datetime) -> tuple[int, int]:
    """Settle messages whose worker stopped answering: (requeued, ambiguous).

    ``claimed`` past its lease: the worker never reached DATA, so nothing was sent and the
    message is queued again. ``sending`` past its lease: the worker died during the SMTP
    transaction and nobody knows whether the server accepted it: ``ambiguous``, never
    resent without ``messages retry``.
    """
    requeued = tx.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.status == CLAIMED, _OUTBOX.c.claimed_until < now)
        .values(status=QUEUED, claimed_by=None, claimed_until=None)
    )
    ambiguous = tx.execute(
        update(_OUTBOX)
        .where(_OUTBOX.c.status == SENDING, _OUTBOX.c.claimed_until < now)
        .values(
            status=AMBIGUOUS,
            claimed_until=None,
            last_error=(
                "the sending process stopped during the SMTP transaction, so the server may or "
                "may not have accepted the message"
            ),
        )
    )
    return _count(requeued), _count(ambiguous)


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _mine(message_id: int, worker: str, *statuses: str) -> Any:
    return update(_OUTBOX).where(
        _OUTBOX.c.id == message_id,
        _OUTBOX.c.claimed_by == worker,
        _OUTBOX.c.status.in_(statuses),
    )


def mark_sending(tx: Tx, message_id: int, worker: str, *, until: datetime) -> bool:
    """Just before DATA: the point after which a crash leaves the message ambiguous.

    False when the claim was lost (lease expired and taken over): do not send.
    """
    result = tx.execute(
        _mine(message_id, worker, CLAIMED).values(status=SENDING, claimed_until=until)
    )
    return _count(result) == 1


def mark_sent(tx: Tx, message_id: int, worker: str, *, now: datetime) -> bool:
    """The server accepted the message (also after it was found ambiguous meanwhile)."""
    result = tx.execute(
        _mine(message_id, worker, SENDING, AMBIGUOUS).values(
            status=SENT,
            sent_at=now,
            attempts=_OUTBOX.c.attempts + 1,
            claimed_until=None,
            last_error=None,
        )
    )
    return _count(result) == 1


def mark_retry(tx: Tx, message_id: int, worker: str, *, at: datetime, error: str) -> bool:
    """A temporary failure: queued again for ``at``."""
    result = tx.execute(
        _mine(message_id, worker, CLAIMED, SENDING).values(
            status=QUEUED,
            next_attempt_at=at,
            attempts=_OUTBOX.c.attempts + 1,
            claimed_by=None,
            claimed_until=None,
            last_error=error,
        )
    )
    return _count(result) == 1


def mark_failed(tx: Tx, message_id: int, worker: str, *, error: str) -> bool:
    """A permanent failure: kept as ``failed`` until ``messages retry``."""
    result = tx.execute(
        _mine(message_id, worker, CLAIMED, SENDING).values(
            status=FAILED,
            attempts=_OUTBOX.c.attempts + 1,
            claimed_until=None,
            last_error=error,
        )
    )
    return _count(result) == 1


def unclaim(tx: Tx, message_id: int, worker: str) -> None:
    """Give a claimed message back untouched (the run stopped before trying it)."""
    tx.execute(
        _mine(message_id, worker, CLAIMED).values(
            status=QUEUED, claimed_by=None, claimed_until=None
        )
    )


@dataclass(frozen=True)
class Listed:
    """One outbox message as ``messages outbox`` shows it (no body)."""

    id: int
    campaign: str
    template: str
    handle: str
    recipient: str | None
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None


def listing(
    tx: Tx, *, statuses: Collection[str] = (), campaign_id: int | None = None, limit: int = 0
) -> list[Listed]:
    """Messages, newest first; only ``statuses`` (all when empty), of one campaign if given."""
    statement = (
        select(
            OutboxMessage.id,
            Campaign.key,
            OutboxMessage.template_name,
            Creator.handle,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.next_attempt_at,
            OutboxMessage.sent_at,
            OutboxMessage.last_error,
        )
        .join(Campaign, Campaign.id == OutboxMessage.campaign_id)
        .join(Creator, Creator.id == OutboxMessage.creator_id)
        .order_by(OutboxMessage.id.desc())
    )
    if statuses:
        statement = statement.where(OutboxMessage.status.in_(list(statuses)))
    if campaign_id is not None:
        statement = statement.where(OutboxMessage.campaign_id == campaign_id)
    if limit:
        statement = statement.limit(limit)
    return [
        Listed(*row[:8], row[8] if row[6] == QUEUED else None, row[9], row[10])
        for row in tx.execute(statement)
    ]


def counts(tx: Tx) -> dict[str, int]:
    """Messages per status, every status present (zero when none)."""
    found = dict(
        tx.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    )
    return {status: int(found.get(status, 0)) for status in OUTBOX_STATUSES}


def find(tx: Tx, message_id: int, *, lock: bool = False) -> OutboxMessage | None:
    statement = select(OutboxMessage).where(OutboxMessage.id == message_id)
    if lock:
        statement = statement.with_for_update()
    return tx.scalars(statement).one_or_none()


def requeue(tx: Tx, message: OutboxMessage, *, now: datetime, recipient: str | None) -> None:
    """``messages retry``: queue a failed or ambiguous message again, due now."""
    message.status = QUEUED
    message.next_attempt_at = now
    message.claimed_by = None
    message.claimed_until = None
    message.recipient = recipient
    message.last_error = None
