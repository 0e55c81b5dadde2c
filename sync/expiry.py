"""Codes about to expire: creators holding a code whose discount ends within ``warn_before``.

:func:`expiry_check` (worker service) raises ``code.expiring`` once per code; ``report``
flags the holders with :func:`expiring_codes`. A message template can be sent on that event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store import capacity as store_capacity
from store import catalog
from store.db import Database, Tx
from store.models import Incentive, utcnow
from sync import alerts, policies
from sync.config import Config


@dataclass(frozen=True)
class ExpiryResult:
    warned: int  # creators newly warned (one event per code)


def expiring_codes(tx: Tx, incentive_id: int, now: datetime) -> list[tuple[int, int, datetime]]:
    """(creator id, code id, end) of held codes ending within the incentive's warn_before."""
    policy = policies.policy_for(tx, incentive_id)
    return store_capacity.holders_ending_before(tx, incentive_id, now + policy.warn_before)


def expiry_check(db: Database, config: Config, *, now: datetime | None = None) -> ExpiryResult:
    """Raise ``code.expiring`` for every held code ending within its warn_before (once)."""
    del config  # the policies live in the database
    at = now or utcnow()
    with db.transaction() as tx:
        incentive_ids = [i.id for _, i in catalog.all_incentives(tx)]
    warned = 0
    for incentive_id in incentive_ids:

        def warn(tx: Tx, incentive_id: int = incentive_id) -> int:
            incentive = tx.get_one(Incentive, incentive_id)
            count = 0
            for creator_id, code_id, ends_at in expiring_codes(tx, incentive_id, at):
                count += alerts.raise_alert(
                    tx,
                    alerts.CODE_EXPIRING,
                    once=f"code:{code_id}",
                    campaign_id=incentive.campaign_id,
                    incentive_id=incentive_id,
                    creator_id=creator_id,
                    code_id=code_id,
                    ends_at=ends_at.isoformat(),
                )
            return count

        warned += db.run(warn)
    return ExpiryResult(warned)
