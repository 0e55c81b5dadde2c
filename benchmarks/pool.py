"""The pool benchmarks: each returns one :class:`Row` with the median of its runs.

- ``upload``: paste N codes (``io.StringIO``) into an empty SQLite pool.
- ``upload_rss``: upload N codes from a file in a child process and read its peak RSS.
- ``sequential_moves``: move N creators into the release stage one after another (SQLite).
- ``concurrent_moves``: P spawned processes move N creators on a fresh PostgreSQL database.
"""

from __future__ import annotations

import io
import multiprocessing
import random
import statistics
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks import fixtures
from benchmarks.harness import Row, run_all, run_child, spread
from store import scratch
from store.db import Database
from store.models import Assignment, Campaign, Code, Incentive, Membership
from sync import codes, moves

MB = 1024 * 1024
WORKER_TIMEOUT_S = 600


@dataclass
class Sizes:
    upload: int
    upload_rss: int
    sequential_moves: int
    concurrent_moves: int
    processes: int
    runs: int
    samples: dict[str, list[float]] = field(default_factory=dict)


FULL = Sizes(
    upload=100_000,
    upload_rss=1_000_000,
    sequential_moves=10_000,
    concurrent_moves=20_000,
    processes=8,
    runs=3,
)
QUICK = Sizes(
    upload=1_000,
    upload_rss=5_000,
    sequential_moves=100,
    concurrent_moves=200,
    processes=2,
    runs=1,
)

UPLOAD_TARGET_S = 2.0
RSS_TARGET_MB = 250.0
MOVES_TARGET_PER_S = 1_000.0


def _median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


# --- upload N codes by paste --------------------------------------------------------------


def upload(sizes: Sizes, work: Path, template: Path) -> Row:
    text = "".join(fixtures.code_lines("PASTE", sizes.upload))
    seconds = []
    for _ in range(sizes.runs):
        url = fixtures.fresh_sqlite(template, work)
        db = Database(url)
        fixtures.campaign(db, "paste")
        started = time.perf_counter()
        result = codes.upload(db, f"paste/{fixtures.INCENTIVE}", io.StringIO(text))
        seconds.append(time.perf_counter() - started)
        db.dispose()
        fixtures.remove_sqlite(url)
        if result.stored != sizes.upload:
            raise AssertionError(f"stored {result.stored} of {sizes.upload}")
    median = _median(seconds)
    return Row(
        f"upload {sizes.upload:,} codes (paste, SQLite)",
        f"{median:.2f} s",
        f"<= {UPLOAD_TARGET_S:g} s",
        median <= UPLOAD_TARGET_S,
        sizes.runs,
        f"{sizes.upload / median:,.0f} codes/s; " + spread(seconds, lambda s: f"{s:.2f}s"),
    )


# --- upload N codes from a file: peak RSS -------------------------------------------------


def upload_rss(sizes: Sizes, work: Path, template: Path) -> Row:
    path = fixtures.write_code_file(work / "codes.txt", "FILE", sizes.upload_rss)
    peaks, baselines, seconds = [], [], []
    for _ in range(sizes.runs):
        url = fixtures.fresh_sqlite(template, work)
        db = Database(url)
        fixtures.campaign(db, "file")
        db.dispose()
        report = run_child(
            "benchmarks.rss_child",
            [url, f"file/{fixtures.INCENTIVE}", str(path)],
            timeout_s=WORKER_TIMEOUT_S,
        )
        if report["stored"] != sizes.upload_rss:
            raise AssertionError(f"stored {report['stored']} of {sizes.upload_rss}")
        peaks.append(report["peak_rss_bytes"] / MB)
        baselines.append(report["baseline_rss_bytes"] / MB)
        seconds.append(report["seconds"])
        fixtures.remove_sqlite(url)
    median = _median(peaks)
    return Row(
        f"upload {sizes.upload_rss:,} codes from a file (SQLite): peak RSS",
        f"{median:.0f} MB",
        f"<= {RSS_TARGET_MB:g} MB",
        median <= RSS_TARGET_MB,
        sizes.runs,
        f"RSS before upload {_median(baselines):.0f} MB; upload took "
        f"{_median(seconds):.1f} s; " + spread(peaks, lambda m: f"{m:.0f}MB"),
    )


# --- N sequential moves -------------------------------------------------------------------


def sequential_moves(sizes: Sizes, work: Path, template: Path) -> Row:
    rates, refused = [], 0
    for _ in range(sizes.runs):
        url = fixtures.fresh_sqlite(template, work)
        db = Database(url)
        fixtures.campaign(db, "seq", pool_size=sizes.sequential_moves)
        handles = fixtures.handles(sizes.sequential_moves)
        fixtures.creators(db, "seq", handles)
        started = time.perf_counter()
        released = 0
        for handle in handles:
            released += len(moves.move(db, "seq", handle, fixtures.TARGET_STAGE).released)
        rates.append(released / (time.perf_counter() - started))
        refused += sizes.sequential_moves - released
        db.dispose()
        fixtures.remove_sqlite(url)
    if refused:
        raise AssertionError(f"{refused} moves released no code")
    median = _median(rates)
    return Row(
        f"{sizes.sequential_moves:,} sequential stage moves (SQLite, 1 process)",
        f"{median:,.0f} assignments/s",
        f">= {MOVES_TARGET_PER_S:,.0f}/s",
        median >= MOVES_TARGET_PER_S,
        sizes.runs,
        spread(rates, lambda r: f"{r:,.0f}/s"),
    )


