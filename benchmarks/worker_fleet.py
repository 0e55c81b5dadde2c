"""``promosync run`` keeping a fleet of shops fresh (issue 7, item 8).

``worker_fleet_N``: one local Shopify process serves S shops (each its own domain, token,
bucket and a discount of a few codes, linked to its own incentive); pull, usage and orders
run every ``interval`` seconds per shop. N ``promosync run`` processes work one fresh
PostgreSQL database (the same one for every N, in turn). After a warm-up, for ``measure``
seconds, the benchmark samples every few seconds how stale each shop's codes are (time since
its last successful pull, from :func:`sync.shopsync.status.job_status`) and the database's
connections, and reads the workers' CPU time (user + sys, ``/proc/PID/stat``) at both ends.
Jobs are the ``sync_runs`` rows finished in the window.

The bare baseline, in the same run right after the workers stop: a child process runs
the same job bodies (:data:`sync.worker.table.PERIODIC`: the very services the worker
calls, shops opened the same way) one after another in a plain loop, no queue, no
scheduler, no log line, no metrics. The ratio is the workers' CPU per job over the loop's:
what procrastinate, APScheduler and the worker's bookkeeping add to a job.

Run standalone: ``python -m benchmarks.worker_fleet [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text

from benchmarks.harness import Row
from integrations.ports import SourceRef
from integrations.sandbox.shopify import SandboxServer, SandboxShop, start
from integrations.shopify.shop import ShopifyShop
from store import scratch
from store.db import Database
from store.models import utcnow
from store.models_sync import SyncRun
from sync import campaigns, incentives
from sync import config as config_module
from sync.shopsync import link, status
from sync.worker.clock import tick_of
from sync.worker.stopping import StopFlag
from sync.worker.table import Call, JobKey, keys

CAMPAIGN = "fleet"
MEASURED_JOBS = ("pull", "usage", "orders")
CLK_TCK = os.sysconf("SC_CLK_TCK")
CHILD_TIMEOUT_S = 600
STOP_TIMEOUT_S = 20
READY_TIMEOUT_S = 240


@dataclass(frozen=True)
class Sizes:
    shops: int
    codes: int  # per shop's discount: small, so a job's cost is the worker's, not the data's
    interval: int  # seconds between two runs of pull, usage and orders per shop
    warmup: float
    measure: float
    sample_every: float
    workers: tuple[int, ...]
    loop_jobs: int  # jobs the bare loop runs (the first pass over the shops)
    judged: bool


FULL = Sizes(
    shops=200,
    codes=20,
    interval=60,
    warmup=20,
    measure=150,
    sample_every=5,
    workers=(1, 2, 4),
    loop_jobs=150,
    judged=True,
)
QUICK = Sizes(
    shops=5,
    codes=20,
    interval=5,
    warmup=4,
    measure=10,
    sample_every=2,
    workers=(1,),
    loop_jobs=6,
    judged=False,
)


def store_name(n: int) -> str:
    return f"s{n:03d}"


def token_env(n: int) -> str:
    return f"BENCH_FLEET_TOKEN_{n:03d}"


@dataclass
class Fleet:
    """The local Shopify with its shops, and the config every worker reads."""

    server: SandboxServer
    shops: list[SandboxShop]
    config: Path
    env: dict[str, str] = field(default_factory=dict)


@contextmanager
def fleet(db_url: str, sizes: Sizes, work: Path) -> Iterator[Fleet]:
    """S shops in one local Shopify, each discount linked to its own incentive."""
    shops = [
        SandboxShop(name=f"Fleet {n}", domain=f"fleet-{n:03d}.myshopify.com")
        for n in range(1, sizes.shops + 1)
    ]
    discounts = [
        shop.create_code_discount(
            f"Creators {n}", [f"F{n:03d}-{c:04d}" for c in range(sizes.codes)]
        )
        for n, shop in enumerate(shops, 1)
    ]
    server = start(shops[0], *shops[1:])
    try:
        db = Database(db_url)
        campaigns.create(db, "Fleet", key=CAMPAIGN, currency="USD")
        for n in range(1, sizes.shops + 1):
            incentives.add(
                db,
                CAMPAIGN,
                key=f"kit{n:03d}",
                description="Fleet kit",
                value="10",
                cost="4",
                timing="pre_payment",
            )
        for n, (shop, discount) in enumerate(zip(shops, discounts, strict=True), 1):
            with ShopifyShop.connect(
                shop=shop.domain,
                access_token=shop.access_token,
                admin_api_url=server.admin_api_url_for(shop.domain),
            ) as client:
                link.link(
                    db,
                    client,
                    store_name(n),
                    f"{CAMPAIGN}/kit{n:03d}",
                    SourceRef(discount_id=f"gid://shopify/DiscountCodeNode/{discount}"),
                )
        campaigns.set_status(db, CAMPAIGN, "active")
        db.dispose()
        every = f'"{sizes.interval}s"'
        lines = [
            f'database_url = "{db_url}"',
            f'log_file = "{work / "fleet.log"}"',
            "[daemon]",
            f"pull_every = {every}",
            f"usage_every = {every}",
            f"orders_every = {every}",
            # Not measured: these run once at start-up (in the warm-up), then not again.
            'revoke_every = "24h"',
            'inbox_every = "24h"',
            'mail_every = "24h"',
        ]
        for n, shop in enumerate(shops, 1):
            lines += [
                f"[stores.{store_name(n)}]",
                'platform = "shopify"',
                f'shop = "{shop.domain}"',
                f'access_token = "${{{token_env(n)}}}"',
                f'admin_api_url = "{server.admin_api_url_for(shop.domain)}"',
            ]
        config = work / "fleet.toml"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = {token_env(n): shop.access_token for n, shop in enumerate(shops, 1)}
        yield Fleet(server, shops, config, env)
    finally:
        server.shutdown()
        for shop in shops:
            shop.close()


# --- measuring the workers ----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process, from ``/proc/PID/stat``."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def finished_jobs(db: Database, since: datetime, until: datetime) -> tuple[int, int]:
    """Runs (sync_runs rows) that ended in the window: all of them, and the failed ones."""
    with db.transaction() as tx:
        rows = tx.execute(
            select(SyncRun.status, func.count())
            .where(SyncRun.finished_at >= since, SyncRun.finished_at < until)
            .group_by(SyncRun.status)
        ).all()
    counts = {str(status): int(n) for status, n in rows}
    return sum(counts.values()), counts.get("failed", 0)


def pull_lags(db: Database, since: datetime, until: datetime, interval: int) -> list[float]:
    """Seconds from each pull's tick (the start of its key's period) to its end: how long
    a job due at its tick takes to reach its shop."""
    with db.transaction() as tx:
        rows = tx.execute(
            select(
                SyncRun.store_name, SyncRun.incentive_id, SyncRun.started_at, SyncRun.finished_at
            ).where(
                SyncRun.kind == "pull",
                SyncRun.status == "ok",
                SyncRun.finished_at >= since,
                SyncRun.finished_at < until,
            )
        ).all()
    lags = []
    for store, incentive_id, started_at, finished_at in rows:
        assert finished_at is not None  # selected by it
        key = JobKey("pull", store, incentive_id).lock
        lags.append(finished_at.timestamp() - tick_of(key, started_at.timestamp(), interval))
    return lags


def connections(db: Database) -> int:
    """Connections open to this database now (workers, queue listeners, this process)."""
    with db.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            ).scalar_one()
        )


def pull_staleness(db: Database) -> list[float]:
    """Seconds since each shop's last successful pull (infinite: never pulled)."""
    return [
        math.inf if s.stale_seconds is None else s.stale_seconds
        for s in status.job_status(db)
        if s.job == "pull"
    ]


