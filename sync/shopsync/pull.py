"""``sync pull``: bring a linked incentive's pool in step with its store discount.

Each page is upserted in its own short transaction (codes stamped with the
run's id). Only after the whole discount was read and the count matched the
store's ``codesCount`` are codes the run did not see quarantined (available)
or flagged (already released). A failed or interrupted pull reports failure
and leaves the pool holding only codes that really exist; running it again
settles everything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from integrations.ports import Shop, ShopError
from store import shop_sync
from store.db import Database
from store.models import Incentive
from sync.codes_input import check_code, normalize_code
from sync.shopsync.common import IncompletePull, Progress, Target, no_progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PullResult:
    incentive: str
    store: str
    source_status: str
    expected: int | None
    fetched: int
    new: int
    skipped: int  # codes in the store we cannot pool (another incentive's, or malformed)
    quarantined: int
    flagged: int
    restored: int


def pull(
    db: Database, shop: Shop, target: Target, progress: Progress = no_progress
) -> PullResult:
    """Pull every code of the target's discount; raises on failure or a count mismatch."""
    with db.transaction() as tx:
        run_id = shop_sync.begin_run(tx, target.store_name, "pull", target.id).id
    fetched = new = skipped = 0
    try:
        source = shop.source_status(target.source)
        hold = None if source.usable else shop_sync.SOURCE_UNUSABLE.format(status=source.status)
        stream = shop.iter_codes(source)
        for page in stream:
            rows = []
            for found in page:
                reason = check_code(found.code.strip())
                if reason is not None:
                    skipped += 1
                    log.warning(
                        "%s: skipped a store code that cannot be pooled: %s", target.ref, reason
                    )
                    continue
                rows.append(
                    (found.code.strip(), normalize_code(found.code.strip()), found.platform_id)
                )
            result = _store_page(db, target, run_id, rows, hold)
            fetched += len(page)
            new += result.new
            skipped += len(result.foreign)
            progress(len(page))
        expected = stream.expected_total
        if expected is not None and (
            fetched < expected if not source.count_exact else fetched != expected
        ):
            raise IncompletePull(target.ref, expected, fetched)
        with db.transaction() as tx:
            incentive = tx.get_one(Incentive, target.id)
            settled = shop_sync.finish_pull(
                tx, incentive, run_id, source_status=source.status, usable=source.usable
            )
            incentive.source_title = source.title
            shop_sync.finish_run(
                tx,
                run_id,
                status="ok",
                expected=expected,
                fetched=fetched,
                stored=new,
                skipped=skipped,
                quarantined=settled.quarantined,
            )
    except (ShopError, IncompletePull) as error:
        with db.transaction() as tx:
            shop_sync.finish_run(
                tx,
                run_id,
                status="failed",
                error=str(error),
                fetched=fetched,
                stored=new,
                skipped=skipped,
            )
        raise
    log.info(
        "pulled %s from %s: expected %s, fetched %d, new %d, skipped %d, quarantined %d",
        target.ref,
        target.store_name,
        expected,
        fetched,
        new,
        skipped,
        settled.quarantined,
    )
    return PullResult(
        target.ref,
        target.store_name,
        source.status,
        expected,
        fetched,
        new,
        skipped,
        settled.quarantined,
        settled.flagged,
        settled.restored,
    )


def _store_page(
    db: Database, target: Target, run_id: int, rows: list[tuple[str, str, str]], hold: str | None
) -> shop_sync.PageResult:
    """One page's upsert: database work only, so it is replayed after a transient failure."""
    return db.run(
        lambda tx: shop_sync.upsert_page(
            tx, tx.get_one(Incentive, target.id), run_id, rows, quarantine_reason=hold
        )
    )
