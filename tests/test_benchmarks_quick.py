"""``python -m benchmarks --quick`` still runs and prints every benchmark's row.

No timing is asserted: the quick sizes are too small to mean anything. This only
keeps the benchmarks from rotting as the code under them changes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks import pool
from benchmarks.__main__ import SUITES

REPO = Path(__file__).resolve().parents[1]
TIMEOUT_S = 300


def test_quick_benchmarks_exit_cleanly_and_print_every_row() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    table = completed.stdout.splitlines()
    assert table[1].split()[:2] == ["benchmark", "median"]
    rows = table[3:]
    expected = [
        f"upload {pool.QUICK.upload:,} codes (paste, SQLite)",
        f"upload {pool.QUICK.upload_rss:,} codes from a file (SQLite): peak RSS",
        f"{pool.QUICK.sequential_moves:,} sequential stage moves (SQLite, 1 process)",
        f"{pool.QUICK.processes} processes moving {pool.QUICK.concurrent_moves:,} creators "
        "(PostgreSQL)",
    ]
    pool_rows, rest = rows[: len(expected)], rows[len(expected) :]
    assert len(expected) == len(pool.BENCHMARKS)
    for row, name in zip(pool_rows, expected, strict=True):
        assert row.startswith(name), (row, name)
    assert len(rest) == sum(getattr(suite, "ROWS", len(suite.BENCHMARKS)) for suite in SUITES), rest
