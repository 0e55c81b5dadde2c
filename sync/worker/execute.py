"""Running one periodic job: its one log line, its metrics, and what a failure means.

Both modes call :func:`execute`; a failure is logged as one line (never a
traceback on the terminal) and re-raised for the caller to back off (the local
runner skips turns, the queue retries with its strategy). The line names the
job, store, incentive, outcome, duration and the result's counts.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from typing import Any

from integrations.ports import ShopError
from store.db import Database, StoreError
from sync import metrics
from sync.config import Config
from sync.errors import DomainError, UsageError
from sync.worker.stopping import StopFlag
from sync.worker.table import Call, JobKey, Periodic

log = logging.getLogger("promosync.worker")


def execute(db: Database, config: Config, periodic: Periodic, key: JobKey, stop: StopFlag) -> Any:
    """Run ``periodic`` for ``key``: log one line, count it, re-raise a failure."""
    store = key.store or "-"

    def on_wait(seconds: float) -> None:
        metrics.SHOP_WAITS.labels(store).inc()
        metrics.SHOP_WAIT_SECONDS.labels(store).inc(seconds)

    started = time.monotonic()
    fields: dict[str, Any] = {
        "job": key.job,
        "store": key.store,
        "incentive": key.ref,
    }
    try:
        stop.check()
        result = periodic.run(Call(db, config, key, stop, stop.timing(on_wait)))
    except Exception as error:
        duration = time.monotonic() - started
        metrics.JOB_RUNS.labels(key.job, store, "failed").inc()
        metrics.JOB_DURATION.labels(key.job).observe(duration)
        fields.update(outcome="failed", duration_s=round(duration, 3), error=explain(error))
        log.error(
            "%s failed after %.2f s: %s",
            key.describe(),
            duration,
            fields["error"],
            extra={"job_run": fields},
        )
        log.debug("details of the failure of %s", key.describe(), exc_info=True)
        raise
    duration = time.monotonic() - started
    metrics.JOB_RUNS.labels(key.job, store, "ok").inc()
    metrics.JOB_DURATION.labels(key.job).observe(duration)
    counted = counts(result)
    fields.update(outcome="ok", duration_s=round(duration, 3), counts=counted)
    log.info(
        "%s ok in %.2f s: %s",
        key.describe(),
        duration,
        ", ".join(f"{name} {n:,}" for name, n in counted.items()) or "nothing to do",
        extra={"job_run": fields},
    )
    return result


def explain(error: BaseException) -> str:
    """The error in one line safe to log: our own messages, else only its kind."""
    if isinstance(error, DomainError | UsageError | ShopError | StoreError):
        return str(error).replace("\n", " ")
    return f"unexpected {type(error).__name__} (run with -vv for details)"


def counts(result: object) -> dict[str, int]:
    """The whole-number fields of a result (summed over tuples of results), in field order."""
    total: Counter[str] = Counter()
    order: dict[str, None] = {}

    def add(value: object) -> None:
        if isinstance(value, list | tuple):
            for item in value:
                add(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                inner = getattr(value, field.name)
                if isinstance(inner, int) and not isinstance(inner, bool):
                    order[field.name] = None
                    total[field.name] += inner
                elif isinstance(inner, list | tuple):
                    add(inner)

    add(result)
    return {name: total[name] for name in order}