# --- N moves from P processes on PostgreSQL -----------------------------------------------


@dataclass(frozen=True)
class _WorkerResult:
    moved: int
    refused: int
    crash: str | None = None


def _move_worker(url: str, campaign: str, handles: list[str], barrier: Any, out: Any) -> None:
    """Spawned: its own engine, connected before the start line; then move every creator."""
    db = Database(url)
    try:
        with db.transaction() as tx:
            tx.scalar(select(func.count()).select_from(Membership))
        barrier.wait(WORKER_TIMEOUT_S)
        moved = refused = 0
        for handle in handles:
            try:
                moves.move(db, campaign, handle, fixtures.TARGET_STAGE)
                moved += 1
            except moves.OutOfCodes:
                refused += 1
        out.put(_WorkerResult(moved, refused))
    except BaseException:  # noqa: BLE001 - the parent must hear of any crash
        out.put(_WorkerResult(0, 0, traceback.format_exc()))
    finally:
        db.dispose()


def _race(url: str, campaign: str, hands: list[list[str]]) -> tuple[float, list[_WorkerResult]]:
    """Run one worker per hand; seconds from the common start to the last worker's end."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(hands) + 1)  # the workers and this process
    out = context.Queue()
    workers = [
        context.Process(target=_move_worker, args=(url, campaign, hand, barrier, out))
        for hand in hands
    ]
    for process in workers:
        process.start()
    barrier.wait(WORKER_TIMEOUT_S)
    started = time.perf_counter()
    results = [out.get(timeout=WORKER_TIMEOUT_S) for _ in workers]
    elapsed = time.perf_counter() - started
    for process in workers:
        process.join(WORKER_TIMEOUT_S)
    crashes = [r.crash for r in results if r.crash]
    if crashes:
        raise RuntimeError("a mover crashed:\n" + "\n".join(crashes))
    return elapsed, results


def _duplicates(db: Database, campaign: str) -> tuple[int, int, int]:
    """(extra hand-outs of already assigned codes, assignments, codes marked assigned)."""
    with db.transaction() as tx:
        incentive_ids = (
            select(Incentive.id)
            .join(Campaign, Campaign.id == Incentive.campaign_id)
            .where(Campaign.key == campaign)
            .scalar_subquery()
        )
        per_code = tx.execute(
            select(Assignment.code_id, func.count())
            .where(Assignment.incentive_id.in_(incentive_ids))
            .group_by(Assignment.code_id)
        ).all()
        assigned_codes = tx.scalar(
            select(func.count())
            .select_from(Code)
            .where(Code.incentive_id.in_(incentive_ids), Code.status == "assigned")
        )
    duplicates = sum(n - 1 for _, n in per_code if n > 1)
    return duplicates, sum(n for _, n in per_code), int(assigned_codes or 0)


def concurrent_moves(sizes: Sizes, work: Path, template: Path) -> Row:
    name = f"{sizes.processes} processes moving {sizes.concurrent_moves:,} creators (PostgreSQL)"
    target = f">= {MOVES_TARGET_PER_S:,.0f}/s, 0 duplicates"
    problem = scratch.unreachable(scratch.admin_url())
    if problem:
        return Row(name, "not measured", target, None, 0, problem)
    rates, duplicates, overdrawn = [], 0, 0
    rng = random.Random(2026)
    all_handles = fixtures.handles(sizes.concurrent_moves)
    with scratch.fresh_postgresql(scratch.admin_url(), prefix="promosync_bench") as url:
        db = Database(url)
        for run in range(sizes.runs):
            key = f"race{run}"
            fixtures.campaign(db, key, pool_size=sizes.concurrent_moves)
            fixtures.creators(db, key, all_handles)
            shuffled = rng.sample(all_handles, len(all_handles))
            hands = [shuffled[n :: sizes.processes] for n in range(sizes.processes)]
            elapsed, results = _race(url, key, hands)
            moved = sum(r.moved for r in results)
            doubled, assignments, assigned_codes = _duplicates(db, key)
            duplicates += doubled
            overdrawn += max(0, assignments - sizes.concurrent_moves)
            if assignments != moved or assigned_codes != moved:
                raise AssertionError(
                    f"{moved} moves reported, {assignments} assignments, "
                    f"{assigned_codes} codes marked assigned"
                )
            rates.append(moved / elapsed)
        db.dispose()
    median = _median(rates)
    return Row(
        name,
        f"{median:,.0f} assignments/s, {duplicates} duplicates",
        target,
        median >= MOVES_TARGET_PER_S and duplicates == 0 and overdrawn == 0,
        sizes.runs,
        spread(rates, lambda r: f"{r:,.0f}/s"),
    )


BENCHMARKS: tuple[tuple[str, Callable[[Sizes, Path, Path], Row]], ...] = (
    ("upload", upload),
    ("upload_rss", upload_rss),
    ("sequential_moves", sequential_moves),
    ("concurrent_moves", concurrent_moves),
)


def run(sizes: Sizes, only: Sequence[str] = ()) -> list[Row]:
    """Run the pool benchmarks (all, or those named in ``only``); one row each."""
    return run_all(BENCHMARKS, sizes, only, prefix="promosync-bench-")
