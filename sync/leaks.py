"""Leak detection and response.

A released code has *leaked* when the orders show it was

- used before its release (``early``),
- used by more distinct customers than the incentive's ``max_customers`` (``customers``;
  customers are told apart by the store's customer id, else a SHA-256 of the order
  e-mail; an order naming neither counts as a customer of its own), or
- used more times than its ``max_uses`` (``uses``: orders seen, or the store's own usage
  count when higher).

Detection records each leaked code once (``code_leaks`` is unique per code, so running
twice or on two workers records it once) and raises ``code.leaked``. The incentive's
``on_leak`` policy decides what follows:

- ``flag``: nothing more; the report and the events show it, the alert is sent.
- ``disable_and_reissue``: the leak row is the durable intent. A worker leases it, reserves
  a replacement code in it (one transaction: the code leaves the pool), disables the leaked
  code in the store (idempotent: a code already gone is ignored), then swaps the creator's
  assignment to the replacement and marks the old code revoked, in one transaction that
  re-checks the leak's state under its row lock. A crash at any point leaves the intent for
  the next run, which picks up where it stopped; the swap happens exactly once. The
  templates sent on ``code.reissued`` are enqueued in the swap's transaction, showing the
  new code (:func:`sync.outbox.enqueue_on_event`), so they too are sent exactly once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from store import catalog, events, leaks, moving, shop_links
from store.db import Database, Tx
from store.models import Incentive, utcnow
from sync import alerts, metrics, outbox, policies
from sync.config import Config
from sync.refill import ShopOpener, default_opener
from sync.shopsync import common

log = logging.getLogger(__name__)

EARLY, CUSTOMERS, USES = "early", "customers", "uses"
FLAGGED, REISSUE_PENDING, REISSUED = "flagged", "reissue_pending", "reissued"
#: How long a worker holds a pending reissue before another may take it over.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class LeakResult:
    detected: int  # leaks recorded by this run
    reissued: int  # codes replaced by this run
    waiting: int  # reissues that could not finish (no code to give, store failed)


@dataclass(frozen=True)
class _Finding:
    code_id: int
    creator_id: int
    reasons: tuple[str, ...]
    customers: int
    uses: int


def _findings(tx: Tx, incentive_id: int, policy: policies.Policy) -> list[_Finding]:
    uses_by_code = leaks.released_uses(tx, incentive_id)
    usage = leaks.usage_counts(tx, incentive_id)
    creators: dict[int, int] = {}
    orders: dict[int, set[int]] = defaultdict(set)
    customers: dict[int, set[str]] = defaultdict(set)
    early: dict[int, int] = defaultdict(int)
    for use in uses_by_code:
        creators[use.code_id] = use.creator_id
        orders[use.code_id].add(use.order_id)
        customers[use.code_id].add(use.customer_key or f"order:{use.order_id}")
        # Stores report order times to the second: a release within the same second counts.
        if use.processed_at < use.assigned_at.replace(microsecond=0):
            early[use.code_id] += 1
    for code_id, (creator_id, _) in usage.items():
        creators.setdefault(code_id, creator_id)
    found = []
    for code_id, creator_id in creators.items():
        used = max(len(orders[code_id]), usage.get(code_id, (0, 0))[1])
        reasons = []
        if early[code_id]:
            reasons.append(EARLY)
        if len(customers[code_id]) > policy.max_customers:
            reasons.append(CUSTOMERS)
        if policy.max_uses is not None and used > policy.max_uses:
            reasons.append(USES)
        if reasons:
            found.append(
                _Finding(code_id, creator_id, tuple(reasons), len(customers[code_id]), used)
            )
    return found


def detect_leaks(db: Database, now: datetime | None = None) -> int:
    """Record every newly leaked released code and alert; returns how many were new."""
    with db.transaction() as tx:
        incentive_ids = [i.id for _, i in catalog.all_incentives(tx)]
    detected = 0
    for incentive_id in incentive_ids:
        detected += db.run(lambda tx, i=incentive_id: _detect_in(tx, i, now or utcnow()))  # type: ignore[misc]
    return detected


def _detect_in(tx: Tx, incentive_id: int, now: datetime) -> int:
    policy = policies.policy_for(tx, incentive_id)
    known = leaks.known_codes(tx, incentive_id)
    incentive = tx.get_one(Incentive, incentive_id)
    new = 0
    for finding in _findings(tx, incentive_id, policy):
        if finding.code_id in known:
            continue
        state = REISSUE_PENDING if policy.on_leak == policies.DISABLE_AND_REISSUE else FLAGGED
        recorded = leaks.record(
            tx,
            code_id=finding.code_id,
            incentive_id=incentive_id,
            creator_id=finding.creator_id,
            reasons=finding.reasons,
            customers=finding.customers,
            uses=finding.uses,
            state=state,
            now=now,
        )
        if not recorded:  # another worker recorded it first
            continue
        new += 1
        metrics.LEAKS.labels(action="detected").inc()
        alerts.raise_alert(
            tx,
            alerts.CODE_LEAKED,
            campaign_id=incentive.campaign_id,
            incentive_id=incentive_id,
            creator_id=finding.creator_id,
            code_id=finding.code_id,
            reasons=list(finding.reasons),
            customers=finding.customers,
            uses=finding.uses,
            on_leak=policy.on_leak,
        )
    return new


def respond_to_leaks(
    db: Database, opener: ShopOpener, now: datetime | None = None, config: Config | None = None
) -> tuple[int, int]:
    """Carry out pending ``disable_and_reissue`` responses; (reissued, still waiting)."""
    owner = events.default_actor()
    with db.transaction() as tx:
        pending = leaks.pending(tx, REISSUE_PENDING)
    reissued = waiting = 0
    for leak_id in pending:
        at = now or utcnow()
        with db.transaction() as tx:
            if not leaks.take_lease(tx, leak_id, REISSUE_PENDING, owner, at, at + LEASE):
                continue  # settled, or another worker is on it
        try:
            done = _reissue(db, opener, leak_id, owner, at, config)
        except Exception as failure:  # noqa: BLE001 - left pending for the next run
            log.warning("reissue of leaked code (leak %d) failed: %s", leak_id, failure)
            done = False
        finally:
            with db.transaction() as tx:
                leaks.release_lease(tx, leak_id, owner)
        reissued += done
        waiting += not done
    return reissued, waiting


def _reissue(
    db: Database,
    opener: ShopOpener,
    leak_id: int,
    owner: str,
    now: datetime,
    config: Config | None = None,
) -> bool:
    # 1. The replacement is reserved in the intent (it leaves the pool now, once).
    with db.transaction() as tx:
        leak = leaks.locked(tx, leak_id)
        if leak.state != REISSUE_PENDING or leak.lease_owner != owner:
            return False
        if leak.replacement_code_id is None:
            valid_until = policies.valid_until(tx, leak.incentive_id, now)
            reserved = moving.reserve(tx, leak.incentive_id, valid_until)
            if reserved is None:
                alerts.raise_alert(
                    tx,
                    alerts.POOL_EMPTY,
                    once=f"reissue:{leak.id}",
                    incentive_id=leak.incentive_id,
                    reason="no code left to reissue a leaked code",
                )
                return False
            leak.replacement_code_id = reserved[0]
        incentive_id, code_id = leak.incentive_id, leak.code_id
        link = shop_links.link_of(tx, incentive_id)
        code = leaks.code_text(tx, code_id)
        refs = catalog.incentive_refs(tx, [incentive_id])
    # 2. The leaked code is disabled in the store (again, harmlessly, after a crash).
    if link.linked:
        source = common.source_of(refs[incentive_id], link)
        with opener(link.store_name) as shop:
            shop.disable_codes(source, [code])
    # 3. The swap, exactly once: the state is re-checked under the leak's row lock.
    with db.transaction() as tx:
        leak = leaks.locked(tx, leak_id)
        if leak.state != REISSUE_PENDING or leak.replacement_code_id is None:
            return False
        moving.swap_assignment(tx, leak.code_id, leak.replacement_code_id)
        leak.state, leak.resolved_at = REISSUED, utcnow()
        incentive = tx.get_one(Incentive, leak.incentive_id)
        alerts.raise_alert(
            tx,
            alerts.CODE_REISSUED,
            campaign_id=incentive.campaign_id,
            incentive_id=leak.incentive_id,
            creator_id=leak.creator_id,
            code_id=leak.code_id,
            replacement_code_id=leak.replacement_code_id,
            disabled_in_store=link.linked,
        )
        if leak.creator_id is not None:
            outbox.enqueue_on_event(
                tx,
                alerts.CODE_REISSUED,
                campaign_id=incentive.campaign_id,
                creator_id=leak.creator_id,
                code_id=leak.replacement_code_id,
                config=config,
            )
    metrics.LEAKS.labels(action="reissued").inc()
    return True


def leak_check(
    db: Database, config: Config, *, opener: ShopOpener | None = None, now: datetime | None = None
) -> LeakResult:
    """Detect leaks from the stored orders, then carry out pending reissues (worker service)."""
    detected = detect_leaks(db, now)
    reissued, waiting = respond_to_leaks(db, opener or default_opener(config), now, config)
    return LeakResult(detected, reissued, waiting)
