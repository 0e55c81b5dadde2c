"""Pull benchmark against the bundled local WooCommerce (real HTTP on loopback).

``woo_pull``: pull N coupons (linked by code prefix) into SQLite with ``sync pull``'s
service, against a bare httpx loop fetching the very same pages (same query, same
auth, JSON decoded, nothing stored) in the same run. The figure is the median of the
per-run ratios pull / bare: what promosync's client, checks, mapping and database
writes cost on top of the transfer itself.

Both sides run in child processes while the local WooCommerce serves from this one, as
a real store runs on its own machine; the child's time excludes interpreter start-up. Each
run fetches the bare pages first, then pulls. Both send the same ``search`` query, whose
cost inside the local WooCommerce (it scans every coupon for each page) dominates both
sides: the ratio shows what promosync adds, not how fast a store answers.

Run standalone: ``python -m benchmarks.woo_pull [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks import fixtures
from benchmarks.harness import Row, run_all, run_child, spread
from integrations.ports import SourceRef
from integrations.sandbox.woocommerce import SandboxWooShop, serve
from integrations.woocommerce.client import API_PATH, PAGE_SIZE
from integrations.woocommerce.shop import WooShop
from store.db import Database
from sync import campaigns, incentives
from sync.shopsync import common, link, pull

CHILD_TIMEOUT_S = 900
STORE_NAME = "woo"
CAMPAIGN = "bench"
INCENTIVE_REF = f"{CAMPAIGN}/{fixtures.INCENTIVE}"
PREFIX = "bench-"
RATIO_TARGET = 1.5  # the pull may cost at most half again the bare transfer


@dataclass(frozen=True)
class Sizes:
    coupons: int
    runs: int
    judged: bool


FULL = Sizes(coupons=20_000, runs=3, judged=True)
QUICK = Sizes(coupons=300, runs=1, judged=False)


#: The children read the local key from the environment, never from their command line.
KEY_ENV, SECRET_ENV = "BENCH_WC_KEY", "BENCH_WC_SECRET"


def child_pull(db_url: str, url: str, key: str, secret: str) -> dict[str, object]:
    """``sync pull`` of the benchmark incentive, timed."""
    db = Database(db_url)
    (target,) = common.targets(db, STORE_NAME, INCENTIVE_REF)
    with WooShop.connect(url=url, consumer_key=key, consumer_secret=secret) as shop:
        started = time.perf_counter()
        result = pull.pull(db, shop, target)
        seconds = time.perf_counter() - started
        requests = shop.client.stats.requests
    db.dispose()
    return {"seconds": seconds, "fetched": result.fetched, "new": result.new, "requests": requests}


def child_bare(url: str, key: str, secret: str) -> dict[str, object]:
    """The same pages with nothing but httpx: GET, decode, count."""
    items = requests = 0
    with httpx.Client(auth=(key, secret), timeout=30.0) as http:
        started = time.perf_counter()
        page, pages = 1, 1
        while page <= pages:
            response = http.get(
                url + API_PATH + "/coupons",
                params={
                    "search": PREFIX,
                    "per_page": PAGE_SIZE,
                    "page": page,
                    "orderby": "id",
                    "order": "asc",
                },
            )
            response.raise_for_status()
            items += len(response.json())
            pages = int(response.headers["x-wp-totalpages"])
            requests += 1
            page += 1
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "fetched": items, "requests": requests}


def _link(db: Database, url: str, key: str, secret: str) -> None:
    campaigns.create(db, "Benchmark", key=CAMPAIGN, currency="USD")
    incentives.add(
        db,
        CAMPAIGN,
        key=fixtures.INCENTIVE,
        description="Benchmark kit",
        value="10",
        cost="4",
        timing="pre_payment",
    )
    with WooShop.connect(url=url, consumer_key=key, consumer_secret=secret) as shop:
        link.link(db, shop, STORE_NAME, INCENTIVE_REF, SourceRef(prefix=PREFIX))


def woo_pull(sizes: Sizes, work: Path, template: Path) -> Row:
    """Pull N coupons into SQLite vs. the same pages by a bare httpx loop, per run."""
    shop = SandboxWooShop()
    for n in range(sizes.coupons):  # distinct by construction: skip the duplicate scan
        shop.add_coupon(f"BENCH-{n:08d}", "10", allow_duplicate=True)
    ratios, pulls, bares, details = [], [], [], []
    with serve(shop) as server:
        os.environ[KEY_ENV], os.environ[SECRET_ENV] = server.consumer_key, server.consumer_secret
        for _ in range(sizes.runs):
            url = fixtures.fresh_sqlite(template, work)
            try:
                db = Database(url)
                _link(db, server.base_url, server.consumer_key, server.consumer_secret)
                db.dispose()
                bare = run_child(
                    "benchmarks.woo_pull",
                    ["--child-bare", server.base_url],
                    timeout_s=CHILD_TIMEOUT_S,
                )
                pulled = run_child(
                    "benchmarks.woo_pull",
                    ["--child-pull", url, server.base_url],
                    timeout_s=CHILD_TIMEOUT_S,
                )
            finally:
                fixtures.remove_sqlite(url)
            if (pulled["fetched"], pulled["new"], bare["fetched"]) != (sizes.coupons,) * 3:
                raise AssertionError(f"pulled {pulled}, bare {bare} of {sizes.coupons}")
            pulls.append(float(pulled["seconds"]))
            bares.append(float(bare["seconds"]))
            ratios.append(pulls[-1] / bares[-1])
            details.append(f"{pulls[-1]:.2f}s/{bares[-1]:.2f}s")
    ratio = statistics.median(ratios)
    return Row(
        f"pull {sizes.coupons:,} WooCommerce coupons into SQLite vs bare httpx pages",
        f"{ratio:.2f}x ({statistics.median(pulls):.2f}s vs {statistics.median(bares):.2f}s)",
        f"<= {RATIO_TARGET:.2f}x",
        ratio <= RATIO_TARGET if sizes.judged else None,
        sizes.runs,
        f"{sizes.coupons / statistics.median(pulls):,.0f} coupons/s; "
        + spread(ratios, lambda r: f"{r:.2f}x")
        + " (pull/bare "
        + ", ".join(details)
        + ")",
    )


BENCHMARKS: tuple[tuple[str, Callable[[Sizes, Path, Path], Row]], ...] = (("woo_pull", woo_pull),)


def run(quick: bool, only: Sequence[str] = ()) -> list[Row]:
    """Run the benchmark (unless ``only`` names others); one row."""
    return run_all(BENCHMARKS, QUICK if quick else FULL, only, prefix="promosync-bench-woo-")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.woo_pull [--quick]``."""
    import json

    args = list(sys.argv[1:] if argv is None else argv)
    credentials = (os.environ.get(KEY_ENV, ""), os.environ.get(SECRET_ENV, ""))
    if args[:1] == ["--child-pull"]:
        print(json.dumps(child_pull(args[1], args[2], *credentials)))
        return 0
    if args[:1] == ["--child-bare"]:
        print(json.dumps(child_bare(args[1], *credentials)))
        return 0
    from benchmarks.__main__ import render  # the shared table layout

    parser = argparse.ArgumentParser(prog="python -m benchmarks.woo_pull", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run, not judged")
    parsed = parser.parse_args(args)
    rows = run(parsed.quick)
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
