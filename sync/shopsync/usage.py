"""``sync usage``: how often each released code was used, as the store says.

Shopify's ``asyncUsageCount`` is eventually consistent, so every observation
is stored with its time; reports use the latest and the first time a code was
seen redeemed.
"""

from __future__ import annotations

from dataclasses import dataclass

from integrations.ports import Shop
from store import shop_sync
from store.db import Database
from sync.codes_input import normalize_code
from sync.shopsync.common import Progress, Target, no_progress


@dataclass(frozen=True)
class UsageResult:
    incentive: str
    codes: int
    observed: int
    redeemed: int


def refresh_usage(
    db: Database, shop: Shop, target: Target, progress: Progress = no_progress
) -> UsageResult:
    with db.transaction() as tx:
        assigned = shop_sync.assigned_codes(tx, target.id)
        released = {c.code_norm: c.id for c in assigned}
        codes = [c.code for c in assigned]
        run_id = shop_sync.begin_run(tx, target.store_name, "usage", target.id).id
    observations = []
    if codes:
        for seen in shop.usage(target.source, codes):
            code_id = released.get(normalize_code(seen.code))
            if code_id is not None:
                observations.append((code_id, seen.usage_count, seen.observed_at))
    with db.transaction() as tx:
        shop_sync.record_usage(tx, observations)
        shop_sync.finish_run(
            tx, run_id, status="ok", fetched=len(observations), stored=len(observations)
        )
    progress(len(observations))
    return UsageResult(
        target.ref, len(codes), len(observations), sum(1 for _, n, _ in observations if n > 0)
    )
