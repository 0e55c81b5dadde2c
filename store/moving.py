"""The statements of a stage move, kept to the few a move needs.

A move runs many times a second under contention, so it uses prepared Core
statements rather than ORM objects: one locking read of the creator, then (after
the lock is granted) one read of their stage and what they already hold, one
``UPDATE … RETURNING`` per claimed code, and a handful of inserts. The claim
itself is a single statement:

- PostgreSQL: ``UPDATE codes … WHERE id = (SELECT id … FOR UPDATE SKIP LOCKED)``;
  concurrent movers take different rows. If every available row is locked, a
  blocking attempt follows, so "out of codes" is only reported when the pool
  really is empty.
- SQLite: the transaction already holds the write lock (``BEGIN IMMEDIATE``),
  so the same statement without row locks is safe.

The unique constraints on ``assignments`` stay the last line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    exists,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)

from store.db import Tx
from store.models import (
    Assignment,
    Campaign,
    Code,
    Creator,
    Event,
    Incentive,
    Membership,
    Rejection,
    WorkflowStage,
    utcnow,
)

_codes = cast(Table, Code.__table__)
_assignments = cast(Table, Assignment.__table__)
_memberships = cast(Table, Membership.__table__)
_events = cast(Table, Event.__table__)
MOVED_EVENT = "creator.moved"


@dataclass(frozen=True)
class Subject:
    """The creator being moved, with their campaign.

    Identity (ids, keys, handle) comes from the statement that takes the membership's
    lock; ``stage``, ``campaign_status`` and ``held`` from a statement issued after the
    lock was granted, so they include whatever the transaction we waited for committed.
    """

    campaign_id: int
    campaign_key: str
    campaign_status: str
    campaign_created_at: datetime
    membership_id: int
    creator_id: int
    handle: str
    stage: str
    held: frozenset[int]  # incentives the creator already got or had rejected


def _subject_statement(*, lock: bool) -> Any:
    """Who is moved: the ids a move needs, taking the membership's lock if ``lock``."""
    statement = (
        select(
            Campaign.id,
            Campaign.key,
            Campaign.created_at,
            Membership.id,
            Creator.id,
            Creator.handle,
        )
        .join(Membership, Membership.campaign_id == Campaign.id)
        .join(Creator, Creator.id == Membership.creator_id)
        .where(Campaign.key == bindparam("campaign_key"), Creator.handle == bindparam("handle"))
    )
    return statement.with_for_update(of=Membership) if lock else statement


def _state_statement() -> Any:
    """What a move decides on: stage, campaign status, and every incentive the creator
    already got or had rejected (one row per incentive, or one row with NULL)."""
    held = union_all(
        select(Assignment.incentive_id.label("incentive")).where(
            Assignment.creator_id == bindparam("creator")
        ),
        select(Rejection.incentive_id).where(Rejection.creator_id == bindparam("creator")),
    ).subquery("held")
    return (
        select(Membership.stage, Campaign.status, held.c.incentive)
        .join(Campaign, Campaign.id == Membership.campaign_id)
        .outerjoin(held, true())
        .where(Membership.id == bindparam("membership"))
    )


_SUBJECT = {lock: _subject_statement(lock=lock) for lock in (True, False)}
_STATE = _state_statement()


def read_subject(tx: Tx, campaign_key: str, handle: str, *, lock: bool = True) -> Subject | None:
    """The creator's membership with what they already hold; ``lock`` holds the
    membership row (``FOR UPDATE``) so two moves of one creator serialise.

    Two statements, on purpose: under READ COMMITTED a statement sees the data of
    its start, so holdings read by the statement that waited for the lock would
    predate the transaction it waited for (a code released or an incentive rejected
    meanwhile). Everything decided on is read by the second statement, after the wait.
    """
    connection = tx.connection()
    row = connection.execute(
        _SUBJECT[lock], {"campaign_key": campaign_key, "handle": handle}
    ).first()
    if row is None:
        return None
    campaign_id, key, created_at, membership_id, creator_id, stored_handle = row
    state = connection.execute(_STATE, {"membership": membership_id, "creator": creator_id}).all()
    if not state:  # removed in between (only possible without the lock)
        return None
    stage, status = state[0][0], state[0][1]
    return Subject(
        campaign_id=campaign_id,
        campaign_key=key,
        campaign_status=status,
        campaign_created_at=created_at,
        membership_id=membership_id,
        creator_id=creator_id,
        handle=stored_handle,
        stage=stage,
        held=frozenset(r[2] for r in state if r[2] is not None),
    )


