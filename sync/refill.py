"""Automatic refill of store-linked pools: codes generated in the store before the pool runs out.

``incentives refill`` sets the policy; :func:`refill_check` (``sync refill``, and the worker
after move bursts and on a schedule) applies it once:

- the low-water mark is ``--below N``, or with ``--auto`` the pipeline's demand (creators in
  participant stages before the release stage, see :mod:`sync.capacity`) plus a margin;
- below it, a refill is *reserved* first (a ``refills`` row, in a transaction holding the
  incentive's policy row lock), so two workers never refill one pool at once and the daily
  cap (``--max-per-day``, a rolling 24 hours) holds whoever refills;
- then the codes are created in the store and pulled by the one generate service
  (:mod:`sync.shopsync.generate`), and the refill is settled: ``refill.done`` or
  ``refill.failed`` (an alert). A failed refill blocks nothing: moves go on using whatever
  codes the pool still holds.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from integrations.ports import Shop, ShopError
from store import events, policies, refills, shop_links
from store.db import Database, Tx
from store.models import Campaign, Incentive, utcnow
from store.models_policy import IncentivePolicy
from sync import alerts, capacity, codegen, lookup, metrics
from sync.config import Config
from sync.errors import DomainError, UsageError
from sync.policies import positive
from sync.shops import open_shop
from sync.shopsync import common, generate

log = logging.getLogger(__name__)

OFF, FIXED, AUTO = "off", "fixed", "auto"
#: Rolling window of ``--max-per-day``.
CAP_WINDOW = timedelta(days=1)
DEFAULT_MAX_PER_DAY = 1_000
#: ``--auto``: the mark is the waiting participants plus this share of them, at least
#: :data:`AUTO_MIN_MARGIN` codes.
AUTO_MARGIN = 0.10
AUTO_MIN_MARGIN = 5
#: ``--auto`` without ``--batch``: at least this many codes per refill, so a pool that drifts
#: under its mark one code at a time is not refilled one code at a time.
AUTO_MIN_BATCH = 25
#: A refill still "running" after this is taken for dead (its worker crashed): another
#: may start. Its reservation keeps counting toward the cap.
STALE_AFTER = timedelta(minutes=30)

#: A check that finds another worker refilling a low pool waits for it (polling), at most
#: this long, so the caller's next burst of moves finds the codes.
BUSY_WAIT = timedelta(seconds=60)
BUSY_POLL = 0.1  # seconds

#: Opens a configured store by name (tests pass the local Shopify).
ShopOpener = Callable[[str], AbstractContextManager[Shop]]


@dataclass(frozen=True)
class RefillSettings:
    mode: str = OFF
    below: int | None = None
    batch: int | None = None
    prefix: str = ""
    max_per_day: int = DEFAULT_MAX_PER_DAY

    def as_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "below": self.below,
            "batch": self.batch,
            "prefix": self.prefix,
            "max_per_day": self.max_per_day,
        }


@dataclass(frozen=True)
class RefillOutcome:
    incentive: str
    available: int
    low_water: int
    action: str  # ok | refilled | failed | capped | busy
    created: int = 0
    error: str | None = None


@dataclass(frozen=True)
class RefillResult:
    """What one :func:`refill_check` did, per incentive with refill on."""

    outcomes: tuple[RefillOutcome, ...] = field(default_factory=tuple)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def created(self) -> int:
        return sum(o.created for o in self.outcomes)


def set_refill(
    db: Database,
    ref: str,
    *,
    below: int | None = None,
    batch: int | None = None,
    prefix: str | None = None,
    max_per_day: int | None = None,
    auto: bool = False,
    off: bool = False,
) -> RefillSettings:
    """Set (or switch off) the refill policy of store-linked incentive ``CAMPAIGN/KEY``."""
    if auto and off:
        raise UsageError("--auto and --off contradict each other: give one of them")
    if not (auto or off) and (below is None or batch is None):
        raise UsageError(
            "Give --below N and --batch M (refill M codes when fewer than N are left), "
            "or --auto, or --off"
        )
    if off and any(v is not None for v in (below, batch, prefix, max_per_day)):
        raise UsageError("--off takes no other option: it switches refilling off")
    if below is not None:
        positive(below, "--below")
    if batch is not None:
        positive(batch, "--batch")
    if max_per_day is not None:
        positive(max_per_day, "--max-per-day")
    if prefix:
        prefix = codegen.check_prefix(prefix)
    mode = OFF if off else AUTO if auto else FIXED
    with db.transaction() as tx:
        incentive = lookup.incentive_by_ref(tx, ref)
        if not off and not shop_links.link_of(tx, incentive.id).linked:
            raise common.NotLinked(ref)
        values: dict[str, object] = {"refill_mode": mode}
        if not off:
            values.update(
                refill_below=below,
                refill_batch=batch,
                refill_prefix=prefix or None,
                refill_max_per_day=max_per_day,
            )
        row = policies.update(tx, incentive.id, **values)
        settings = settings_of(row)
        events.record(
            tx,
            "incentive.refill",
            campaign_id=incentive.campaign_id,
            incentive_id=incentive.id,
            settings=settings.as_dict(),
        )
    return settings


def settings_of(row: IncentivePolicy | None) -> RefillSettings:
    """An incentive's refill settings (no policy row: refill is off)."""
    if row is None:
        return RefillSettings()
    return RefillSettings(
        mode=row.refill_mode or OFF,
        below=row.refill_below,
        batch=row.refill_batch,
        prefix=row.refill_prefix or "",
        max_per_day=row.refill_max_per_day or DEFAULT_MAX_PER_DAY,
    )


