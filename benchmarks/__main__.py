"""``python -m benchmarks [--quick] [--only NAME ...]``: run the benchmarks, print a table."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from benchmarks import (
    job_lock,
    messages,
    pool,
    refill,
    shopify_pull,
    webhooks,
    woo_pull,
    worker_fleet,
)
from benchmarks.harness import Row

#: Suites run after the pool's, in this order; each has ``BENCHMARKS`` and ``run(quick, only)``
#: (and ``ROWS`` when it prints more than one row per benchmark).
SUITES = (shopify_pull, job_lock, woo_pull, webhooks, messages, refill, worker_fleet)
COLUMNS = ("benchmark", "median", "target", "met", "runs", "detail")


def render(rows: list[Row]) -> str:
    cells = [
        (
            r.name,
            r.figure,
            r.target,
            "-" if r.met is None else ("yes" if r.met else "NO"),
            str(r.runs),
            r.detail,
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in [COLUMNS, *cells]) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(COLUMNS, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, one run each: checks they still run"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[name for suite in (pool, *SUITES) for name, _ in suite.BENCHMARKS],
        default=[],
        help="run only these benchmarks",
    )
    args = parser.parse_args(argv)
    sizes = pool.QUICK if args.quick else pool.FULL
    rows = pool.run(sizes, args.only)
    for suite in SUITES:
        rows += suite.run(args.quick, args.only)
    if args.quick:  # tiny sizes say nothing about the targets
        rows = [replace(row, met=None) for row in rows]
    mode = "quick (sizes too small to mean anything)" if args.quick else "full"
    print(f"promosync benchmarks, {mode}; figure = median of the runs shown")
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
