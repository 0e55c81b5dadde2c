"""Codes about to expire: creators holding a code whose discount ends within ``warn_before``.

:func:`expiry_check` (worker service) raises ``code.expiring`` once per code; ``report``
flags the holders with :func:`expiring_codes`. The templates sent on ``code.expiring``
are enqueued in the transaction that raises the event, once per code
(:func:`sync.outbox.enqueue_on_event`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store import capacity as store_capacity
from store import catalog
from store.db import Database, Tx
from store.models import Incentive, utcnow
from sync import alerts, outbox, policies
from sync.config import Config


@dataclass(frozen=True)
class ExpiryResult:
    warned: int  # creators newly warned (one event per code)
    messages: int = 0  # messages enqueued on those events


def expiring_codes(tx: Tx, incentive_id: int, now: datetime) -> list[tuple[int, int, datetime]]:
    """(creator id, code id, end) of held codes ending within the incentive's warn_before."""
    policy = policies.policy_for(tx, incentive_id)
    return store_capacity.holders_ending_before(tx, incentive_id, now + policy.warn_before)


def expiry_check(db: Database, config: Config, *, now: datetime | None = None) -> ExpiryResult:
    """Raise ``code.expiring`` for every held code ending within its warn_before (once)."""
    at = now or utcnow()
    with db.transaction() as tx:
        incentive_ids = [i.id for _, i in catalog.all_incentives(tx)]
    warned = queued = 0
    for incentive_id in incentive_ids:

        def warn(tx: Tx, incentive_id: int = incentive_id) -> tuple[int, int]:
            incentive = tx.get_one(Incentive, incentive_id)
            count = sent = 0
            for creator_id, code_id, ends_at in expiring_codes(tx, incentive_id, at):
                raised = alerts.raise_alert(
                    tx,
                    alerts.CODE_EXPIRING,
                    once=f"code:{code_id}",
                    campaign_id=incentive.campaign_id,
                    incentive_id=incentive_id,
                    creator_id=creator_id,
                    code_id=code_id,
                    ends_at=ends_at.isoformat(),
                )
                if raised:
                    count += 1
                    sent += outbox.enqueue_on_event(
                        tx,
                        alerts.CODE_EXPIRING,
                        campaign_id=incentive.campaign_id,
                        creator_id=creator_id,
                        code_id=code_id,
                        config=config,
                    )
            return count, sent

        newly, messages = db.run(warn)
        warned, queued = warned + newly, queued + messages
    return ExpiryResult(warned, queued)