def auto_mark(participants_waiting: int) -> int:
    """``--auto``'s low-water mark: the waiting participants plus a margin."""
    margin = max(AUTO_MIN_MARGIN, math.ceil(participants_waiting * AUTO_MARGIN))
    return participants_waiting + margin


@dataclass(frozen=True)
class _Plan:
    refill_id: int | None
    outcome: RefillOutcome
    prefix: str = ""


def _plan(tx: Tx, target: common.Target, owner: str, now: datetime) -> _Plan | None:
    """Decide under the policy row's lock: nothing, a reservation, or why not."""
    row = policies.policy_of(tx, target.id, lock=True)
    settings = settings_of(row)
    if settings.mode == OFF:
        return None
    incentive = tx.get_one(Incentive, target.id)
    campaign = tx.get_one(Campaign, incentive.campaign_id)
    (pool,) = capacity.of_campaign(tx, campaign, now, only=incentive.id)
    available = pool.available
    metrics.POOL_AVAILABLE.labels(incentive=target.ref).set(available)
    if settings.mode == AUTO:
        low = auto_mark(pool.participants_waiting)
        wanted = max(low - available, settings.batch or AUTO_MIN_BATCH)
    else:
        low = settings.below or 0
        wanted = settings.batch or 0
    if available >= low:
        return _Plan(None, RefillOutcome(target.ref, available, low, "ok"))
    day = now.date().isoformat()
    kind = alerts.POOL_EMPTY if available == 0 else alerts.POOL_LOW
    alerts.raise_alert(
        tx,
        kind,
        once=f"incentive:{target.id}:{day}",
        campaign_id=campaign.id,
        incentive_id=target.id,
        available=available,
        low_water=low,
    )
    if refills.running_since(tx, target.id, now - STALE_AFTER):
        return _Plan(None, RefillOutcome(target.ref, available, low, "busy"))
    room = settings.max_per_day - refills.counted_since(tx, target.id, now - CAP_WINDOW)
    count = min(wanted, room)
    if count <= 0:
        alerts.raise_alert(
            tx,
            alerts.REFILL_FAILED,
            once=f"capped:{target.id}:{day}",
            campaign_id=campaign.id,
            incentive_id=target.id,
            reason="daily cap reached",
            max_per_day=settings.max_per_day,
            available=available,
        )
        metrics.REFILLS.labels(outcome="capped").inc()
        return _Plan(None, RefillOutcome(target.ref, available, low, "capped"))
    reservation = refills.reserve(tx, target.id, count, owner, now)
    return _Plan(
        reservation.id,
        RefillOutcome(target.ref, available, low, "refilled", created=count),
        settings.prefix,
    )


def default_opener(config: Config) -> ShopOpener:
    @contextmanager
    def opener(store_name: str) -> Iterator[Shop]:
        with open_shop(config, store_name, profile="daemon") as (_, shop):
            yield shop

    return opener


def refill_check(
    db: Database,
    config: Config,
    *,
    opener: ShopOpener | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RefillResult:
    """Check every pool with refill on once; refill those below their low-water mark.

    A pool below its mark that another worker is refilling is waited for (up to
    :data:`BUSY_WAIT`), so that a caller checking after a burst of moves never starts the
    next burst on a pool still waiting for its codes.
    """
    opener = opener or default_opener(config)
    owner = events.default_actor()
    outcomes: list[RefillOutcome] = []
    for target in common.targets(db, None, None):
        deadline = time.monotonic() + BUSY_WAIT.total_seconds()
        while True:
            at = now or utcnow()
            plan = db.run(lambda tx, t=target, at=at: _plan(tx, t, owner, at))  # type: ignore[misc]
            if plan is None or plan.outcome.action != "busy" or time.monotonic() > deadline:
                break
            sleep(BUSY_POLL)
        if plan is None:
            continue
        if plan.refill_id is None:
            outcomes.append(plan.outcome)
            continue
        outcomes.append(_refill(db, opener, target, plan))
    return RefillResult(tuple(outcomes))


def _refill(db: Database, opener: ShopOpener, target: common.Target, plan: _Plan) -> RefillOutcome:
    """Generate the reserved codes and settle the reservation, whatever happens."""
    assert plan.refill_id is not None
    wanted = plan.outcome.created
    created, error = 0, None
    try:
        with opener(target.store_name) as shop:
            result = generate.generate(
                db, shop, target, wanted, prefix=plan.prefix, full_pull=False
            )
        created = result.created
    except Exception as failure:  # noqa: BLE001 - a failed refill alerts and blocks nothing
        error = _describe(failure)
        log.warning("refill of %s failed: %s", target.ref, error)
    with db.transaction() as tx:
        refills.finish(tx, plan.refill_id, created=created, error=error)
        if error is None:
            alerts.raise_alert(
                tx,
                alerts.REFILL_DONE,
                incentive_id=target.id,
                created=created,
                available_before=plan.outcome.available,
                low_water=plan.outcome.low_water,
            )
        else:
            alerts.raise_alert(
                tx,
                alerts.REFILL_FAILED,
                incentive_id=target.id,
                requested=wanted,
                reason=error,
            )
    metrics.REFILLS.labels(outcome="failed" if error else "done").inc()
    metrics.CODES_REFILLED.inc(created)
    o = plan.outcome
    return RefillOutcome(
        o.incentive, o.available, o.low_water, "failed" if error else "refilled", created, error
    )


def _describe(failure: Exception) -> str:
    """A failure in one sentence fit for the event log: our own errors say what happened;
    anything else is named by type only (its text may hold values from the database)."""
    if isinstance(failure, ShopError | DomainError | UsageError):
        return str(failure)[:500]
    return f"unexpected {type(failure).__name__} (details in the log file)"
