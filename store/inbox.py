"""The webhook inbox: verified deliveries, stored once, applied later in event order.

A delivery is inserted with one lean statement (``ON CONFLICT DO NOTHING`` on the
store's delivery id), so a store's retry of a delivery is stored once. Applying
it starts with :func:`claim`, an UPDATE from ``pending`` to ``done`` in the
transaction that applies its effect: two processors cannot both apply one
delivery (the second one's UPDATE waits for the first and then matches nothing),
and a failure rolls the claim back with the effect.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Table, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store.db import Tx
from store.models import utcnow
from store.models_sync import SyncRun, WebhookDelivery

_INBOX = cast(Table, WebhookDelivery.__table__)


@dataclass(frozen=True)
class NewDelivery:
    """What the web route stores of a verified delivery."""

    platform: str
    store_name: str
    delivery_id: str
    event_id: str | None
    topic: str
    triggered_at: datetime
    body: str


def _insert(dialect: str) -> Any:
    make: Callable[[Table], Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        dialect
    ]
    return make(_INBOX)


def store_deliveries(connection: Connection, deliveries: Sequence[NewDelivery]) -> list[bool]:
    """Insert deliveries whose id is not in the inbox yet, in one statement; per delivery,
    True when it was new (a repeat within ``deliveries`` is not).

    Takes a bare connection (no ORM session): this runs on the webhook request path.
    """
    if not deliveries:
        return []
    received = utcnow()
    rows = [
        {
            "platform": d.platform,
            "store_name": d.store_name,
            "delivery_id": d.delivery_id,
            "event_id": d.event_id,
            "topic": d.topic,
            "triggered_at": d.triggered_at,
            "received_at": received,
            "body": d.body,
            "status": "pending",
            "attempts": 0,
        }
        for d in deliveries
    ]
    # Compiled once per dialect (SQLAlchemy's cache); "insertmanyvalues" sends the rows as
    # multi-row INSERTs, so a batch costs one or a few round trips.
    statement = (
        _insert(connection.dialect.name)
        .on_conflict_do_nothing(index_elements=["platform", "store_name", "delivery_id"])
        .returning(_INBOX.c.platform, _INBOX.c.store_name, _INBOX.c.delivery_id)
    )
    inserted = {tuple(row) for row in connection.execute(statement, rows)}
    new = []
    for d in deliveries:
        key = (d.platform, d.store_name, d.delivery_id)
        new.append(key in inserted)
        inserted.discard(key)  # a repeat later in the same batch is a duplicate
    return new


def store_delivery(connection: Connection, delivery: NewDelivery) -> bool:
    """:func:`store_deliveries` of one delivery."""
    return store_deliveries(connection, [delivery])[0]


@dataclass(frozen=True)
class Pending:
    """A delivery waiting to be applied."""

    id: int
    platform: str
    store_name: str
    delivery_id: str
    topic: str
    triggered_at: datetime
    body: str
    attempts: int


def pending(tx: Tx, limit: int, now: datetime) -> list[Pending]:
    """The oldest pending deliveries due by ``now``, by event time (then arrival), at most
    ``limit``."""
    stmt = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.status == "pending",
            or_(WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now),
        )
        .order_by(WebhookDelivery.triggered_at, WebhookDelivery.id)
        .limit(limit)
    )
    return [
        Pending(
            r.id,
            r.platform,
            r.store_name,
            r.delivery_id,
            r.topic,
            r.triggered_at,
            r.body,
            r.attempts,
        )
        for r in tx.scalars(stmt)
    ]


def claim(tx: Tx, delivery_id: int, note: str | None = None) -> bool:
    """Mark a pending delivery done in ``tx``; False when another processor got it first."""
    result = tx.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending")
        .values(
            status="done",
            attempts=WebhookDelivery.attempts + 1,
            last_error=note,
            processed_at=utcnow(),
        )
    )
    return bool(cast(CursorResult[Any], result).rowcount)


def record_failure(
    tx: Tx,
    delivery_id: int,
    error: str,
    *,
    max_attempts: int,
    retry_at: Callable[[int], datetime],
) -> str:
    """Count a failed attempt: the delivery turns ``failed`` at ``max_attempts``, else waits
    until ``retry_at(attempts so far)``. Returns the delivery's status afterwards."""
    row = tx.get(WebhookDelivery, delivery_id, with_for_update=True)
    if row is None or row.status != "pending":
        return row.status if row else "done"
    row.attempts += 1
    row.last_error = error
    if row.attempts >= max_attempts:
        row.status, row.processed_at = "failed", utcnow()
    else:
        row.next_attempt_at = retry_at(row.attempts)
    return row.status


def purge_done(tx: Tx, before: datetime) -> int:
    """Delete deliveries applied before ``before`` (their ids no longer needed for
    de-duplication); returns how many."""
    result = tx.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.status == "done", WebhookDelivery.processed_at < before
        )
    )
    return int(cast(CursorResult[Any], result).rowcount)


@dataclass(frozen=True)
class FailedDelivery:
    id: int
    store_name: str
    topic: str
    delivery_id: str
    triggered_at: datetime
    attempts: int
    last_error: str | None


def failed(tx: Tx) -> list[FailedDelivery]:
    """Deliveries that were given up on, oldest event first."""
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.status == "failed")
        .order_by(WebhookDelivery.triggered_at, WebhookDelivery.id)
    )
    return [
        FailedDelivery(
            r.id, r.store_name, r.topic, r.delivery_id, r.triggered_at, r.attempts, r.last_error
        )
        for r in tx.scalars(stmt)
    ]


def counts(tx: Tx) -> dict[str, int]:
    """How many deliveries are in each state."""
    stmt = select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
    return {status: int(n) for status, n in tx.execute(stmt).all()}


def last_full_pull(tx: Tx, incentive_id: int) -> datetime | None:
    """When the newest complete pull of an incentive started (its view is at least that new)."""
    stmt = select(func.max(SyncRun.started_at)).where(
        SyncRun.incentive_id == incentive_id, SyncRun.kind == "pull", SyncRun.status == "ok"
    )
    return tx.scalars(stmt).one_or_none()
