"""Reading a campaign's event log: who did what, when (details hold counts and ids)."""

from __future__ import annotations

import re

from store import events
from store.db import Database
from store.events import LoggedEvent
from sync import lookup
from sync.errors import UsageError
from sync.fields import check_handle

#: How many of the newest events are shown unless asked otherwise.
DEFAULT_LIMIT = 100
KIND_PATTERN = re.compile(r"[a-z_]+(\.[a-z_]+)*")

__all__ = ["DEFAULT_LIMIT", "LoggedEvent", "log"]


def log(
    db: Database,
    campaign_key: str,
    *,
    creator: str | None = None,
    kind: str | None = None,
    limit: int | None = DEFAULT_LIMIT,
) -> list[LoggedEvent]:
    """The newest ``limit`` events of a campaign (None: all), oldest first.

    ``creator`` narrows to one creator's events, ``kind`` to a kind such as
    ``creator.moved`` or a family such as ``codes``.
    """
    if kind is not None and not KIND_PATTERN.fullmatch(kind):
        raise UsageError(
            f"Event kind '{kind}' is not valid: give a kind such as creator.moved, "
            f"or its first part such as creator"
        )
    handle = check_handle(creator) if creator is not None else None
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        creator_id = None
        if handle is not None:
            creator_id = lookup.member(tx, campaign, handle).creator.id
        return events.of_campaign(tx, campaign.id, creator_id=creator_id, kind=kind, limit=limit)
