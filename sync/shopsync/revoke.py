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
from store.shop_links import Link
from store.shop_requests import Revocation
from sync.shopsync.common import source_of
from sync.shopsync.runs import WaitForJob, sync_run


@dataclass(frozen=True)
class RevokeResult:
    store: str
    revoked: int


def revoke_dropped(
    db: Database, shop: Shop, store_name: str, *, wait: WaitForJob | None = None
) -> RevokeResult:
    """Disable in the store every code whose revocation is due; mark each revoked after.

    Refuses (:class:`~sync.shopsync.runs.JobRunning`) while it runs elsewhere, unless ``wait``.
    """
    with sync_run(db, store_name, "revoke", wait=wait) as run:
        with db.transaction() as tx:
            due = shop_requests.revocations_due(tx, store_name)
        by_incentive: dict[int, list[Revocation]] = defaultdict(list)
        for item in due:
            by_incentive[item.incentive_id].append(item)
        run.count(expected=len(due))
        revoked = 0
        for incentive_id, items in by_incentive.items():
            first = items[0]
            source = source_of(
                str(incentive_id),
                Link(
                    incentive_id,
                    store_name,
                    first.source_id,
                    first.source_title,
                    first.source_status,
                ),
            )
            shop.disable_codes(source, [item.code for item in items])
            revoked += len(items)
            with db.transaction() as tx:
                shop_requests.mark_revoked(tx, [item.assignment_id for item in items])
                events.record(tx, "codes.revoked", incentive_id=incentive_id, count=len(items))
                run.count(fetched=revoked, stored=revoked)
                run.beat(tx)
    return RevokeResult(store_name, revoked)
