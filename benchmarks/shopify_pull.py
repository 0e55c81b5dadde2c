"""Pull benchmarks against the bundled local Shopify (real HTTP on loopback).

- ``pull_throttled``: pull N codes by cursor pages through a small cost bucket. The figure is
  wall time / the cost model's minimum, where the minimum is
  ``(requested cost of every answered request - bucket size) / restore rate``: a full bucket
  pays for its size at once, the rest arrives at the restore rate. The requested cost is
  totalled from the sandbox's own record of each answered request (THROTTLED refusals excluded:
  they reserve nothing), so the client's pacing requests count too.
- ``pull_bulk``: pull N codes with throttling off, the way a real pull of that size goes (the
  client's default bulk-export threshold), end to end into SQLite; codes/s and peak RSS.

Each pull runs in a child process (``python -m benchmarks.shopify_pull --child ...``) while the
sandbox serves from this one, as Shopify runs on its own machines: the child's ``ru_maxrss`` is
the pull's own high-water mark and the sandbox does not share its interpreter lock.

Run standalone: ``python -m benchmarks.shopify_pull [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import fixtures
from benchmarks.harness import Row, run_all, run_child, spread
from benchmarks.rss import peak_rss_bytes
from integrations.ports import SourceRef
from integrations.sandbox.shopify import (
    BucketConfig,
    RequestRecord,
    SandboxServer,
    SandboxShop,
    serve,
)
from integrations.shopify.shop import DEFAULT_BULK_THRESHOLD, ShopifyShop
from store.db import Database
from sync import campaigns, incentives
from sync.shopsync import common, link, pull

MB = 1024 * 1024
CHILD_TIMEOUT_S = 900
STORE_NAME = "main"
CAMPAIGN = "bench"
INCENTIVE_REF = f"{CAMPAIGN}/{fixtures.INCENTIVE}"
CODE_PREFIX = "BENCH-"
GRAPHQL_OK = 200
BUCKET_REFILL_POLL_S = 0.05

THROTTLED_RATIO_TARGET = 1.10
THROTTLED_SHARE_TARGET = 0.01  # at most 1 % of requests answered THROTTLED
PULL_RATE_TARGET = 20_000.0  # codes/s end to end into SQLite
PULL_RSS_TARGET_MB = 200.0


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark is and how often it runs."""

    throttled_codes: int
    bucket_size: float
    restore_rate: float
    bulk_codes: int
    runs: int
    judged: bool  # False in --quick: the sizes are too small for the targets to mean anything


FULL = Sizes(
    throttled_codes=20_000,
    bucket_size=1_000.0,
    restore_rate=500.0,
    bulk_codes=100_000,
    runs=3,
    judged=True,
)
QUICK = Sizes(
    throttled_codes=500,
    bucket_size=300.0,
    restore_rate=500.0,
    bulk_codes=1_000,
    runs=1,
    judged=False,
)


def bench_codes(count: int) -> list[str]:
    """``count`` distinct valid codes, as a merchant's generator would make them."""
    return [f"{CODE_PREFIX}{n:08d}" for n in range(count)]


# --- child: one pull, timed, with its peak RSS -------------------------------------------


def child_main(
    db_url: str, admin_api_url: str, token: str, domain: str, bulk_threshold: int
) -> int:
    """Pull the benchmark incentive once and print what happened as one JSON object."""
    db = Database(db_url)
    (target,) = common.targets(db, STORE_NAME, INCENTIVE_REF)
    with ShopifyShop.connect(
        shop=domain, access_token=token, admin_api_url=admin_api_url, bulk_threshold=bulk_threshold
    ) as shop:
        baseline = peak_rss_bytes()  # interpreter, SQLAlchemy, httpx and the services loaded
        first_page: list[float] = []
        started = time.perf_counter()

        def progress(_: int) -> None:
            if not first_page:
                first_page.append(time.perf_counter() - started)

        result = pull.pull(db, shop, target, progress)
        seconds = time.perf_counter() - started
        stats = shop.client.stats
        report = {
            "seconds": seconds,
            "first_page_seconds": first_page[0] if first_page else seconds,
            "expected": result.expected,
            "fetched": result.fetched,
            "new": result.new,
            "requests": stats.requests,
            "by_operation": dict(stats.by_operation),
            "throttled": stats.throttled,
            "paced_seconds": shop.client.pacer.total_waited,
            "baseline_rss_bytes": baseline,
            "peak_rss_bytes": peak_rss_bytes(),
        }
    db.dispose()
    print(json.dumps(report))
    return 0


