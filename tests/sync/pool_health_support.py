"""Shared helpers for the pool-health tests: a shop opener for the local Shopify, reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import func, select

from integrations.ports import Shop
from store.db import Database
from store.models import Event
from sync.refill import ShopOpener


def opener_for(store: Shop) -> ShopOpener:
    """Every store name opens the given (already connected) shop."""

    @contextmanager
    def opened(_: str) -> Iterator[Shop]:
        yield store

    return opened


def failing_opener(error: Exception) -> ShopOpener:
    def opened(_: str) -> AbstractContextManager[Shop]:
        raise error

    return opened


def event_count(db: Database, kind: str) -> int:
    with db.transaction() as tx:
        return int(tx.scalar(select(func.count()).where(Event.kind == kind)) or 0)


def event_details(db: Database, kind: str) -> list[dict[str, object]]:
    with db.transaction() as tx:
        return [dict(d) for d in tx.scalars(select(Event.detail).where(Event.kind == kind))]
