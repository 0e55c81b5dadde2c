"""Alerts: events that someone should act on, counted in Prometheus and sent by ``[notify]``.

An alert is an event in the log (so ``events`` shows it and :mod:`sync.notify` sends it);
``once`` names what it is about, so a periodic check raises it once per subject.
"""

from __future__ import annotations

from typing import Any

from store import alerts, events
from store.db import Tx
from sync import metrics

POOL_LOW, POOL_EMPTY = "pool.low", "pool.empty"
REFILL_DONE, REFILL_FAILED = "refill.done", "refill.failed"
CODE_EXPIRING, CODE_LEAKED, CODE_REISSUED = "code.expiring", "code.leaked", "code.reissued"
#: Every alert kind: what ``[notify]`` sends unless told otherwise.
ALERT_KINDS = (
    POOL_LOW,
    POOL_EMPTY,
    REFILL_DONE,
    REFILL_FAILED,
    CODE_EXPIRING,
    CODE_LEAKED,
    CODE_REISSUED,
)


def raise_alert(
    tx: Tx,
    kind: str,
    *,
    once: str | None = None,
    campaign_id: int | None = None,
    incentive_id: int | None = None,
    creator_id: int | None = None,
    **detail: Any,
) -> bool:
    """Record alert ``kind`` (unless ``once`` was already alerted); True if recorded."""
    if once is not None and not alerts.mark_once(tx, kind, once):
        return False
    events.record(
        tx,
        kind,
        campaign_id=campaign_id,
        incentive_id=incentive_id,
        creator_id=creator_id,
        **detail,
    )
    metrics.ALERTS.labels(kind=kind).inc()
    return True
