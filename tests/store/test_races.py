"""Check-then-insert races end in the outcome a user expects, never in a database error.

Many processes (``spawn``, each with its own :class:`Database`), released together by a
barrier, on SQLite and PostgreSQL (the ``db_url`` fixture):

- uploads sharing codes into pools of one store scope: each upload is stored or refused
  with :class:`InvalidCodes` naming the clash; no code is pooled twice;
- pulls of one fresh pool, page by page: every pull succeeds and the pool ends holding
  every code of the store, available (none taken for gone by another pull's stamps);
- links of several incentives to one discount: exactly one wins, the rest are refused.
"""

from __future__ import annotations

import io
import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from integrations.ports import CodeSource, SourceRef
from store import shop_sync, sync_runs
from store.db import Conflict, Database
from store.models import Code, Incentive
from sync import codes
from sync.codes_input import InvalidCodes, normalize_code
from sync.errors import DomainError
from sync.shopsync import link
from tests import builders
from tests.support.processes import run_processes

WORKERS = 6
ROUNDS = 3
SHARED_CODES = 120
UPLOAD_SIZE = 40
POOLS = ("a", "b", "c")
STORE_CODES = 600
BARRIER_TIMEOUT_S = 120
JOIN_TIMEOUT_S = 300
STORE = "shop"
DISCOUNT = "gid://shopify/DiscountCodeNode/1"


@dataclass
class Report:
    worker: int
    stored: list[tuple[str, list[str], bool]] = field(default_factory=list)  # (pool, codes, skip)
    refused: int = 0
    crash: str | None = None


def _run(target: Callable[..., None], url: str, seed: int) -> list[Report]:
    arguments = [(n, url, seed) for n in range(WORKERS)]
    return run_processes(target, arguments, join_timeout=JOIN_TIMEOUT_S)


def _shared_codes() -> list[str]:
    return builders.codes_named("RACE", SHARED_CODES)


def _uploader(worker: int, url: str, seed: int, barrier: Any, results: Any) -> None:
    db = Database(url)
    report = Report(worker)
    rng = random.Random(seed * 1_000 + worker)
    try:
        with db.transaction() as tx:  # connect before the start line
            tx.scalar(select(func.count()).select_from(Code))
        barrier.wait(BARRIER_TIMEOUT_S)
        for _ in range(ROUNDS):
            pool = rng.choice(POOLS)
            chosen = rng.sample(_shared_codes(), UPLOAD_SIZE)
            # Some entries in another case: the same code to the store.
            chosen = [c.lower() if rng.random() < 0.3 else c for c in chosen]
            skip = rng.random() < 0.5
            try:
                result = codes.upload(
                    db, f"summer/{pool}", io.StringIO("\n".join(chosen)), skip_invalid=skip
                )
            except InvalidCodes:
                report.refused += 1
                continue
            skipped = {o.text for o in result.skipped}
            report.stored.append((pool, [c for c in chosen if c not in skipped], skip))
    except BaseException:  # noqa: BLE001 - the parent must hear of any crash
        report.crash = traceback.format_exc()
    finally:
        db.dispose()
    results.put(report)


def test_concurrent_uploads_sharing_codes_are_stored_or_refused_never_crash(db_url: str) -> None:
    seed = random.randrange(1_000_000)
    db = Database(db_url)
    builders.campaign(db, pools=dict.fromkeys(POOLS, 0))

    reports = _run(_uploader, db_url, seed)

    assert [r.crash for r in reports if r.crash] == [], f"seed {seed}"
    with db.transaction() as tx:
        rows = tx.execute(
            select(Code.code_norm, Incentive.key).join(Incentive, Incentive.id == Code.incentive_id)
        ).all()
    db.dispose()
    pooled = {norm: pool for norm, pool in rows}
    assert len(pooled) == len(rows), "a code was pooled twice"
    stored = [(pool, c) for r in reports for pool, batch, _ in r.stored for c in batch]
    # Every code an upload reported stored is in that upload's pool, and nothing else is.
    assert {normalize_code(c): pool for pool, c in stored} == pooled, f"seed {seed}"
    assert len(stored) == len(pooled), f"seed {seed}: a code was reported stored twice"


