"""The outbound webhook cursor: how far alerts were sent to one URL, leased to one sender."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store.db import Tx
from store.models import Campaign, Creator, Event, utcnow
from store.models_policy import NotifyCursor

_CURSORS = cast(Table, NotifyCursor.__table__)


def take_lease(tx: Tx, url_key: str, owner: str, now: datetime, until: datetime) -> int | None:
    """Lease the cursor of ``url_key`` (created at 0 if new); its position, or None when
    another sender holds it."""
    insert = postgresql.insert if tx.get_bind().dialect.name == "postgresql" else sqlite.insert
    tx.execute(
        insert(_CURSORS)
        .values(url_key=url_key, last_event_id=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["url_key"])
    )
    taken = tx.execute(
        update(NotifyCursor)
        .where(
            NotifyCursor.url_key == url_key,
            or_(NotifyCursor.lease_until.is_(None), NotifyCursor.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=until)
    )
    if cast(CursorResult[Any], taken).rowcount != 1:
        return None
    return tx.scalars(
        select(NotifyCursor.last_event_id).where(NotifyCursor.url_key == url_key)
    ).one()


def advance(tx: Tx, url_key: str, owner: str, event_id: int) -> bool:
    """Move the cursor to ``event_id`` if ``owner`` still holds the lease."""
    moved = tx.execute(
        update(NotifyCursor)
        .where(
            NotifyCursor.url_key == url_key,
            NotifyCursor.lease_owner == owner,
            NotifyCursor.last_event_id < event_id,
        )
        .values(last_event_id=event_id, updated_at=utcnow())
    )
    return cast(CursorResult[Any], moved).rowcount == 1


def release(tx: Tx, url_key: str, owner: str) -> None:
    tx.execute(
        update(NotifyCursor)
        .where(NotifyCursor.url_key == url_key, NotifyCursor.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def events_after(
    tx: Tx, event_id: int, kinds: Sequence[str], limit: int
) -> list[tuple[int, datetime, str, str | None, int | None, str | None, dict[str, Any]]]:
    """(id, at, kind, campaign key, incentive id, creator handle, detail) of the next events."""
    stmt = (
        select(
            Event.id,
            Event.at,
            Event.kind,
            Campaign.key,
            Event.incentive_id,
            Creator.handle,
            Event.detail,
        )
        .outerjoin(Campaign, Campaign.id == Event.campaign_id)
        .outerjoin(Creator, Creator.id == Event.creator_id)
        .where(Event.id > event_id, Event.kind.in_(kinds))
        .order_by(Event.id)
        .limit(limit)
    )
    return [
        (i, at, kind, campaign, incentive, creator, dict(detail or {}))
        for i, at, kind, campaign, incentive, creator, detail in tx.execute(stmt).all()
    ]
