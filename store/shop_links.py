"""Links of incentives to store discounts: whose pool a discount feeds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from store.db import Tx
from store.models import LOCAL_SCOPE, Code, Incentive
from store.pool import lock_incentive


@dataclass(frozen=True)
class Link:
    """An incentive's tie to a store discount (``source_id`` None: not linked)."""

    incentive_id: int
    store_name: str  # LOCAL_SCOPE when not linked
    source_id: str | None
    source_title: str | None
    source_status: str | None

    @property
    def linked(self) -> bool:
        return self.store_name != LOCAL_SCOPE and self.source_id is not None


def _link(incentive: Incentive) -> Link:
    return Link(
        incentive.id,
        incentive.store_name,
        incentive.source_id,
        incentive.source_title,
        incentive.source_status,
    )


def link_of(tx: Tx, incentive_id: int, *, lock: bool = False) -> Link:
    """The incentive's link; ``lock``: read after taking the incentive's row lock."""
    incentive = lock_incentive(tx, incentive_id) if lock else tx.get_one(Incentive, incentive_id)
    return _link(incentive)


def linked_incentives(tx: Tx, store_name: str | None = None) -> list[Link]:
    """Linked incentives (of one store, or of all), oldest first."""
    stmt = select(Incentive).where(
        Incentive.store_name != LOCAL_SCOPE, Incentive.source_id.is_not(None)
    )
    if store_name is not None:
        stmt = stmt.where(Incentive.store_name == store_name)
    return [_link(i) for i in tx.scalars(stmt.order_by(Incentive.id))]


def incentive_for_source(tx: Tx, store_name: str, source_id: str) -> int | None:
    """The id of the incentive linked to a store's discount, if any."""
    stmt = select(Incentive.id).where(
        Incentive.store_name == store_name, Incentive.source_id == source_id
    )
    return tx.scalars(stmt).first()


def set_link(
    tx: Tx, incentive_id: int, store_name: str, *, source_id: str, title: str, status: str
) -> None:
    """Tie the incentive to a store discount."""
    tx.execute(
        update(Incentive)
        .where(Incentive.id == incentive_id)
        .values(
            store_name=store_name, source_id=source_id, source_title=title, source_status=status
        )
    )


def rescope_codes(tx: Tx, incentive_id: int, store_name: str) -> int:
    """Move an incentive's uploaded codes into a store's scope; returns clashes (0 = moved)."""
    mine = select(Code.code_norm).where(Code.incentive_id == incentive_id)
    clashes = (
        tx.scalar(
            select(func.count()).where(
                Code.scope == store_name,
                Code.incentive_id != incentive_id,
                Code.code_norm.in_(mine),
            )
        )
        or 0
    )
    if clashes == 0:
        tx.execute(update(Code).where(Code.incentive_id == incentive_id).values(scope=store_name))
    return clashes
