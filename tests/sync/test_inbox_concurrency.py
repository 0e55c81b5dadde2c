"""Several processes applying one inbox at once: every delivery is applied by exactly one.

The claim (``store.inbox.claim``: pending → done in the transaction that applies the
effect) is what makes this hold; without it, processors that read the same pending
rows would each apply them.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from store import inbox
from store.db import Database
from sync.config import Config
from sync.inbox import process_inbox
from tests.support.processes import run_processes

DELIVERIES = 120
PROCESSORS = 4
JOIN_TIMEOUT_S = 120.0
STORE = "main"


def _config() -> Config:
    return Config.model_validate(
        {"stores": {STORE: {"platform": "shopify", "shop": "racing.myshopify.com"}}}
    )


def _order(number: int) -> str:
    return json.dumps(
        {
            "id": number,
            "name": f"#{number}",
            "processed_at": "2026-12-01T10:00:00Z",
            "updated_at": "2026-12-01T10:00:00Z",
            "currency": "USD",
            "total_price": "10.00",
            "financial_status": "paid",
            "discount_codes": [{"code": f"CODE{number}"}],
        }
    )


def _processor(url: str, seed: int, barrier: Any, results: Any) -> None:
    random.seed(seed)
    db = Database(url)
    config = _config()
    barrier.wait()
    handled = 0
    while True:
        result = process_inbox(db, config, limit=random.randint(5, 40))
        handled += result.applied + result.superseded
        if result.pending == 0:
            break
    db.dispose()
    results.put(handled)


def test_each_delivery_is_applied_by_exactly_one_processor(db_url: str) -> None:
    db = Database(db_url)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    with db.begin() as connection:
        for number in range(DELIVERIES):
            inbox.store_delivery(
                connection,
                inbox.NewDelivery(
                    "shopify",
                    STORE,
                    f"delivery-{number}",
                    None,
                    "orders/paid",
                    start + timedelta(seconds=number),
                    _order(number),
                ),
            )
    seed = random.randrange(1_000_000)
    reports = run_processes(
        _processor,
        [(db_url, seed + i) for i in range(PROCESSORS)],
        join_timeout=JOIN_TIMEOUT_S,
    )
    assert sum(reports) == DELIVERIES, f"seed {seed}: {reports}"
    with db.transaction() as tx:
        assert inbox.counts(tx) == {"done": DELIVERIES}
    db.dispose()
