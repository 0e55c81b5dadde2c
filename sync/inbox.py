"""Apply the webhook inbox: each pending delivery once, in event order.

:func:`process_inbox` is what ``promosync sync inbox`` runs once and the worker
runs every few seconds. Each delivery is normalized by its platform's intake
into a neutral event and applied in one transaction together with its claim
(:func:`store.inbox.claim`), so an effect is applied exactly once even when two
processors race or a store repeats a delivery. The store is asked only where the
payload cannot be trusted to be current (a discount's status, a refunded total)
or names too little (a code event without a code: the discount is pulled).

The scheduled pull stays the source of truth: a code event older than the last
complete pull of its incentive is superseded by it; an order copy older than the
stored one changes nothing (``store.shop_sync.upsert_order``). A delivery that
fails :data:`MAX_ATTEMPTS` times turns ``failed`` and never blocks the others.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta

from integrations.ports import CodeSource, OrderWithCodes, Shop, ShopCode, ShopReferenceError
from integrations.webhook_ports import (
    CodesAdded,
    CodesToRecheck,
    OrderChanged,
    OrderRefunded,
    SourceChanged,
    WebhookEvent,
    WebhookIntake,
)
from store import catalog, inbox, shop_links, shop_sync
from store.db import Database, Tx
from store.models import Code, utcnow
from sync import metrics, shops
from sync.config import Config
from sync.shopsync import common, orders, pull
from sync.shopsync.runs import safe_message, sync_run

log = logging.getLogger(__name__)

#: Attempts before a delivery is given up on (``failed``; see ``sync inbox --failed``).
MAX_ATTEMPTS = 5
#: Wait after the first failure, doubled after each further one: a shop that is down for a
#: minute or two does not send its deliveries to ``failed`` (10 + 20 + 40 + 80 s).
RETRY_AFTER = timedelta(seconds=10)
#: How long applied deliveries are kept (their ids de-duplicate the store's retries, which
#: Shopify sends for up to 4 hours).
KEEP_DONE = timedelta(days=7)
#: Deliveries applied per cycle; the rest wait for the next one.
BATCH = 500
#: The status a deleted discount is recorded with (its codes are quarantined).
DELETED = "deleted"

#: Opens a configured store for the processor (a seam for tests).
ShopOpener = Callable[[Config, str], AbstractContextManager[tuple[str, Shop]]]


def _open(config: Config, store_name: str) -> AbstractContextManager[tuple[str, Shop]]:
    return shops.open_shop(config, store_name)


@dataclass(frozen=True)
class InboxResult:
    """One cycle: what was applied, superseded, retried later or given up; what is left."""

    applied: int
    superseded: int  # older than the last complete pull, or about nothing promosync links
    retrying: int  # failed this cycle, will be tried again
    given_up: int  # failed for the last time this cycle
    pending: int  # waiting after the cycle
    failed: int  # given up, in total


def process_inbox(
    db: Database,
    config: Config,
    *,
    limit: int = BATCH,
    open_shop: ShopOpener = _open,
    now: datetime | None = None,
) -> InboxResult:
    """Apply up to ``limit`` pending deliveries that are due, oldest event first."""
    now = now or utcnow()
    with db.transaction() as tx:
        inbox.purge_done(tx, now - KEEP_DONE)
        batch = inbox.pending(tx, limit, now)
    intakes = shops.webhook_intakes()
    applied = superseded = retrying = given_up = 0
    with ExitStack() as stack:
        opened: dict[str, Shop] = {}

        def shop_of(store_name: str) -> Shop:
            if store_name not in opened:
                opened[store_name] = stack.enter_context(open_shop(config, store_name))[1]
            return opened[store_name]

        for delivery in batch:
            try:
                intake = intakes[delivery.platform]
                event = intake.event(delivery.topic, json.loads(delivery.body))
                note = _apply(
                    db, delivery, event, functools.partial(shop_of, delivery.store_name), intake
                )
            except Exception as error:  # noqa: BLE001 - one bad delivery never stops the rest
                message = safe_message(error)
                if isinstance(error, KeyError | ValueError):  # our own words on the payload
                    message = f"malformed payload: {str(error)[:200]}"
                with db.transaction() as tx:
                    status = inbox.record_failure(
                        tx,
                        delivery.id,
                        message,
                        max_attempts=MAX_ATTEMPTS,
                        retry_at=lambda attempts: now + RETRY_AFTER * 2 ** (attempts - 1),
                    )
                log.warning(
                    "inbox: %s delivery %s from '%s' failed (%s): %s",
                    delivery.topic,
                    delivery.delivery_id,
                    delivery.store_name,
                    status,
                    message,
                )
                given_up += status == "failed"
                retrying += status == "pending"
                continue
            if note is None:
                applied += 1
            elif note != _TAKEN:
                superseded += 1
    with db.transaction() as tx:
        counts = inbox.counts(tx)
    for state in ("pending", "failed"):
        metrics.INBOX.labels(state).set(counts.get(state, 0))
    return InboxResult(
        applied, superseded, retrying, given_up, counts.get("pending", 0), counts.get("failed", 0)
    )


_TAKEN = "applied by another processor"
SUPERSEDED = "superseded by a later complete pull"
NOT_LINKED = "no incentive is linked to this discount"


def _apply(
    db: Database,
    delivery: inbox.Pending,
    event: WebhookEvent,
    shop: Callable[[], Shop],
    intake: WebhookIntake,
) -> str | None:
    """Apply one event; None when it changed state, else why it did not."""
    store_name = delivery.store_name
    if isinstance(event, OrderChanged | OrderRefunded):
        order = event.order if isinstance(event, OrderChanged) else shop().order(event.order_id)
        return _commit(db, delivery, lambda tx: _orders(tx, store_name, order))
    if isinstance(event, CodesToRecheck):
        return _recheck(db, delivery, event, shop)
    target = _target(db, store_name, event.source_ids)
    if target is None and isinstance(event, CodesAdded) and event.codes:
        target, held = _holding_target(db, store_name, event.codes, intake)
        event = CodesAdded(event.source_ids, held)
    if target is None:
        return _commit(db, delivery, lambda tx: NOT_LINKED)
    if isinstance(event, SourceChanged):
        try:
            source = shop().source_status(target.source)
            status, title, usable = source.status, source.title, source.usable
        except ShopReferenceError:  # deleted in the store
            status, title, usable = DELETED, target.source.title, False
        return _commit(
            db,
            delivery,
            lambda tx: _settle(tx, target.id, store_name, status, title, usable),
        )
    if not event.codes:
        # ASSUMPTION (see integrations.shopify.webhooks): a payload that names no code
        # is answered by pulling the whole discount, the source of truth.
        pull.pull(db, shop(), target)
        return _commit(db, delivery, lambda tx: None)
    with db.transaction() as tx:
        pulled = inbox.last_full_pull(tx, target.id)
    if pulled is not None and pulled > delivery.triggered_at:
        return _commit(db, delivery, lambda tx: SUPERSEDED)
    if isinstance(event, CodesAdded):
        return _add_codes(db, delivery, target, event)
    norms = [row[1] for row in pull.checked_rows(target.ref, _as_codes(event.codes))[0]]
    return _commit(
        db,
        delivery,
        lambda tx: _changed_any(
            shop_sync.mark_gone(tx, target.id, store_name, Code.code_norm.in_(norms))
        ),
    )


def _add_codes(
    db: Database, delivery: inbox.Pending, target: common.Target, event: CodesAdded
) -> str | None:
    rows, _ = pull.checked_rows(target.ref, event.codes)
    # Codes of a discount last seen unusable arrive quarantined, as a pull stores them;
    # so do codes the store itself would refuse (trashed, expired, used up).
    source = target.source
    hold = None if source.usable else shop_sync.SOURCE_UNUSABLE.format(status=source.status)
    with sync_run(db, delivery.store_name, "webhook", target.id) as run:

        def add(tx: Tx) -> str | None:
            result = shop_sync.upsert_page(
                tx,
                target.id,
                delivery.store_name,
                run.id,
                rows,
                quarantine_reason=hold,
                holds=pull.holds_of(event.codes),
                ends_at=pull.ends_of(event.codes, source),
            )
            run.finish(tx, fetched=len(event.codes), stored=result.new)
            return None if result.new or result.seen else "no code could be pooled"

        return _commit(db, delivery, add)


def _commit(db: Database, delivery: inbox.Pending, work: Callable[[Tx], str | None]) -> str | None:
    """``work`` and the delivery's claim in one transaction (retried when transient)."""

    def claimed(tx: Tx) -> str | None:
        if not inbox.claim(tx, delivery.id):
            return _TAKEN
        return work(tx)

    return db.run(claimed)


