"""Creators in campaigns, and what each creator sees of their incentives.

A creator sees an incentive's description always, and its code only once
they are in or past its release stage (or dropped with the code kept). The
same rule blanks ``{{promo_code}}`` merge tags (:mod:`sync.messages`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from store import catalog, events
from store.db import Database, Tx
from store.models import MAX_EMAIL_LENGTH, MAX_FIRST_NAME_LENGTH, Campaign
from sync import lookup, workflow
from sync.campaigns import as_stages
from sync.errors import AlreadyExists, UsageError, WrongCampaignState
from sync.fields import check_handle, check_line, printable

# No whitespace, and none of the characters that separate or quote addresses in a header.
EMAIL_PATTERN = re.compile(r'[^@\s,;:<>()\[\]"\\]+@[^@\s,;:<>()\[\]"\\]+\.[^@\s,;:<>()\[\]"\\]+')

DRAFT, PENDING, FULFILLED, REJECTED = "draft", "pending", "fulfilled", "rejected"


def check_email(email: str) -> str:
    """``email`` trimmed, when it is one address of at most ``MAX_EMAIL_LENGTH`` characters."""
    text = check_line(
        email, field="E-mail", max_length=MAX_EMAIL_LENGTH, example="jane@example.com"
    )
    if not EMAIL_PATTERN.fullmatch(text):
        raise UsageError(
            f"E-mail '{printable(text)}' is not valid: give one address like jane@example.com"
        )
    return text


def check_first_name(first_name: str) -> str:
    """``first_name`` trimmed, one line of printable text of at most its column's width."""
    return check_line(
        first_name, field="First name", max_length=MAX_FIRST_NAME_LENGTH, example="Jane"
    )


def add(
    db: Database,
    campaign_key: str,
    handle: str,
    *,
    email: str | None = None,
    first_name: str | None = None,
) -> str:
    """Add a creator to a campaign at its first stage; returns the stage."""
    handle = check_handle(handle)
    email = check_email(email) if email is not None else None
    first_name = check_first_name(first_name) if first_name is not None else None
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        if campaign.status in ("completed", "archived"):
            raise WrongCampaignState(
                campaign.key, campaign.status, "adding creators", "add them to an active campaign"
            )
        creator = catalog.upsert_creator(tx, handle, email=email, first_name=first_name)
        if catalog.find_member(tx, campaign.id, handle) is not None:
            raise AlreadyExists("creator", handle, f"they are already in campaign '{campaign.key}'")
        catalog.add_membership(tx, campaign, creator, workflow.ENTRY_STAGE)
        events.record(tx, "creator.added", campaign_id=campaign.id, creator_id=creator.id)
    return workflow.ENTRY_STAGE


@dataclass(frozen=True)
class IncentiveView:
    key: str
    description: str
    status: str  # draft | pending | fulfilled | rejected
    release_stage: str
    code: str | None  # only once the creator is in or past the release stage
    revoked: bool = False


@dataclass(frozen=True)
class CreatorView:
    campaign: str
    campaign_name: str
    handle: str
    first_name: str | None
    email: str | None
    stage: str
    phase: str
    incentives: tuple[IncentiveView, ...]


def view(db: Database, campaign_key: str, handle: str) -> CreatorView:
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        return view_in(tx, campaign, handle)


def view_in(tx: Tx, campaign: Campaign, handle: str) -> CreatorView:
    member = lookup.member(tx, campaign, handle)
    stage = member.membership.stage
    stages = as_stages(catalog.stages_of(tx, campaign.id))
    released = {r.incentive.id: r for r in catalog.released_to(tx, campaign.id, member.creator.id)}
    rejected = catalog.rejected_incentive_ids(tx, campaign.id, member.creator.id)
    views = []
    for incentive in catalog.incentives_of(tx, campaign.id):
        release = released.get(incentive.id)
        revoked = release is not None and release.assignment.revoked_at is not None
        visible = (
            release is not None
            and not revoked
            and (stage == workflow.EXIT_STAGE or workflow.reached(stages, stage, incentive.timing))
        )
        views.append(
            IncentiveView(
                key=incentive.key,
                description=incentive.description,
                status=incentive_status(
                    stage, incentive.id in rejected, release is not None and not revoked
                ),
                release_stage=incentive.timing,
                code=release.code.code if visible and release else None,
                revoked=revoked,
            )
        )
    return CreatorView(
        campaign=campaign.key,
        campaign_name=campaign.name,
        handle=member.creator.handle,
        first_name=member.creator.first_name,
        email=member.creator.email,
        stage=stage,
        phase=workflow.phase_of(stage),
        incentives=tuple(views),
    )


def incentive_status(stage: str, rejected: bool, released: bool) -> str:
    """The incentive's status for a creator at ``stage`` (SPEC §1)."""
    if rejected:
        return REJECTED
    if released:
        return FULFILLED
    if workflow.phase_of(stage) in (workflow.CANDIDATES, workflow.DROPPED):
        return DRAFT
    return PENDING


@dataclass(frozen=True)
class MemberSummary:
    """A creator in a campaign, for listings."""

    handle: str
    stage: str
    phase: str
    first_name: str | None
    email: str | None
    joined_at: datetime
    moved_at: datetime


def list_members(
    db: Database, campaign_key: str, *, stage: str | None = None
) -> list[MemberSummary]:
    """The campaign's creators in the order they joined, optionally only those at ``stage``."""
    stage_key = workflow.check_stage_name(stage) if stage is not None else None
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        return [
            MemberSummary(
                handle=m.creator.handle,
                stage=m.membership.stage,
                phase=workflow.phase_of(m.membership.stage),
                first_name=m.creator.first_name,
                email=m.creator.email,
                joined_at=m.membership.joined_at,
                moved_at=m.membership.moved_at,
            )
            for m in catalog.members_of(tx, campaign.id, stage_key)
        ]
