"""The append-only event log: who did what, when.

Details hold counts and ids, never an unassigned code (those are secret).
"""

from __future__ import annotations

import functools
import getpass
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from store.db import Tx
from store.models import Creator, Event, Incentive


def default_actor() -> str:
    """The OS user and process, unless ``PROMOSYNC_ACTOR`` names someone else."""
    return os.environ.get("PROMOSYNC_ACTOR") or _process_actor(os.getpid())


@functools.cache
def _process_actor(pid: int) -> str:
    # Looked up once per process: getuser() reads the password database.
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "unknown"
    return f"{user}@pid{pid}"


def record(
    tx: Tx,
    kind: str,
    *,
    campaign_id: int | None = None,
    incentive_id: int | None = None,
    creator_id: int | None = None,
    actor: str | None = None,
    **detail: Any,
) -> None:
    tx.add(
        Event(
            kind=kind,
            actor=actor or default_actor(),
            campaign_id=campaign_id,
            incentive_id=incentive_id,
            creator_id=creator_id,
            detail=detail,
        )
    )


@dataclass(frozen=True)
class LoggedEvent:
    """One event as plain values: the incentive by key and the creator by handle."""

    at: datetime
    kind: str
    actor: str
    incentive: str | None
    creator: str | None
    detail: dict[str, Any]


def of_campaign(
    tx: Tx,
    campaign_id: int,
    *,
    creator_id: int | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[LoggedEvent]:
    """The campaign's events (its own and its incentives'), oldest first.

    ``kind`` matches a kind exactly or as a dotted prefix (``codes`` matches
    ``codes.uploaded``); ``limit`` keeps the newest ``limit`` events.
    """
    stmt = (
        select(Event.at, Event.kind, Event.actor, Incentive.key, Creator.handle, Event.detail)
        .outerjoin(Incentive, Incentive.id == Event.incentive_id)
        .outerjoin(Creator, Creator.id == Event.creator_id)
        .where(or_(Event.campaign_id == campaign_id, Incentive.campaign_id == campaign_id))
        .order_by(Event.id.desc())
    )
    if creator_id is not None:
        stmt = stmt.where(Event.creator_id == creator_id)
    if kind is not None:
        stmt = stmt.where(
            or_(Event.kind == kind, Event.kind.startswith(kind + ".", autoescape=True))
        )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = tx.execute(stmt).all()
    return [
        LoggedEvent(at, kind_, actor, incentive, creator, dict(detail or {}))
        for at, kind_, actor, incentive, creator, detail in reversed(rows)
    ]