def _orders(tx: Tx, store_name: str, order: OrderWithCodes | None) -> str | None:
    if order is None:
        return "the order no longer exists in the store"
    recorded = orders.record_orders(tx, store_name, [order])
    return None if recorded.stored else "the order used no pool code"


def _settle(
    tx: Tx, incentive_id: int, store_name: str, status: str, title: str, usable: bool
) -> None:
    shop_sync.settle_source(
        tx, incentive_id, store_name, source_status=status, source_title=title, usable=usable
    )


def _changed_any(counts: tuple[int, int]) -> str | None:
    return None if any(counts) else "the code is not in the pool"


def _as_codes(codes: tuple[str, ...]) -> Iterator[ShopCode]:
    return (ShopCode(code=code, platform_id="") for code in codes)


def _recheck(
    db: Database, delivery: inbox.Pending, event: CodesToRecheck, shop: Callable[[], Shop]
) -> str | None:
    """Codes named by id: read them now; the pool takes their state, absent ones are gone.

    Only the first pool holding one of them is settled (a store id belongs to one code,
    and a code to one pool of its store).
    """
    store_name = delivery.store_name
    with db.transaction() as tx:
        holders = shop_sync.incentives_of_code_ids(tx, store_name, event.code_ids)
        target = _target_of(tx, store_name, holders[0]) if holders else None
    if target is None:
        return _commit(db, delivery, lambda tx: NOT_LINKED)
    lookup = CodeSource(platform_id=event.lookup, title="", status="active", code_count=None)
    current = tuple(code for page in shop().iter_codes(lookup) for code in page)
    listed = {code.platform_id for code in current}
    gone = [code_id for code_id in event.code_ids if code_id not in listed]
    rows, _ = pull.checked_rows(target.ref, current)
    source = target.source
    hold = None if source.usable else shop_sync.SOURCE_UNUSABLE.format(status=source.status)
    with sync_run(db, store_name, "webhook", target.id) as run:

        def settle(tx: Tx) -> str | None:
            result = shop_sync.upsert_page(
                tx,
                target.id,
                store_name,
                run.id,
                rows,
                quarantine_reason=hold,
                holds=pull.holds_of(current),
                ends_at=pull.ends_of(current, source),
            )
            removed = shop_sync.mark_gone(tx, target.id, store_name, Code.platform_id.in_(gone))
            run.finish(tx, fetched=len(current), stored=result.new)
            return None if result.new or result.seen or any(removed) else "no pooled code changed"

        return _commit(db, delivery, settle)