@dataclass(frozen=True)
class IncentiveShape:
    """What a move needs to know of an incentive."""

    id: int
    key: str
    description: str
    timing: str


@dataclass(frozen=True)
class StageShape:
    key: str
    phase: str
    position: int
    enabled: bool


def campaign_shape(
    tx: Tx, campaign_id: int
) -> tuple[tuple[StageShape, ...], tuple[IncentiveShape, ...]]:
    """The campaign's stages and incentives (fixed while the campaign is active)."""
    stages = (
        tx.connection()
        .execute(
            select(
                WorkflowStage.key,
                WorkflowStage.phase,
                WorkflowStage.position,
                WorkflowStage.enabled,
            )
            .where(WorkflowStage.campaign_id == campaign_id)
            .order_by(WorkflowStage.position)
        )
        .all()
    )
    incentives = (
        tx.connection()
        .execute(
            select(Incentive.id, Incentive.key, Incentive.description, Incentive.timing)
            .where(Incentive.campaign_id == campaign_id)
            .order_by(Incentive.id)
        )
        .all()
    )
    return tuple(StageShape(*s) for s in stages), tuple(IncentiveShape(*i) for i in incentives)


def _claim_statement(*, skip_locked: bool) -> Any:
    oldest_available = (
        select(_codes.c.id)
        .where(
            _codes.c.incentive_id == bindparam("pool"),
            _codes.c.status == "available",
            # A code whose discount ends before ``valid_until`` is never handed out.
            or_(
                _codes.c.ends_at.is_(None),
                _codes.c.ends_at >= bindparam("valid_until", type_=_codes.c.ends_at.type),
            ),
        )
        .order_by(_codes.c.id)
        .limit(1)
        .with_for_update(skip_locked=skip_locked)
        .scalar_subquery()
    )
    return (
        update(_codes)
        .where(_codes.c.id == oldest_available)
        .values(status="assigned")
        .returning(_codes.c.id, _codes.c.code)
    )


_CLAIM_SKIP_LOCKED = _claim_statement(skip_locked=True)
_ASSIGN = insert(_assignments)


def _claim_and_assign_statement(*, skip_locked: bool) -> Any:
    """PostgreSQL only: claim and record the assignment in one round trip (a data-modifying CTE)."""
    claimed = _claim_statement(skip_locked=skip_locked).cte("claimed")
    assigned = insert(_assignments).from_select(
        ["incentive_id", "creator_id", "code_id", "stage", "assigned_at"],
        select(
            bindparam("pool", type_=_assignments.c.incentive_id.type),
            bindparam("creator", type_=_assignments.c.creator_id.type),
            claimed.c.id,
            bindparam("release_stage", type_=_assignments.c.stage.type),
            bindparam("now", type_=_assignments.c.assigned_at.type),
        ),
    )
    return assigned.returning(_assignments.c.code_id, select(claimed.c.code).scalar_subquery())


_PG_CLAIM_SKIP_LOCKED = _claim_and_assign_statement(skip_locked=True)
_PG_CLAIM_WAITING = _claim_and_assign_statement(skip_locked=False)


