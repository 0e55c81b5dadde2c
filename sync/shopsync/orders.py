"""``sync orders``: orders that used pool codes, for redemptions and attributed revenue.

Incremental: each run asks for orders updated since the stored cursor minus a
look-back window (stores report late edits and refunds), upserts them in
batches, and advances the cursor only in the transaction after the last batch
committed. A run that dies leaves the cursor where it was; upserts make the
replay harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from integrations.ports import OrderWithCodes, Shop
from store import shop_sync
from store.db import Database, Tx
from store.models import utcnow
from sync.codes_input import normalize_code
from sync.shopsync.common import Progress, no_progress
from sync.shopsync.runs import WaitForJob, sync_run

LOOKBACK = timedelta(days=3)
FIRST_RUN_HISTORY = timedelta(days=60)  # Shopify shows 60 days without read_all_orders
BATCH = 100
CURSOR_KIND = "orders"


@dataclass(frozen=True)
class OrdersResult:
    store: str
    since: datetime
    seen: int
    stored: int  # orders that used at least one pool code
    new: int


def pull_orders(
    db: Database,
    shop: Shop,
    store_name: str,
    *,
    now: datetime | None = None,
    progress: Progress = no_progress,
    wait: WaitForJob | None = None,
) -> OrdersResult:
    """Upsert the orders updated since the cursor (minus :data:`LOOKBACK`) that used pool codes.

    Refuses (:class:`~sync.shopsync.runs.JobRunning`) while it runs elsewhere, unless ``wait``.
    """
    now = now or utcnow()
    with sync_run(db, store_name, CURSOR_KIND, wait=wait) as run:
        with db.transaction() as tx:
            position = shop_sync.cursor(tx, store_name, CURSOR_KIND)
        since = (position - LOOKBACK) if position else now - FIRST_RUN_HISTORY
        seen = stored = new = 0
        newest = position
        batch: list[OrderWithCodes] = []

        def flush() -> None:
            nonlocal stored, new
            with db.transaction() as tx:
                recorded = record_orders(tx, store_name, batch)
                stored, new = stored + recorded.stored, new + recorded.new
                run.count(fetched=seen, stored=stored)
                run.beat(tx)
            progress(len(batch))
            batch.clear()

        for order in shop.iter_orders(since):
            seen += 1
            stamp = order.updated_at or order.processed_at
            newest = stamp if newest is None or stamp > newest else newest
            batch.append(order)
            if len(batch) >= BATCH:
                flush()
        flush()
        with db.transaction() as tx:
            if newest is not None:
                shop_sync.advance_cursor(tx, store_name, CURSOR_KIND, newest)
            run.finish(tx, fetched=seen, stored=stored)
    return OrdersResult(store_name, since, seen, stored, new)


@dataclass(frozen=True)
class Recorded:
    stored: int  # orders that used at least one pool code
    new: int


def record_orders(tx: Tx, store_name: str, orders: Iterable[OrderWithCodes]) -> Recorded:
    """Store the orders that used a pool code of ``store_name`` (upserts by order id).

    The one place orders become redemptions and revenue: ``sync orders`` and the
    webhook inbox both record through it.
    """
    stored = new = 0
    for order in orders:
        facts = _facts(order)
        if shop_sync.pooled_norms(tx, store_name, facts.code_norms):
            stored += 1
            new += shop_sync.upsert_order(tx, store_name, facts)
    return Recorded(stored, new)


def _facts(order: OrderWithCodes) -> shop_sync.OrderFacts:
    return shop_sync.OrderFacts(
        platform_id=order.platform_id,
        name=order.name,
        processed_at=order.processed_at,
        currency=order.currency,
        total=order.total,
        financial_status=order.financial_status,
        cancelled=order.cancelled,
        test=order.test,
        code_norms=tuple(dict.fromkeys(normalize_code(c) for c in order.codes)),
        refunded=order.refunded,
        updated_at=order.updated_at,
        customer_key=order.customer_key,
    )
