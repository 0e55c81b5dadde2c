"""``sync pull``: bring a linked incentive's pool in step with its store discount.

Each page is upserted in its own short transaction (codes stamped with the
run's id). Codes the store holds but would refuse (a WooCommerce coupon that
expired or reached its usage limit) are quarantined as they are read. Only
after the whole discount was read and the count matched the store's
``codesCount`` are codes the run did not see quarantined (available)
or flagged (already released). A failed or interrupted pull reports failure
and leaves the pool holding only codes that really exist; running it again
settles everything.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from integrations.ports import CodeSource, Shop, ShopCode
from store import shop_sync
from store.db import Database, Tx
from sync.codes_input import check_code, normalize_code
from sync.shopsync.common import IncompletePull, Progress, Target, no_progress
from sync.shopsync.runs import Run, WaitForJob, sync_run

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
    db: Database,
    shop: Shop,
    target: Target,
    progress: Progress = no_progress,
    *,
    wait: WaitForJob | None = None,
) -> PullResult:
    """Pull every code of the target's discount; raises on failure or a count mismatch.

    Two pulls of one incentive never interleave (one would quarantine the codes the other
    stamped): while one runs elsewhere this one refuses
    (:class:`~sync.shopsync.runs.JobRunning`), unless ``wait``.
    """
    with sync_run(db, target.store_name, "pull", target.id, wait=wait) as run:
        fetched = new = skipped = 0
        source = shop.source_status(target.source)
        hold = None if source.usable else shop_sync.SOURCE_UNUSABLE.format(status=source.status)
        stream = shop.iter_codes(source)
        for page in stream:
            rows, malformed = checked_rows(target.ref, page)
            skipped += malformed
            ends = ends_of(page, source)
            result = _store_page(db, target, run, rows, hold, holds_of(page), ends)
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


def checked_rows(ref: str, codes: Iterable[ShopCode]) -> tuple[list[tuple[str, str, str]], int]:
    """``(code, code_norm, platform_id)`` of the store codes that can be pooled, and how
    many could not (logged): every code that enters a pool from the store passes here."""
    rows = []
    skipped = 0
    for found in codes:
        reason = check_code(found.code.strip())
        if reason is not None:
            skipped += 1
            log.warning("%s: skipped a store code that cannot be pooled: %s", ref, reason)
            continue
        rows.append((found.code.strip(), normalize_code(found.code.strip()), found.platform_id))
    return rows, skipped


def holds_of(codes: Iterable[ShopCode]) -> dict[str, str]:
    """Code norm -> why the store would refuse it, for the codes it holds but marks unusable."""
    return {
        normalize_code(found.code.strip()): found.unusable
        for found in codes
        if found.unusable is not None and check_code(found.code.strip()) is None
    }


def ends_of(codes: Iterable[ShopCode], source: CodeSource) -> dict[str, datetime | None]:
    """Code norm -> when the store stops honouring it (the code's own end, else its source's)."""
    return {normalize_code(found.code.strip()): found.ends_at or source.ends_at for found in codes}


def _store_page(
    db: Database,
    target: Target,
    run: Run,
    rows: list[tuple[str, str, str]],
    hold: str | None,
    holds: dict[str, str],
    ends: dict[str, datetime | None],
) -> shop_sync.PageResult:
    """One page's upsert and the run's heartbeat: database work only, so it is replayed
    after a transient failure."""

    def store(tx: Tx) -> shop_sync.PageResult:
        result = shop_sync.upsert_page(
            tx,
            target.id,
            target.store_name,
            run.id,
            rows,
            quarantine_reason=hold,
            holds=holds,
            ends_at=ends,
        )
        run.beat(tx)
        return result

    return db.run(store)


def pool_created(
    db: Database,
    shop: Shop,
    target: Target,
    created: Sequence[ShopCode],
    *,
    wait: WaitForJob | None = None,
) -> int:
    """Pool codes just created in the target's discount, without reading the whole discount.

    A partial pull: the codes are stamped by a pull run that started after they were
    created (so a concurrent full pull never takes them for gone), and nothing is
    quarantined. The discount's status and end are re-read once. Returns how many are new.
    """
    with sync_run(db, target.store_name, "pull", target.id, wait=wait) as run:
        source = shop.source_status(target.source)
        hold = None if source.usable else shop_sync.SOURCE_UNUSABLE.format(status=source.status)
        rows, _ = checked_rows(target.ref, created)
        holds, ends = holds_of(created), ends_of(created, source)
        new = 0
        for start in range(0, len(rows), shop_sync.PAGE_ROWS):
            page = rows[start : start + shop_sync.PAGE_ROWS]
            new += _store_page(db, target, run, page, hold, holds, ends).new
        run.count(expected=len(created), fetched=len(created), stored=new)
    return new