@contextmanager
def workers(fleet: Fleet, count: int, work: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` ``promosync run`` processes, logging to files; SIGTERM at the end."""
    env = {**os.environ, **fleet.env, "PROMOSYNC_DB": ""}
    with ExitStack() as stack:
        children = []
        for n in range(count):
            log = stack.enter_context((work / f"worker-{count}-{n}.log").open("wb"))
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "sync.cli.main", "--config", str(fleet.config), "run"],
                    env=env,
                    stdout=log,
                    stderr=log,
                )
            )
        try:
            yield children
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()


def _alive(children: Sequence[subprocess.Popen[bytes]], work: Path, count: int) -> None:
    for n, child in enumerate(children):
        if child.poll() is not None:
            tail = (work / f"worker-{count}-{n}.log").read_text(errors="replace")[-2_000:]
            raise RuntimeError(f"worker {n} exited {child.returncode}:\n{tail}")


@dataclass(frozen=True)
class Phase:
    workers: int
    staleness: list[float]
    never_pulled: int
    jobs: int
    failed: int
    seconds: float
    cpu: float
    max_connections: int
    lags: list[float]
    loop_cpu_per_job: float

    @property
    def cpu_per_job(self) -> float:
        return self.cpu / self.jobs if self.jobs else math.inf


def phase(db_url: str, fleet: Fleet, count: int, sizes: Sizes, work: Path) -> Phase:
    db = Database(db_url)
    try:
        with workers(fleet, count, work) as children:
            first = time.monotonic() + READY_TIMEOUT_S
            while math.inf in pull_staleness(db):  # every shop pulled once (readiness)
                _alive(children, work, count)
                if time.monotonic() > first:
                    raise RuntimeError(f"not every shop pulled within {READY_TIMEOUT_S} s")
                time.sleep(0.5)
            warm = time.monotonic() + sizes.warmup
            while time.monotonic() < warm:
                _alive(children, work, count)
                time.sleep(0.5)
            cpu_before = sum(cpu_seconds(c.pid) for c in children)
            since, started = utcnow(), time.monotonic()
            samples: list[float] = []
            most = 0
            never = 0
            while time.monotonic() - started < sizes.measure:
                _alive(children, work, count)
                stale = pull_staleness(db)
                samples += stale
                never = max(never, sum(1 for s in stale if s == math.inf))
                most = max(most, connections(db))
                time.sleep(sizes.sample_every)
            cpu_after = sum(cpu_seconds(c.pid) for c in children)
            until, seconds = utcnow(), time.monotonic() - started
        jobs, failed = finished_jobs(db, since, until)
        lags = pull_lags(db, since, until, sizes.interval)
    finally:
        db.dispose()
    loop = _run_loop(fleet, sizes.loop_jobs)
    return Phase(
        count,
        samples,
        never,
        jobs,
        failed,
        seconds,
        cpu_after - cpu_before,
        most,
        lags,
        loop["cpu"] / loop["jobs"],
    )


# --- the bare baseline: the same job bodies in a plain loop ---------------------------------


def child_loop(config_path: str, jobs: int) -> dict[str, float]:
    """Run ``jobs`` periodic jobs (pull, usage, orders; shop by shop) one after another."""
    config = config_module.load(config_path)
    db = Database(config.database_url)
    stop = StopFlag()
    due = [(p, k) for p, k in keys(db, config) if p.name in MEASURED_JOBS]
    due.sort(key=lambda pk: (pk[1].store or "", MEASURED_JOBS.index(pk[0].name)))
    for periodic, key in due[: len(MEASURED_JOBS)]:  # warm the pool and statement caches
        periodic.run(Call(db, config, key, stop, stop.timing()))
    chosen = due[len(MEASURED_JOBS) : len(MEASURED_JOBS) + jobs]
    started = time.process_time()
    for periodic, key in chosen:
        periodic.run(Call(db, config, key, stop, stop.timing()))
    cpu = time.process_time() - started
    db.dispose()
    return {"jobs": len(chosen), "cpu": cpu}


def _run_loop(fleet: Fleet, jobs: int) -> dict[str, float]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.worker_fleet",
            "--child-loop",
            str(fleet.config),
            str(jobs),
        ],
        env={**os.environ, **fleet.env, "PROMOSYNC_DB": ""},
        capture_output=True,
        text=True,
        check=False,
        timeout=CHILD_TIMEOUT_S,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bare loop failed:\n{completed.stderr[-3_000:]}")
    report: dict[str, float] = json.loads(completed.stdout)
    return report


# --- rows ---------------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def _seconds(value: float) -> str:
    return "never" if value == math.inf else f"{value:.1f} s"


def _row(result: Phase, sizes: Sizes) -> Row:
    p50 = percentile(result.staleness, 0.50)
    p99 = percentile(result.staleness, 0.99)
    ratio = result.cpu_per_job / result.loop_cpu_per_job
    jobs_per_s = result.jobs / result.seconds
    demand = len(MEASURED_JOBS) * sizes.shops / sizes.interval
    return Row(
        f"{sizes.shops} shops, {result.workers} worker{'s' if result.workers > 1 else ''} "
        f"(PostgreSQL, every {sizes.interval} s)",
        f"staleness p50 {_seconds(p50)}, p99 {_seconds(p99)}; {jobs_per_s:.2f} jobs/s; "
        f"{result.cpu_per_job * 1_000:.1f} ms CPU/job ({ratio:.2f}x the bare loop's "
        f"{result.loop_cpu_per_job * 1_000:.1f} ms)",
        f"p99 < {sizes.interval} s",
        p99 < sizes.interval,
        1,
        f"max {_seconds(max(result.staleness))}, {len(result.staleness):,} samples over "
        f"{result.seconds:.0f} s after {sizes.warmup:.0f} s warm-up; a pull ends "
        f"{_seconds(percentile(result.lags, 0.5))} (p50), {_seconds(max(result.lags))} (max) "
        f"after its tick; demand {demand:.1f} "
        f"jobs/s; {result.jobs:,} jobs ({result.failed} failed), {result.cpu:.1f} CPU s; "
        f"<= {result.max_connections} PG connections; never pulled {result.never_pulled}; "
        f"load {os.getloadavg()[0]:.1f}",
    )


def fleet_rows(sizes: Sizes, work: Path) -> list[Row]:
    problem = scratch.unreachable(scratch.admin_url())
    if problem:
        return [
            Row(
                f"{sizes.shops} shops, {n} worker(s) (PostgreSQL)",
                "not measured",
                "-",
                None,
                0,
                problem,
            )
            for n in sizes.workers
        ]
    # job_status first reaps the runs of dead processes; sampled every few seconds beside
    # busy workers, its warning also counts runs that ended between its read and its lock
    # (its update leaves those alone): quiet here, noted in the README.
    logging.getLogger("sync.shopsync.runs").setLevel(logging.ERROR)
    rows = []
    with ExitStack() as stack:
        url = stack.enter_context(
            scratch.fresh_postgresql(scratch.admin_url(), prefix="promosync_fleet")
        )
        shops = stack.enter_context(fleet(url, sizes, work))
        for count in sizes.workers:
            rows.append(_row(phase(url, shops, count, sizes, work), sizes))
            print(f"  done: {rows[-1].name}", file=sys.stderr, flush=True)
    return rows


#: One name for ``--only``; its one function gives a row per worker count (quick: one).
BENCHMARKS: tuple[tuple[str, Callable[[Sizes, Path], list[Row]]], ...] = (
    ("worker_fleet", fleet_rows),
)


def run(quick: bool, only: Sequence[str] = ()) -> list[Row]:
    """The fleet benchmark (unless ``only`` names others): one row per worker count."""
    if only and "worker_fleet" not in only:
        return []
    with tempfile.TemporaryDirectory(prefix="promosync-fleet-") as tmp:
        return fleet_rows(QUICK if quick else FULL, Path(tmp))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker_fleet", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child-loop", nargs=2, metavar=("CONFIG", "JOBS"))
    args = parser.parse_args()
    if args.child_loop:
        print(json.dumps(child_loop(args.child_loop[0], int(args.child_loop[1]))))
    else:
        for row in run(args.quick):
            print(row)
