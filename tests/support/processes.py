"""Racing spawned processes: each started with its own arguments, all released together."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any


def run_processes(
    target: Callable[..., None], arguments: Sequence[tuple[Any, ...]], *, join_timeout: float
) -> list[Any]:
    """Run ``target(*args, barrier, results)`` in one ``spawn`` process per ``args``.

    The workers share a barrier (one party each) to start together and a queue for what
    they report; returns every worker's report, in the order they arrived, once every
    process exited with status 0.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    workers = [
        context.Process(target=target, args=(*args, barrier, results), daemon=True)
        for args in arguments
    ]
    for process in workers:
        process.start()
    # Drain the queue before joining: a child blocks on exit until its results are read.
    reports = [results.get(timeout=join_timeout) for _ in workers]
    for process in workers:
        process.join(join_timeout)
        assert process.exitcode == 0, f"worker exited with {process.exitcode}"
    return reports
