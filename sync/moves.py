"""Moving creators through the workflow, and releasing codes on the way.

A move is one short transaction (run again after a transient database failure,
:meth:`~store.db.Database.run`): lock the creator's membership, work out the
stages entered (skipping ahead enters every stage in between), claim one code
for every incentive due at those stages, then move and queue the messages sent on
entry to those stages (:func:`sync.outbox.enqueue_on_entry`). If any due incentive has
no code left the whole transaction rolls back: the creator stays where they
were and nothing is assigned (:class:`~sync.errors.OutOfCodes`).

Bulk moves run one transaction per creator and report each outcome; a dry run
only counts what would be needed against what is available.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from store import catalog, events, moving
from store.catalog import Member
from store.db import Conflict, Database, Tx
from store.models import Campaign, utcnow
from sync import capacity, lookup, outbox, policies, workflow
from sync.config import Config
from sync.errors import DomainError, NotFound, OutOfCodes, UsageError, WrongCampaignState
from sync.fields import check_handle
from sync.incentives import DISABLE_ON_DROP
from sync.wording import plural

log = logging.getLogger(__name__)

MOVED, UNCHANGED, REFUSED = "moved", "unchanged", "refused"
#: Results of a dry run: what a real move would do.
WOULD_MOVE, WOULD_REFUSE = "would_move", "would_refuse"


@dataclass(frozen=True)
class Release:
    incentive: str
    code: str  # released now, so no longer secret


@dataclass(frozen=True)
class MoveOutcome:
    handle: str
    source: str
    target: str
    result: str  # moved | unchanged | refused; a dry run: would_move | unchanged | would_refuse
    released: tuple[Release, ...] = ()
    error: str | None = None
    revoke_requested: tuple[str, ...] = ()  # incentive keys whose code will be disabled


class MoveConflict(DomainError):
    """A constraint refused the move's writes; nothing was changed."""

    def __init__(self, campaign: str, handle: str, target: str) -> None:
        self.campaign, self.handle, self.target = campaign, handle, target
        super().__init__(
            f"'{handle}' was changed by another command while being moved to '{target}', so "
            f"nothing was changed: run `promosync creators move {campaign} {handle} "
            f"--to {target}` again"
        )


def move(
    db: Database, campaign_key: str, handle: str, target: str, *, config: Config | None = None
) -> MoveOutcome:
    """Move one creator; raises :class:`OutOfCodes` (and changes nothing) if a pool is empty,
    :class:`MoveConflict` (and changes nothing) if a constraint refuses a write."""
    target = workflow.check_stage_name(target)
    handle = check_handle(handle)
    try:
        # The move only touches the database, so a transient failure replays it.
        return db.run(lambda tx: _move_in(db, tx, campaign_key, handle, target, config))
    except OutOfCodes as refused:
        _record_refusal(db, campaign_key, handle, target, refused)
        raise
    except Conflict as conflict:  # a unique rule refused a write; names no parameter
        log.warning(
            "move of %s in %s to %s refused by %s",
            handle,
            campaign_key,
            target,
            conflict.constraint or "an unnamed constraint",
        )
        raise MoveConflict(campaign_key, handle, target) from None


def _move_in(
    db: Database, tx: Tx, campaign_key: str, handle: str, target: str, config: Config | None
) -> MoveOutcome:
    subject = _subject(tx, campaign_key, handle, lock=True)
    stages, incentives = _shape(db, tx, subject)
    source = subject.stage
    plan = workflow.plan_move(stages, source, target)
    if target == source:
        return MoveOutcome(handle, source, target, UNCHANGED)
    released = [_claim(tx, subject, i) for i in _due(incentives, subject, plan)]
    revoking: tuple[str, ...] = ()
    if target == workflow.EXIT_STAGE:
        campaign = lookup.campaign(tx, campaign_key)
        revoking = _apply_drop_policy(tx, campaign, lookup.member(tx, campaign, handle))
    moving.set_stage(
        tx,
        subject,
        target,
        event={
            "actor": events.default_actor(),
            "source": source,
            "target": target,
            "released": [{"incentive_id": i, "code_id": c} for i, c, _, _ in released],
        },
    )
    # Same transaction: a refused move queues nothing, an accepted one cannot lose its
    # messages. Entering the target counts even when moving back or to `dropped`.
    entered = plan.entered if target in plan.entered else (*plan.entered, target)
    outbox.enqueue_on_entry(
        tx, subject.campaign_id, subject.creator_id, subject.handle, entered, config
    )
    outcome = tuple(Release(key, code) for _, _, key, code in released)
    return MoveOutcome(handle, source, target, MOVED, outcome, None, revoking)


