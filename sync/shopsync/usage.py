"""``sync usage``: how often each released code was used, as the store says.

Shopify's ``asyncUsageCount`` is eventually consistent, so every observation
is stored with its time; the report uses the latest count of each code.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.ports import Shop
from store import shop_sync
from store.db import Database
from sync.codes_input import normalize_code
from sync.shopsync.common import Progress, Target, no_progress
from sync.shopsync.runs import WaitForJob, sync_run


@dataclass(frozen=True)
class UsageResult:
    incentive: str
    codes: int
    observed: int
    redeemed: int


def refresh_usage(
    db: Database,
    shop: Shop,
    target: Target,
    progress: Progress = no_progress,
    *,
    wait: WaitForJob | None = None,
) -> UsageResult:
    """Record the store's usage count of every code released from the target's pool.

    Refuses (:class:`~sync.shopsync.runs.JobRunning`) while it runs elsewhere, unless ``wait``.
    """
    with sync_run(db, target.store_name, "usage", target.id, wait=wait) as run:
        with db.transaction() as tx:
            assigned = shop_sync.assigned_codes(tx, target.id)
        released = {c.code_norm: c.id for c in assigned}
        observations = []
        if assigned:
            for seen in shop.usage(target.source, [c.code for c in assigned]):
                code_id = released.get(normalize_code(seen.code))
                if code_id is not None:
                    observations.append((code_id, seen.usage_count, seen.observed_at, seen.used_by))
        run.count(fetched=len(observations))
        with db.transaction() as tx:
            stored = shop_sync.record_usage(tx, observations)
            run.finish(tx, stored=stored)
    progress(len(observations))
    return UsageResult(
        target.ref, len(assigned), len(observations), sum(1 for _, n, _, _ in observations if n > 0)
    )
