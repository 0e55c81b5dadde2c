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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from integrations.ports import Shop, ShopCode
from store import shop_sync
from store.db import Database, Tx
from sync.codes_input import check_code, normalize_code
from sync.shopsync.common import IncompletePull, Progress, Target, no_progress
from sync.shopsync.runs import Run, sync_run

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


def pull(db: Database, shop: Shop, target: Target, progress: Progress = no_progress) -> PullResult:
    """Pull every code of the target's discount; raises on failure or a count mismatch."""
    with sync_run(db, target.store_name, "pull", target.id) as run:
        fetched = new = skipped = 0
        source = shop.source_status(target.source)
        hold = None if source.usable else shop_sync.SOURCE_UNUSABLE.format(status=source.status)
        stream = shop.iter_codes(source)
        for page in stream:
            rows = []
            ends: dict[str, datetime | None] = {}
            for found in page:
                reason = check_code(found.code.strip())
                if reason is not None:
                    skipped += 1
                    log.warning(
                        "%s: skipped a store code that cannot be pooled: %s", target.ref, reason
                    )
                    continue
                norm = normalize_code(found.code.strip())
                rows.append((found.code.strip(), norm, found.platform_id))
                ends[norm] = found.ends_at or source.ends_at
            result = _store_page(db, target, run, rows, hold, ends)
            fetched += len(page)
            new += result.new
            skipped += len(result.foreign)
            run.count(fetched=fetched, stored=new, skipped=skipped)
            progress(len(page))
        expected = stream.expected_total
        run.count(expected=expected)
        if expected is not None and (
            fetched < expected if not source.count_exact else fetched != expected
        ):
            raise IncompletePull(target.ref, expected, fetched)
        with db.transaction() as tx:
            settled = shop_sync.finish_pull(
                tx,
                target.id,
                target.store_name,
                run.id,
                source_status=source.status,
                source_title=source.title,
                usable=source.usable,
            )
            run.finish(tx, quarantined=settled.quarantined)
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
    db: Database,
    target: Target,
    run: Run,
    rows: list[tuple[str, str, str]],
    hold: str | None,
    ends: dict[str, datetime | None],
) -> shop_sync.PageResult:
    """One page's upsert and the run's heartbeat: database work only, so it is replayed
    after a transient failure."""

    def store(tx: Tx) -> shop_sync.PageResult:
        result = shop_sync.upsert_page(
            tx, target.id, target.store_name, run.id, rows, quarantine_reason=hold, ends_at=ends
        )
        run.beat(tx)
        return result

    return db.run(store)


def pool_created(db: Database, shop: Shop, target: Target, created: Sequence[ShopCode]) -> int:
    """Pool codes just created in the target's discount, without reading the whole discount.

    A partial pull: the codes are stamped by a pull run that started after they were
    created (so a concurrent full pull never takes them for gone), and nothing is
    quarantined. The discount's status and end are re-read once. Returns how many are new.
    """
    with sync_run(db, target.store_name, "pull", target.id) as run:
        source = shop.source_status(target.source)
        hold = None if source.usable else shop_sync.SOURCE_UNUSABLE.format(status=source.status)
        rows: list[tuple[str, str, str]] = []
        ends: dict[str, datetime | None] = {}
        for found in created:
            code = found.code.strip()
            if check_code(code) is not None:
                continue  # we generated it: cannot happen, and a full pull would say why
            norm = normalize_code(code)
            rows.append((code, norm, found.platform_id))
            ends[norm] = found.ends_at or source.ends_at
        new = 0
        for start in range(0, len(rows), shop_sync.PAGE_ROWS):
            page = rows[start : start + shop_sync.PAGE_ROWS]
            new += _store_page(db, target, run, page, hold, ends).new
        run.count(expected=len(created), fetched=len(created), stored=new)
    return new
