"""Revocation: codes of dropped creators under ``on_drop = disable`` are disabled in the store.

The drop itself only marks the assignment (``revoke_requested_at``); this job
asks the store to disable the codes, and marks them revoked once it has. A
failure leaves them marked, so the next run tries again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from integrations.ports import Shop
from store import events, shop_requests
from store.db import Database
from sync.shopsync.common import source_of


@dataclass(frozen=True)
class RevokeResult:
    store: str
    revoked: int


def revoke_dropped(db: Database, shop: Shop, store_name: str) -> RevokeResult:
    with db.transaction() as tx:
        due = shop_requests.revocations_due(tx, store_name)
        by_incentive: dict[int, list[tuple[int, str]]] = defaultdict(list)
        sources = {}
        for assignment, code, incentive in due:
            by_incentive[incentive.id].append((assignment.id, code.code))
            sources[incentive.id] = source_of(incentive)
    revoked = 0
    for incentive_id, items in by_incentive.items():
        shop.disable_codes(sources[incentive_id], [code for _, code in items])
        with db.transaction() as tx:
            shop_requests.mark_revoked(tx, [assignment_id for assignment_id, _ in items])
            events.record(tx, "codes.revoked", incentive_id=incentive_id, count=len(items))
        revoked += len(items)
    return RevokeResult(store_name, revoked)