# --- parent: a sandbox shop, a linked incentive, one child per run ------------------------


@dataclass(frozen=True)
class PullRun:
    """One pull as seen by the child (timing, RSS) and by the sandbox (cost, THROTTLED)."""

    child: dict[str, Any]
    answered: int  # GraphQL requests answered without THROTTLED
    throttled: int  # GraphQL requests answered THROTTLED
    requested_cost: int  # sum of requestedQueryCost over the answered requests
    actual_cost: int


class _Recorder:
    """Collects the sandbox's record of every request (called from its request threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[RequestRecord] = []

    def __call__(self, record: RequestRecord) -> None:
        with self._lock:
            self.records.append(record)

    def take(self) -> list[RequestRecord]:
        with self._lock:
            taken, self.records = self.records, []
        return taken


def _link(db: Database, server: SandboxServer, sandbox: SandboxShop, first_code: str) -> None:
    """An active campaign whose incentive is linked to the discount holding ``first_code``."""
    campaigns.create(db, CAMPAIGN.title(), key=CAMPAIGN, currency="USD")
    incentives.add(
        db,
        CAMPAIGN,
        key=fixtures.INCENTIVE,
        description="Benchmark kit",
        value="25.00",
        cost="8.50",
        timing=fixtures.TARGET_STAGE,
    )
    with ShopifyShop.connect(
        shop=sandbox.domain, access_token=server.access_token, admin_api_url=server.admin_api_url
    ) as shop:
        link.link(db, shop, STORE_NAME, INCENTIVE_REF, SourceRef(discount_code=first_code))
    campaigns.set_status(db, CAMPAIGN, "active")


def _wait_for_full_bucket(shop: SandboxShop) -> None:
    """The cost model's minimum assumes the pull starts with a full bucket."""
    while True:
        status = shop.bucket.status()
        if status.currently_available >= status.maximum_available:
            return
        time.sleep(BUCKET_REFILL_POLL_S)


def pull_once(
    codes: Sequence[str], bucket: BucketConfig, bulk_threshold: int, work: Path, template: Path
) -> PullRun:
    """A fresh shop and database; link in this process, pull in a child; check the result."""
    recorder = _Recorder()
    url = fixtures.fresh_sqlite(template, work)
    try:
        with ExitStack() as stack:
            shop = stack.enter_context(SandboxShop(bucket=bucket))
            shop.create_code_discount("Benchmark", codes=codes)
            server = stack.enter_context(serve(shop, listener=recorder))
            db = Database(url)
            _link(db, server, shop, codes[0])
            db.dispose()
            _wait_for_full_bucket(shop)
            recorder.take()
            child = run_child(
                "benchmarks.shopify_pull",
                ["--child", url, server.admin_api_url, server.access_token, shop.domain]
                + [str(bulk_threshold)],
                timeout_s=CHILD_TIMEOUT_S,
            )
            graphql = [r for r in recorder.take() if r.operation is not None]
    finally:
        fixtures.remove_sqlite(url)
    if (child["expected"], child["fetched"], child["new"]) != (len(codes),) * 3:
        raise AssertionError(f"pulled {child} of {len(codes)} codes")
    answered = [r for r in graphql if r.status == GRAPHQL_OK and not r.throttled]
    return PullRun(
        child=child,
        answered=len(answered),
        throttled=sum(1 for r in graphql if r.throttled),
        requested_cost=sum(r.requested_cost or 0 for r in answered),
        actual_cost=sum(r.actual_cost or 0 for r in answered),
    )


# --- the two benchmarks -------------------------------------------------------------------


