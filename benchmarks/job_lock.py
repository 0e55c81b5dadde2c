"""What the one-job-at-a-time lock costs a sync run (issue 7, item 2).

``job_lock``: N empty runs through :func:`sync.shopsync.runs.sync_run` (lock taken and
released, leftover rows reaped, run row begun and finished) against a bare baseline doing
the same run-row work without the lock, interleaved in the same process, on SQLite and on
PostgreSQL. The figure is the lock's overhead per run (median of the runs) and the ratio of
the two; a real job (a pull, an orders sync) lasts from hundreds of milliseconds to minutes.

Run standalone: ``python -m benchmarks.job_lock [--quick]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import fixtures
from benchmarks.harness import Row, run_all, spread
from store import scratch, sync_runs
from store.db import Database
from sync.shopsync.runs import sync_run

STORE_NAME = "main"
KIND = "pull"
OVERHEAD_TARGET_MS = 5.0


@dataclass(frozen=True)
class Sizes:
    runs_per_sample: int
    samples: int


FULL = Sizes(runs_per_sample=300, samples=3)
QUICK = Sizes(runs_per_sample=10, samples=1)


def _locked(db: Database) -> None:
    with sync_run(db, STORE_NAME, KIND):
        pass


def _bare(db: Database) -> None:
    """The same run-row work as :func:`sync_run`, without the lock."""
    with db.transaction() as tx:
        sync_runs.running_runs(tx, STORE_NAME, KIND, None)
        run_id = sync_runs.begin_run(tx, STORE_NAME, KIND, owner="bench:1")
    with db.transaction() as tx:
        sync_runs.finish_run(tx, run_id, "ok", None)


def _seconds_per_run(db: Database, work: Callable[[Database], None], runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        work(db)
    return (time.perf_counter() - started) / runs


def _measure(url: str, sizes: Sizes) -> tuple[list[float], list[float]]:
    """Per-run seconds of (locked, bare), one figure per sample, interleaved."""
    db = Database(url)
    _locked(db), _bare(db)  # warm the connection pool and the statement caches
    locked, bare = [], []
    for _ in range(sizes.samples):
        locked.append(_seconds_per_run(db, _locked, sizes.runs_per_sample))
        bare.append(_seconds_per_run(db, _bare, sizes.runs_per_sample))
    db.dispose()
    return locked, bare


def _row(name: str, locked: list[float], bare: list[float], runs: int) -> Row:
    overheads = [(lk - br) * 1_000 for lk, br in zip(locked, bare, strict=True)]
    median = statistics.median(overheads)
    ratio = statistics.median(locked) / statistics.median(bare)
    return Row(
        name,
        f"{median:+.2f} ms/run ({ratio:.2f}x the bare run, "
        f"{statistics.median(bare) * 1_000:.2f} ms)",
        f"<= {OVERHEAD_TARGET_MS:.0f} ms/run",
        median <= OVERHEAD_TARGET_MS,
        runs,
        spread(overheads, lambda ms: f"{ms:+.2f} ms"),
    )


def sqlite_lock(sizes: Sizes, work: Path, template: Path) -> Row:
    url = fixtures.fresh_sqlite(template, work)
    locked, bare = _measure(url, sizes)
    fixtures.remove_sqlite(url)
    return _row("job lock per sync run (SQLite)", locked, bare, sizes.samples)


def postgresql_lock(sizes: Sizes, work: Path, template: Path) -> Row:
    name = "job lock per sync run (PostgreSQL)"
    problem = scratch.unreachable(scratch.admin_url())
    if problem:
        return Row(name, "not measured", f"<= {OVERHEAD_TARGET_MS:.0f} ms/run", None, 0, problem)
    with scratch.fresh_postgresql(scratch.admin_url(), prefix="promosync_bench") as url:
        locked, bare = _measure(url, sizes)
    return _row(name, locked, bare, sizes.samples)


BENCHMARKS: tuple[tuple[str, Callable[[Sizes, Path, Path], Row]], ...] = (
    ("job_lock_sqlite", sqlite_lock),
    ("job_lock_postgresql", postgresql_lock),
)


def run(quick: bool, only: Sequence[str] = ()) -> list[Row]:
    """Run the job-lock benchmarks (all, or those named in ``only``); one row each."""
    return run_all(BENCHMARKS, QUICK if quick else FULL, only, prefix="promosync-lock-")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.job_lock", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    for row in run(parser.parse_args().quick):
        print(row)
