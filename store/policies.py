"""Reading and writing incentive policies (validity, expiry warnings, leaks, refill).

An incentive without a policy row has the defaults, which live in :mod:`sync.policies`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from store.db import Tx
from store.models import utcnow
from store.models_policy import IncentivePolicy


def policy_of(tx: Tx, incentive_id: int, *, lock: bool = False) -> IncentivePolicy | None:
    stmt = select(IncentivePolicy).where(IncentivePolicy.incentive_id == incentive_id)
    if lock:
        stmt = stmt.with_for_update()
    return tx.scalars(stmt).one_or_none()


def policies_of(tx: Tx, incentive_ids: list[int]) -> dict[int, IncentivePolicy]:
    if not incentive_ids:
        return {}
    stmt = select(IncentivePolicy).where(IncentivePolicy.incentive_id.in_(incentive_ids))
    return {p.incentive_id: p for p in tx.scalars(stmt)}


def min_validity_seconds(tx: Tx, incentive_id: int) -> int | None:
    """The incentive's own ``min_validity`` in seconds, or None for the default (read fresh:
    a policy may change while its campaign runs)."""
    return tx.scalar(
        select(IncentivePolicy.min_validity_seconds).where(
            IncentivePolicy.incentive_id == incentive_id
        )
    )


def update(tx: Tx, incentive_id: int, **values: Any) -> IncentivePolicy:
    """Set the given policy fields (creating the row with defaults for the others)."""
    row = policy_of(tx, incentive_id, lock=True)
    if row is None:
        row = IncentivePolicy(incentive_id=incentive_id, on_leak="flag", refill_mode="off")
        tx.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    tx.flush()
    return row
