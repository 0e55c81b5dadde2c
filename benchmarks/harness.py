"""What every benchmark module shares: the result row, run formatting, the run loop."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

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
