"""Persistence of creator page access: one random portal id and token version per membership.

Plain persistence; signing, expiry and what a page shows live in :mod:`sync.portal`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from store.db import Tx
from store.models import Campaign, Creator, Membership
from store.models_portal import PortalAccess

_TABLE: Table = PortalAccess.__table__  # type: ignore[assignment]


def ensure(tx: Tx, membership_id: int, new_portal_id: str) -> PortalAccess:
    """The membership's access row, created with ``new_portal_id`` if it has none.

    Two commands linking the same creator at once both end with the one row: the insert
    skips a row another transaction committed first (``ON CONFLICT DO NOTHING``).
    """
    insert = _dialect_insert(tx.get_bind().dialect.name)
    tx.execute(
        insert(_TABLE)
        .values(membership_id=membership_id, portal_id=new_portal_id, version=1)
        .on_conflict_do_nothing(index_elements=["membership_id"])
    )
    return tx.execute(
        select(PortalAccess).where(PortalAccess.membership_id == membership_id)
    ).scalar_one()


def bump_version(tx: Tx, membership_id: int, at: datetime) -> int:
    """Invalidate every link signed so far for the membership; returns the new version."""
    tx.execute(
        update(PortalAccess)
        .where(PortalAccess.membership_id == membership_id)
        .values(version=PortalAccess.version + 1, revoked_at=at)
    )
    return tx.execute(
        select(PortalAccess.version).where(PortalAccess.membership_id == membership_id)
    ).scalar_one()


@dataclass(frozen=True)
class PortalHolder:
    """Whose page a portal id opens: the access row with its campaign and creator."""

    access: PortalAccess
    campaign: Campaign
    creator: Creator


def find_holder(tx: Tx, portal_id: str) -> PortalHolder | None:
    """The access row of ``portal_id`` with its campaign and creator, or None."""
    row = tx.execute(
        select(PortalAccess, Campaign, Creator)
        .join(Membership, Membership.id == PortalAccess.membership_id)
        .join(Campaign, Campaign.id == Membership.campaign_id)
        .join(Creator, Creator.id == Membership.creator_id)
        .where(PortalAccess.portal_id == portal_id)
    ).one_or_none()
    return None if row is None else PortalHolder(row[0], row[1], row[2])


def _dialect_insert(dialect: str) -> Callable[[Table], Any]:
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
