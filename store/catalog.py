"""Campaigns, their stages and incentives, creators and memberships: lookups and writes.

Plain persistence; the rules about *when* these may change live in ``sync``.
Functions take the transaction (:data:`store.db.Tx`) they run in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from store.chunks import chunked
from store.db import Tx
from store.models import (
    Assignment,
    Campaign,
    Code,
    Creator,
    Incentive,
    Membership,
    Rejection,
    WorkflowStage,
)


def find_campaign(tx: Tx, key: str, *, lock: bool = False) -> Campaign | None:
    stmt = select(Campaign).where(Campaign.key == key)
    if lock:
        stmt = stmt.with_for_update()
    return tx.scalars(stmt).one_or_none()


def campaign_by_id(tx: Tx, campaign_id: int) -> Campaign:
    return tx.scalars(select(Campaign).where(Campaign.id == campaign_id)).one()


def creator_email(tx: Tx, creator_id: int) -> str | None:
    return tx.scalar(select(Creator.email).where(Creator.id == creator_id))


def list_campaigns(tx: Tx) -> Sequence[Campaign]:
    return tx.scalars(select(Campaign).order_by(Campaign.created_at, Campaign.id)).all()


def create_campaign(
    tx: Tx, *, key: str, name: str, currency: str, stages: Sequence[tuple[str, str]]
) -> Campaign:
    """A draft campaign with its workflow ``stages`` ((key, phase) in order)."""
    campaign = Campaign(key=key, name=name, currency=currency, status="draft")
    tx.add(campaign)
    tx.flush()
    tx.add_all(
        WorkflowStage(campaign_id=campaign.id, key=stage, phase=phase, position=pos)
        for pos, (stage, phase) in enumerate(stages)
    )
    return campaign


def stages_of(tx: Tx, campaign_id: int) -> Sequence[WorkflowStage]:
    stmt = (
        select(WorkflowStage)
        .where(WorkflowStage.campaign_id == campaign_id)
        .order_by(WorkflowStage.position)
    )
    return tx.scalars(stmt).all()


def add_incentive(
    tx: Tx,
    campaign: Campaign,
    *,
    key: str,
    description: str,
    value: Decimal,
    cost: Decimal,
    timing: str,
    on_drop: str,
) -> Incentive:
    incentive = Incentive(
        campaign_id=campaign.id,
        key=key,
        description=description,
        value=value,
        cost=cost,
        timing=timing,
        on_drop=on_drop,
    )
    tx.add(incentive)
    tx.flush()
    return incentive


def find_incentive(tx: Tx, campaign_id: int, key: str) -> Incentive | None:
    stmt = select(Incentive).where(Incentive.campaign_id == campaign_id, Incentive.key == key)
    return tx.scalars(stmt).one_or_none()


def incentives_of(tx: Tx, campaign_id: int) -> Sequence[Incentive]:
    stmt = select(Incentive).where(Incentive.campaign_id == campaign_id).order_by(Incentive.id)
    return tx.scalars(stmt).all()


def find_creator(tx: Tx, handle: str) -> Creator | None:
    return tx.scalars(select(Creator).where(Creator.handle == handle)).one_or_none()


def upsert_creator(tx: Tx, handle: str, *, email: str | None, first_name: str | None) -> Creator:
    """The creator with ``handle``, created or with the given contact details filled in."""
    creator = find_creator(tx, handle)
    if creator is None:
        creator = Creator(handle=handle, email=email, first_name=first_name)
        tx.add(creator)
        tx.flush()
        return creator
    if email is not None:
        creator.email = email
    if first_name is not None:
        creator.first_name = first_name
    return creator


def add_membership(tx: Tx, campaign: Campaign, creator: Creator, stage: str) -> Membership:
    membership = Membership(campaign_id=campaign.id, creator_id=creator.id, stage=stage)
    tx.add(membership)
    tx.flush()
    return membership


@dataclass(frozen=True)
class Member:
    """A membership with its creator, as loaded together."""

    membership: Membership
    creator: Creator


def find_member(tx: Tx, campaign_id: int, handle: str, *, lock: bool = False) -> Member | None:
    """The creator ``handle`` in the campaign; ``lock`` holds the membership row.

    The lock (``FOR UPDATE`` on PostgreSQL; SQLite's transactions are already
    exclusive) serialises two moves of the same creator.
    """
    stmt = (
        select(Membership, Creator)
        .join(Creator, Creator.id == Membership.creator_id)
        .where(Membership.campaign_id == campaign_id, Creator.handle == handle)
    )
    if lock:
        stmt = stmt.with_for_update(of=Membership)
    row = tx.execute(stmt).one_or_none()
    return None if row is None else Member(row[0], row[1])


def members_of(tx: Tx, campaign_id: int, stage: str | None = None) -> list[Member]:
    stmt = (
        select(Membership, Creator)
        .join(Creator, Creator.id == Membership.creator_id)
        .where(Membership.campaign_id == campaign_id)
        .order_by(Membership.id)
    )
    if stage is not None:
        stmt = stmt.where(Membership.stage == stage)
    return [Member(m, c) for m, c in tx.execute(stmt).all()]


@dataclass(frozen=True)
class Released:
    """A code released to a creator, with its incentive."""

    assignment: Assignment
    code: Code
    incentive: Incentive


def released_to(tx: Tx, campaign_id: int, creator_id: int) -> list[Released]:
    stmt = (
        select(Assignment, Code, Incentive)
        .join(Code, Code.id == Assignment.code_id)
        .join(Incentive, Incentive.id == Assignment.incentive_id)
        .where(Incentive.campaign_id == campaign_id, Assignment.creator_id == creator_id)
        .order_by(Incentive.id)
    )
    return [Released(a, c, i) for a, c, i in tx.execute(stmt).all()]


def rejected_incentive_ids(tx: Tx, campaign_id: int, creator_id: int) -> set[int]:
    stmt = (
        select(Rejection.incentive_id)
        .join(Incentive, Incentive.id == Rejection.incentive_id)
        .where(Incentive.campaign_id == campaign_id, Rejection.creator_id == creator_id)
    )
    return set(tx.scalars(stmt).all())


def reject(tx: Tx, incentive: Incentive, creator: Creator, reason: str | None) -> Rejection:
    rejection = Rejection(incentive_id=incentive.id, creator_id=creator.id, reason=reason)
    tx.add(rejection)
    tx.flush()
    return rejection


def releases_of(tx: Tx, incentive_id: int) -> list[tuple[Assignment, Code, Creator]]:
    """Every code released for an incentive, oldest first, with its creator."""
    stmt = (
        select(Assignment, Code, Creator)
        .join(Code, Code.id == Assignment.code_id)
        .join(Creator, Creator.id == Assignment.creator_id)
        .where(Assignment.incentive_id == incentive_id)
        .order_by(Assignment.id)
    )
    return [(a, c, cr) for a, c, cr in tx.execute(stmt).all()]


def incentive_refs(tx: Tx, incentive_ids: Iterable[int]) -> dict[int, str]:
    """``{id: "campaign/incentive"}`` for naming incentives in messages."""
    refs: dict[int, str] = {}
    for chunk in chunked(incentive_ids):
        stmt = (
            select(Incentive.id, Campaign.key, Incentive.key)
            .join(Campaign, Campaign.id == Incentive.campaign_id)
            .where(Incentive.id.in_(chunk))
        )
        refs.update((i, f"{c}/{k}") for i, c, k in tx.execute(stmt).all())
    return refs


def all_incentives(tx: Tx) -> list[tuple[Campaign, Incentive]]:
    """Every incentive with its campaign, campaigns oldest first."""
    stmt = (
        select(Campaign, Incentive)
        .join(Incentive, Incentive.campaign_id == Campaign.id)
        .order_by(Campaign.created_at, Campaign.id, Incentive.id)
    )
    return [(c, i) for c, i in tx.execute(stmt).all()]


def code_ends_at(tx: Tx, campaign_key: str, incentive_key: str, code: str) -> datetime | None:
    """When a code of the campaign's incentive stops working (None: no end date known)."""
    return tx.scalars(
        select(Code.ends_at)
        .join(Incentive, Incentive.id == Code.incentive_id)
        .join(Campaign, Campaign.id == Incentive.campaign_id)
        .where(Campaign.key == campaign_key, Incentive.key == incentive_key, Code.code == code)
    ).first()
