"""What every benchmark module shares: the result row, run formatting, the run loop."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from benchmarks import fixtures

SizesT = TypeVar("SizesT")


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    name: str
    figure: str  # the median, formatted with its unit
    target: str
    met: bool | None  # None: not measured (skipped)
    runs: int
    detail: str = ""


def spread(samples: Sequence[float], fmt: Callable[[float], str]) -> str:
    """Every run's figure, for the detail column (medians hide outliers)."""
    return "runs: " + ", ".join(fmt(s) for s in samples)


def run_child(module: str, args: Sequence[str], *, timeout_s: float) -> dict[str, Any]:
    """Run ``python -m module args`` in a fresh process and return the JSON it prints.

    A fresh process per measured run: its peak RSS (``VmHWM``) starts low and
    belongs to that run alone.
    """
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout_s,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module} child failed:\n{completed.stderr}")
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def run_all(
    benchmarks: Sequence[tuple[str, Callable[[SizesT, Path, Path], Row]]],
    sizes: SizesT,
    only: Sequence[str],
    *,
    prefix: str,
) -> list[Row]:
    """Run the named benchmarks (all when ``only`` is empty) in a scratch directory."""
    rows = []
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        template = fixtures.migrated_sqlite_template(work)
        for name, benchmark in benchmarks:
            if only and name not in only:
                continue
            rows.append(benchmark(sizes, work, template))
            print(f"  done: {rows[-1].name}", file=sys.stderr, flush=True)
    return rows