def _require_active(campaign: Campaign) -> None:
    if campaign.status != "active":
        raise WrongCampaignState(
            campaign.key,
            campaign.status,
            "moving creators",
            f"activate it with `promosync campaigns activate {campaign.key}`"
            if campaign.status == "draft"
            else "creators move only in active campaigns",
        )


Shape = tuple[list[workflow.Stage], tuple[moving.IncentiveShape, ...]]


def _shape(db: Database, tx: Tx, subject: moving.Subject) -> Shape:
    """Stages and incentives of an active campaign, read once per database handle.

    Incentives and stages change only while a campaign is draft, and an active
    campaign never returns to draft, so the shape of an active campaign is fixed.
    The key includes the row's creation time so a recreated id is never confused.
    """
    key = ("campaign-shape", subject.campaign_id, subject.campaign_created_at)
    cached = db.memo.get(key)
    if cached is None:
        stages, incentives = moving.campaign_shape(tx, subject.campaign_id)
        cached = (
            [workflow.Stage(s.key, s.phase, s.position, s.enabled) for s in stages],
            incentives,
        )
        db.memo[key] = cached
    return cached  # type: ignore[return-value]


def _subject(tx: Tx, campaign_key: str, handle: str, *, lock: bool) -> moving.Subject:
    """The creator to move, in an active campaign; the right error otherwise."""
    subject = moving.read_subject(tx, campaign_key, handle, lock=lock)
    if subject is None:
        lookup.member(tx, lookup.campaign(tx, campaign_key), handle)  # raises the NotFound
        raise AssertionError("unreachable: the creator exists")  # pragma: no cover
    if subject.campaign_status != "active":
        _require_active(lookup.campaign(tx, campaign_key))
    return subject


def _due(
    incentives: Sequence[moving.IncentiveShape], subject: moving.Subject, plan: workflow.MovePlan
) -> list[moving.IncentiveShape]:
    """Incentives released at a stage being entered that the creator has not had yet."""
    return [i for i in incentives if i.timing in plan.entered and i.id not in subject.held]


def _claim(
    tx: Tx, subject: moving.Subject, incentive: moving.IncentiveShape
) -> tuple[int, int, str, str]:
    """(incentive id, code id, incentive key, code) of the code claimed for the creator."""
    valid_until = policies.valid_until(tx, incentive.id, utcnow())
    claimed = moving.claim(tx, incentive.id, subject.creator_id, incentive.timing, valid_until)
    if claimed is None:
        raise OutOfCodes(
            subject.campaign_key,
            incentive.key,
            incentive.description,
            subject.handle,
            linked=moving.incentive_is_linked(tx, incentive.id),
        )
    code_id, code = claimed
    return incentive.id, code_id, incentive.key, code


def _apply_drop_policy(tx: Tx, campaign: Campaign, member: Member) -> tuple[str, ...]:
    """``on_drop = disable``: mark released codes for revocation.

    Codes of store-linked incentives are disabled in the store by the next
    sync, which then marks them revoked; codes with no store are revoked now.
    """
    revoking = []
    for release in catalog.released_to(tx, campaign.id, member.creator.id):
        assignment = release.assignment
        if release.incentive.on_drop != DISABLE_ON_DROP or assignment.revoke_requested_at:
            continue
        assignment.revoke_requested_at = utcnow()
        if not release.incentive.store_name:
            assignment.revoked_at = assignment.revoke_requested_at
            release.code.status = "revoked"
        revoking.append(release.incentive.key)
        events.record(
            tx,
            "code.revoke_requested",
            campaign_id=campaign.id,
            incentive_id=release.incentive.id,
            creator_id=member.creator.id,
            code_id=release.code.id,
        )
    return tuple(revoking)


def _record_refusal(
    db: Database, campaign_key: str, handle: str, target: str, refused: OutOfCodes
) -> None:
    # The move's own transaction rolled back; the refusal is logged on its own.
    with db.transaction() as tx:
        campaign = catalog.find_campaign(tx, campaign_key)
        member = campaign and catalog.find_member(tx, campaign.id, handle)
        events.record(
            tx,
            "move.refused",
            campaign_id=campaign.id if campaign else None,
            creator_id=member.creator.id if member else None,
            target=target,
            incentive=refused.incentive,
            reason="out_of_codes",
        )