def claim(
    tx: Tx, incentive_id: int, creator_id: int, stage: str, valid_until: datetime
) -> tuple[int, str] | None:
    """Assign the oldest available code of the incentive that stays valid until
    ``valid_until`` (or never ends); ``(code id, code)`` or None."""
    if tx.get_bind().dialect.name == "postgresql":
        params: dict[str, Any] = {
            "pool": incentive_id,
            "creator": creator_id,
            "release_stage": stage,
            "valid_until": valid_until,
        }
        params["now"] = utcnow()
        row = tx.connection().execute(_PG_CLAIM_SKIP_LOCKED, params).first()
        if row is None:
            row = tx.connection().execute(_PG_CLAIM_WAITING, params).first()
        return None if row is None else (row[0], row[1])
    row = (
        tx.connection()
        .execute(_CLAIM_SKIP_LOCKED, {"pool": incentive_id, "valid_until": valid_until})
        .first()
    )
    if row is None:
        return None
    code_id, code = row
    tx.connection().execute(
        _ASSIGN,
        {
            "incentive_id": incentive_id,
            "creator_id": creator_id,
            "code_id": code_id,
            "stage": stage,
            "assigned_at": utcnow(),
        },
    )
    return code_id, code


_SET_STAGE = (
    update(_memberships)
    .where(_memberships.c.id == bindparam("membership"))
    .values(stage=bindparam("new_stage"), moved_at=bindparam("now"))
)
_MOVED_EVENT = insert(_events).values(
    kind=MOVED_EVENT,
    actor=bindparam("actor"),
    at=bindparam("now"),
    campaign_id=bindparam("campaign"),
    creator_id=bindparam("creator"),
    detail=bindparam("detail", type_=_events.c.detail.type),
)


def _stage_and_event_statement() -> Any:
    """PostgreSQL only: the stage change and its event in one round trip."""
    moved = _SET_STAGE.returning(_memberships.c.id).cte("moved")
    return insert(_events).from_select(
        ["kind", "actor", "at", "campaign_id", "creator_id", "detail"],
        select(
            literal(MOVED_EVENT),
            bindparam("actor", type_=_events.c.actor.type),
            bindparam("now", type_=_events.c.at.type),
            bindparam("campaign", type_=_events.c.campaign_id.type),
            bindparam("creator", type_=_events.c.creator_id.type),
            bindparam("detail", type_=_events.c.detail.type),
        ).where(exists(select(moved.c.id))),
    )


_PG_STAGE_AND_EVENT = _stage_and_event_statement()


def set_stage(tx: Tx, subject: Subject, stage: str, *, event: dict[str, Any]) -> None:
    """Move the creator and log a ``creator.moved`` event (who, from, to, codes released)."""
    actor = event.pop("actor")
    params = {
        "membership": subject.membership_id,
        "new_stage": stage,
        "now": utcnow(),
        "actor": actor,
        "campaign": subject.campaign_id,
        "creator": subject.creator_id,
        "detail": event,
    }
    connection = tx.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_STAGE_AND_EVENT, params)
        return
    connection.execute(_SET_STAGE, params)
    connection.execute(_MOVED_EVENT, params)


def incentive_is_linked(tx: Tx, incentive_id: int) -> bool:
    """Read fresh: an incentive can be linked to a store while its campaign runs."""
    source = tx.scalar(select(Incentive.source_id).where(Incentive.id == incentive_id))
    return source is not None


def reserve(tx: Tx, incentive_id: int, valid_until: datetime) -> tuple[int, str] | None:
    """Take the oldest valid available code out of the pool without assigning it yet
    (a reissue's replacement, settled by :func:`swap_assignment`)."""
    row = (
        tx.connection()
        .execute(_CLAIM_SKIP_LOCKED, {"pool": incentive_id, "valid_until": valid_until})
        .first()
    )
    return None if row is None else (row[0], row[1])


def swap_assignment(tx: Tx, old_code_id: int, new_code_id: int) -> int:
    """Point the assignment holding ``old_code_id`` at ``new_code_id`` and mark the old code
    revoked (it never returns to the pool); returns how many assignments changed (0 or 1)."""
    changed = tx.connection().execute(
        update(_assignments)
        .where(_assignments.c.code_id == old_code_id)
        .values(code_id=new_code_id)
    )
    tx.connection().execute(
        update(_codes).where(_codes.c.id == old_code_id).values(status="revoked")
    )
    return int(changed.rowcount)