def pull_throttled(sizes: Sizes, work: Path, template: Path) -> Row:
    """Cursor pages through a small bucket: how close pacing keeps to the restore rate."""
    bucket = BucketConfig(maximum_available=sizes.bucket_size, restore_rate=sizes.restore_rate)
    codes = bench_codes(sizes.throttled_codes)
    # Above the pool's size, so the pull pages with cursors (a bulk export costs ~10 points).
    cursor_only = sizes.throttled_codes + 1
    ratios, shares, details = [], [], []
    for _ in range(sizes.runs):
        run = pull_once(codes, bucket, cursor_only, work, template)
        minimum = (run.requested_cost - sizes.bucket_size) / sizes.restore_rate
        ratios.append(run.child["seconds"] / minimum)
        requests = run.answered + run.throttled
        shares.append(run.throttled / requests)
        details.append(
            f"{run.child['seconds']:.2f}s/{minimum:.2f}s, {run.throttled}/{requests} THROTTLED"
        )
    ratio, share = statistics.median(ratios), statistics.median(shares)
    met = ratio <= THROTTLED_RATIO_TARGET and share <= THROTTLED_SHARE_TARGET
    return Row(
        f"pull {sizes.throttled_codes:,} codes, cursor pages, bucket {sizes.bucket_size:,.0f} "
        f"restore {sizes.restore_rate:,.0f}/s: wall / minimum",
        f"{ratio:.3f}x, {share:.1%} THROTTLED",
        f"<= {THROTTLED_RATIO_TARGET:.2f}x, <= {THROTTLED_SHARE_TARGET:.0%}",
        met if sizes.judged else None,
        sizes.runs,
        f"minimum = (requested cost of answered requests {run.requested_cost:,} - bucket "
        f"{sizes.bucket_size:,.0f}) / {sizes.restore_rate:,.0f}/s; " + "; ".join(details),
    )


def pull_bulk(sizes: Sizes, work: Path, template: Path) -> Row:
    """Throttling off, default bulk threshold: codes/s into SQLite and the child's peak RSS."""
    codes = bench_codes(sizes.bulk_codes)
    # The quick size is below the default threshold; keep the same (bulk) path anyway.
    threshold = min(DEFAULT_BULK_THRESHOLD, sizes.bulk_codes)
    rates, peaks, baselines, firsts, modes = [], [], [], [], set()
    for _ in range(sizes.runs):
        run = pull_once(codes, BucketConfig(enabled=False), threshold, work, template)
        rates.append(sizes.bulk_codes / run.child["seconds"])
        peaks.append(run.child["peak_rss_bytes"] / MB)
        baselines.append(run.child["baseline_rss_bytes"] / MB)
        firsts.append(run.child["first_page_seconds"])
        by_operation = run.child["by_operation"]
        modes.add("bulk" if "StartRedeemCodeExport" in by_operation else "cursor")
    rate, peak = statistics.median(rates), statistics.median(peaks)
    met = rate >= PULL_RATE_TARGET and peak <= PULL_RSS_TARGET_MB
    return Row(
        f"pull {sizes.bulk_codes:,} codes, throttling off, into SQLite ({'/'.join(sorted(modes))})",
        f"{rate:,.0f} codes/s, {peak:.0f} MB peak RSS",
        f">= {PULL_RATE_TARGET:,.0f}/s, <= {PULL_RSS_TARGET_MB:.0f} MB",
        met if sizes.judged else None,
        sizes.runs,
        f"RSS before the pull {statistics.median(baselines):.0f} MB; "
        + spread(rates, lambda r: f"{r:,.0f}/s")
        + "; first page stored after "
        + ", ".join(f"{s:.2f}s" for s in firsts)
        + "; "
        + spread(peaks, lambda m: f"{m:.0f}MB"),
    )


BENCHMARKS: tuple[tuple[str, Callable[[Sizes, Path, Path], Row]], ...] = (
    ("pull_throttled", pull_throttled),
    ("pull_bulk", pull_bulk),
)


def run(quick: bool, only: Sequence[str] = ()) -> list[Row]:
    """Run the benchmarks (all, or those named in ``only``); one row each."""
    return run_all(BENCHMARKS, QUICK if quick else FULL, only, prefix="promosync-bench-pull-")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.shopify_pull [--quick] [--only NAME ...]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--child"]:
        db_url, admin_api_url, token, domain, threshold = args[1:]
        return child_main(db_url, admin_api_url, token, domain, int(threshold))
    from benchmarks.__main__ import render  # the shared table layout

    parser = argparse.ArgumentParser(prog="python -m benchmarks.shopify_pull", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run, not judged")
    parser.add_argument("--only", nargs="+", choices=[n for n, _ in BENCHMARKS], default=[])
    parsed = parser.parse_args(args)
    rows = run(parsed.quick, parsed.only)
    mode = "quick (sizes too small to mean anything)" if parsed.quick else "full"
    print(f"promosync pull benchmarks, {mode}; figure = median of the runs shown")
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
