"""Campaigns: creation, status changes, and which workflow stages are on."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from store import catalog, events
from store.db import Database
from store.models import MAX_CAMPAIGN_NAME_LENGTH, MAX_KEY_LENGTH, Campaign, WorkflowStage
from sync import lookup, workflow
from sync.errors import AlreadyExists, DomainError, UsageError, WrongCampaignState
from sync.fields import check_line, printable
from sync.money import validate_currency

KEY_PATTERN = re.compile(rf"[a-z0-9][a-z0-9_-]{{0,{MAX_KEY_LENGTH - 1}}}")
STATUSES = ("draft", "active", "completed", "archived")
#: status → the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("active", "archived"),
    "active": ("completed", "archived"),
    "completed": ("archived",),
    "archived": (),
}


def check_key(key: str, *, kind: str = "campaign") -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise UsageError(
            f"{kind.capitalize()} key '{printable(key)}' is not valid: use 1-{MAX_KEY_LENGTH} "
            f"lower-case letters, digits, '-' or '_', starting with a letter or digit"
        )
    return key


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:MAX_KEY_LENGTH].rstrip("-")
    return slug or "campaign"


@dataclass(frozen=True)
class CampaignSummary:
    key: str
    name: str
    currency: str
    status: str


def summary(campaign: Campaign) -> CampaignSummary:
    return CampaignSummary(campaign.key, campaign.name, campaign.currency, campaign.status)


def create(db: Database, name: str, *, key: str | None = None, currency: str = "USD") -> Campaign:
    name = check_line(
        name, field="Campaign name", max_length=MAX_CAMPAIGN_NAME_LENGTH, example="'Summer launch'"
    )
    key = check_key(key if key is not None else slugify(name))
    currency = validate_currency(currency)
    with db.transaction() as tx:
        if catalog.find_campaign(tx, key) is not None:
            raise AlreadyExists("campaign", key, "choose another key with --key")
        campaign = catalog.create_campaign(
            tx,
            key=key,
            name=name,
            currency=currency,
            stages=[(s.key, s.phase) for s in workflow.default_stages()],
        )
        events.record(tx, "campaign.created", campaign_id=campaign.id, key=key)
    return campaign


def set_status(db: Database, key: str, status: str) -> Campaign:
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, key, lock=True)
        if status not in TRANSITIONS[campaign.status]:
            allowed = TRANSITIONS[campaign.status]
            fix = f"it can go to {' or '.join(allowed)}" if allowed else "archived is final"
            raise WrongCampaignState(key, campaign.status, f"making it {status}", fix)
        previous, campaign.status = campaign.status, status
        events.record(tx, "campaign.status", campaign_id=campaign.id, old=previous, new=status)
    return campaign


def list_all(db: Database) -> list[CampaignSummary]:
    with db.transaction() as tx:
        return [summary(c) for c in catalog.list_campaigns(tx)]


def stages(db: Database, key: str) -> list[workflow.Stage]:
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, key)
        return as_stages(catalog.stages_of(tx, campaign.id))


def switch_stages(
    db: Database, key: str, *, on: Sequence[str] = (), off: Sequence[str] = ()
) -> list[workflow.Stage]:
    """Switch optional stages on or off (draft campaigns; required stages stay on)."""
    on = [workflow.check_stage_name(s) for s in on]
    off = [workflow.check_stage_name(s) for s in off]
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, key, lock=True)
        if campaign.status != "draft":
            raise WrongCampaignState(
                key, campaign.status, "changing its stages", "stages are set while it is draft"
            )
        release = [i.timing for i in catalog.incentives_of(tx, campaign.id)]
        for stage in off:
            workflow.check_can_disable(stage, release)
        occupied = {m.membership.stage for m in catalog.members_of(tx, campaign.id)}
        for row in catalog.stages_of(tx, campaign.id):
            if row.key in off:
                if row.key in occupied:
                    raise DomainError(
                        f"Stage '{row.key}' has creators in it: move them before switching it off"
                    )
                row.enabled = False
            elif row.key in on:
                row.enabled = True
        events.record(tx, "campaign.stages", campaign_id=campaign.id, on=on, off=off)
        return as_stages(catalog.stages_of(tx, campaign.id))


def as_stages(rows: Sequence[WorkflowStage]) -> list[workflow.Stage]:
    return [workflow.Stage(r.key, r.phase, r.position, r.enabled) for r in rows]