@dataclass
class BulkMoveReport:
    """What a bulk move did (or, dry-run, would do) for each creator."""

    target: str
    dry_run: bool
    outcomes: list[MoveOutcome] = field(default_factory=list)
    needed: dict[str, int] = field(default_factory=dict)  # incentive key -> codes needed
    available: dict[str, int] = field(default_factory=dict)  # incentive key -> codes in pool
    capacity: list[capacity.IncentiveCapacity] = field(default_factory=list)  # dry run only

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def summary(self) -> str:
        moved, refused = (WOULD_MOVE, WOULD_REFUSE) if self.dry_run else (MOVED, REFUSED)
        verb, refusal = ("would move", "would be refused") if self.dry_run else ("moved", "refused")
        parts = [f"{plural(self.count(moved), 'creator')} {verb} to {self.target}"]
        if self.count(refused):
            parts.append(f"{self.count(refused)} {refusal}")
        if self.count(UNCHANGED):
            parts.append(f"{self.count(UNCHANGED)} already there")
        for key, need in self.needed.items():
            available = self.available.get(key, 0)
            parts.append(f"{key}: {plural(need, 'code')} needed, {available:,} available")
        for pool_capacity in self.capacity:
            if pool_capacity.shortfall:
                parts.append(
                    f"{pool_capacity.incentive}: {pool_capacity.shortfall:,} short for the "
                    f"participants on the way (see `promosync codes capacity`)"
                )
        return "; ".join(parts)


def move_many(
    db: Database,
    campaign_key: str,
    handles: Sequence[str],
    target: str,
    *,
    dry_run: bool = False,
    config: Config | None = None,
) -> BulkMoveReport:
    """Move each creator in its own transaction; report every outcome.

    A refusal (empty pool, conflicting change, creator not in the campaign) rolls back
    that creator's transaction only, is reported for them, and the batch goes on."""
    target = workflow.check_stage_name(target)
    handles = [check_handle(handle) for handle in handles]
    if not handles:
        raise UsageError("No creators to move: name them, or use --from STAGE")
    if dry_run:
        return _dry_run(db, campaign_key, handles, target)
    report = BulkMoveReport(target, dry_run=False)
    for handle in handles:
        try:
            report.outcomes.append(move(db, campaign_key, handle, target, config=config))
        except (DomainError, NotFound) as refused:
            report.outcomes.append(MoveOutcome(handle, "", target, REFUSED, error=str(refused)))
    return report


def move_stage(
    db: Database,
    campaign_key: str,
    source: str,
    target: str,
    *,
    dry_run: bool = False,
    config: Config | None = None,
) -> BulkMoveReport:
    """Move every creator currently at ``source`` to ``target``."""
    source = workflow.check_stage_name(source)
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        handles = [m.creator.handle for m in catalog.members_of(tx, campaign.id, source)]
    if not handles:
        return BulkMoveReport(workflow.check_stage_name(target), dry_run)
    return move_many(db, campaign_key, handles, target, dry_run=dry_run, config=config)


def _dry_run(
    db: Database, campaign_key: str, handles: Sequence[str], target: str
) -> BulkMoveReport:
    """Simulate the moves in order against the pool counts, changing nothing."""
    report = BulkMoveReport(target, dry_run=True)
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        _require_active(campaign)
        left: Counter[str] | None = None
        for handle in handles:
            subject = _subject(tx, campaign_key, handle, lock=False)
            stages, incentives = _shape(db, tx, subject)
            if left is None:
                # The same numbers as `codes capacity`: only codes valid long enough count.
                report.capacity = capacity.of_campaign(tx, campaign)
                left = Counter({c.incentive: c.available for c in report.capacity})
                report.available = dict(left)
            source = subject.stage
            due = [
                i.key for i in _due(incentives, subject, workflow.plan_move(stages, source, target))
            ]
            for key in due:
                report.needed[key] = report.needed.get(key, 0) + 1
            short = [key for key in due if left[key] < 1]
            if target == source:
                outcome = MoveOutcome(handle, source, target, UNCHANGED)
            elif short:
                outcome = MoveOutcome(
                    handle,
                    source,
                    target,
                    WOULD_REFUSE,
                    error=f"would be refused: no codes left in {', '.join(short)}",
                )
            else:
                left.subtract(due)
                outcome = MoveOutcome(handle, source, target, WOULD_MOVE)
            report.outcomes.append(outcome)
    return report