def _target_of(tx: Tx, store_name: str, incentive_id: int) -> common.Target:
    link = shop_links.link_of(tx, incentive_id)
    ref = catalog.incentive_refs(tx, [incentive_id])[incentive_id]
    return common.Target(incentive_id, ref, store_name, common.source_of(ref, link))


def _target(db: Database, store_name: str, source_ids: tuple[str, ...]) -> common.Target | None:
    """The incentive linked to the source (under any spelling of its id), if any."""
    with db.transaction() as tx:
        for source_id in source_ids:
            incentive_id = shop_links.incentive_for_source(tx, store_name, source_id)
            if incentive_id is not None:
                return _target_of(tx, store_name, incentive_id)
    return None


def _holding_target(
    db: Database, store_name: str, codes: tuple[ShopCode, ...], intake: WebhookIntake
) -> tuple[common.Target | None, tuple[ShopCode, ...]]:
    """For codes named without their source: the first linked source (oldest link) that
    holds the first of them, and those of ``codes`` it holds."""
    with db.transaction() as tx:
        for link in shop_links.linked_incentives(tx, store_name):
            assert link.source_id is not None
            held = tuple(code for code in codes if intake.holds(link.source_id, code))
            if held and held[0] == codes[0]:
                return _target_of(tx, store_name, link.incentive_id), held
    return None, ()