def _puller(worker: int, url: str, seed: int, barrier: Any, results: Any) -> None:
    db = Database(url)
    report = Report(worker)
    rng = random.Random(seed * 1_000 + worker)
    store_codes = builders.codes_named("PULL", STORE_CODES)
    page = rng.choice((50, 100, 250))
    try:
        with db.transaction() as tx:
            incentive_id = tx.scalars(select(Incentive.id)).one()
            run_id = sync_runs.begin_run(tx, STORE, "pull", incentive_id)
        barrier.wait(BARRIER_TIMEOUT_S)
        for start in range(0, STORE_CODES, page):
            rows = [(c, normalize_code(c), None) for c in store_codes[start : start + page]]
            with db.transaction() as tx:
                result = shop_sync.upsert_page(tx, incentive_id, STORE, run_id, rows)
            assert result.foreign == [], "the pool's own codes were taken for another's"
        with db.transaction() as tx:
            shop_sync.finish_pull(
                tx,
                incentive_id,
                STORE,
                run_id,
                source_status="active",
                source_title="Discount 1",
                usable=True,
            )
            sync_runs.finish_run(tx, run_id, status="ok", error=None)
    except BaseException:  # noqa: BLE001 - the parent must hear of any crash
        report.crash = traceback.format_exc()
    finally:
        db.dispose()
    results.put(report)


def test_concurrent_pulls_of_a_fresh_pool_all_succeed_and_keep_every_code(db_url: str) -> None:
    seed = random.randrange(1_000_000)
    db = Database(db_url)
    builders.campaign(db, pools={"kit": 0})
    with db.transaction() as tx:
        tx.execute(update(Incentive).values(store_name=STORE, source_id="gid://Discount/1"))

    reports = _run(_puller, db_url, seed)

    assert [r.crash for r in reports if r.crash] == [], f"seed {seed}"
    with db.transaction() as tx:
        statuses = dict(tx.execute(select(Code.status, func.count()).group_by(Code.status)).all())
    db.dispose()
    assert statuses == {"available": STORE_CODES}, f"seed {seed}"


class _OneDiscountShop:
    """A shop whose every discount reference resolves to the same discount."""

    def resolve_source(self, _ref: SourceRef) -> CodeSource:
        return CodeSource(DISCOUNT, "Summer", "active", 0)


def _linker(worker: int, url: str, seed: int, barrier: Any, results: Any) -> None:
    db = Database(url)
    report = Report(worker)
    try:
        with db.transaction() as tx:
            tx.scalar(select(func.count()).select_from(Incentive))
        barrier.wait(BARRIER_TIMEOUT_S)
        try:
            shop: Any = _OneDiscountShop()
            link.link(db, shop, STORE, f"summer/i{worker}", SourceRef(discount_code="ANY"))
            report.stored.append((f"i{worker}", [], False))
        except (DomainError, Conflict):  # refused by the check, or by the index in a race
            report.refused += 1
    except BaseException:  # noqa: BLE001 - the parent must hear of any crash
        report.crash = traceback.format_exc()
    finally:
        db.dispose()
    results.put(report)


def test_racing_links_of_one_discount_feed_exactly_one_incentive(db_url: str) -> None:
    db = Database(db_url)
    builders.campaign(db, pools={f"i{n}": 0 for n in range(WORKERS)}, active=False)

    reports = _run(_linker, db_url, random.randrange(1_000_000))

    assert [r.crash for r in reports if r.crash] == []
    assert sum(len(r.stored) for r in reports) == 1
    assert sum(r.refused for r in reports) == WORKERS - 1
    with db.transaction() as tx:
        linked = tx.scalars(select(Incentive.key).where(Incentive.source_id == DISCOUNT)).all()
    db.dispose()
    assert len(linked) == 1
