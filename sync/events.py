"""Reading a campaign's event log: who did what, when (details hold counts and ids)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from store import catalog, events
from store.db import Database
from store.events import LoggedEvent
from sync import lookup
from sync.errors import UsageError
from sync.fields import check_handle

#: How many of the newest events are shown unless asked otherwise.
DEFAULT_LIMIT = 100
KIND_PATTERN = re.compile(r"[a-z_]+(\.[a-z_]+)*")
#: Database ids in event details are for the program; users see keys instead.
ID_SUFFIX, INCENTIVE_ID = "_id", "incentive_id"

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
        found = events.of_campaign(tx, campaign.id, creator_id=creator_id, kind=kind, limit=limit)
        refs = catalog.incentive_refs(tx, set(_incentive_ids([e.detail for e in found])))
    return [replace(e, detail=_public(e.detail, refs)) for e in found]


def _incentive_ids(value: object) -> Iterator[int]:
    """Every ``incentive_id`` held in an event's details (e.g. the codes a move released)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == INCENTIVE_ID and isinstance(item, int):
                yield item
            else:
                yield from _incentive_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from _incentive_ids(item)


def public_detail(detail: dict[str, Any], refs: dict[int, str]) -> Any:
    """An event's details as anyone outside may see them (the log, outbound webhooks)."""
    return _public(detail, refs)


def _public(value: Any, refs: dict[int, str]) -> Any:
    """Details as a user may see them: an incentive by ``campaign/key``, no database ids."""
    if isinstance(value, dict):
        shown: dict[str, Any] = {}
        for key, item in value.items():
            if key == INCENTIVE_ID and isinstance(item, int):
                shown["incentive"] = refs.get(item, "(deleted)")
            elif not key.endswith(ID_SUFFIX):
                shown[key] = _public(item, refs)
        return shown
    if isinstance(value, list):
        return [_public(item, refs) for item in value]
    return value
