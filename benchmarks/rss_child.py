"""Child process of the peak-RSS benchmark: upload one file, report peak RSS as JSON.

Run as ``python -m benchmarks.rss_child DATABASE_URL CAMPAIGN/INCENTIVE FILE``. A process of
its own so that its peak RSS (``VmHWM``) measures this upload and nothing before it.
"""

from __future__ import annotations

import json
import sys
import time

from benchmarks.rss import peak_rss_bytes
from store.db import Database
from sync import codes
from sync.codes_input import detect_format


def main(argv: list[str]) -> int:
    url, ref, path = argv
    db = Database(url)
    baseline = peak_rss_bytes()  # interpreter, SQLAlchemy and the services imported
    started = time.perf_counter()
    with open(path, encoding="utf-8-sig", newline="") as stream:
        result = codes.upload(db, ref, stream, fmt=detect_format(path))
    seconds = time.perf_counter() - started
    db.dispose()
    report = {
        "stored": result.stored,
        "seconds": seconds,
        "baseline_rss_bytes": baseline,
        "peak_rss_bytes": peak_rss_bytes(),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
