"""Promo code incentives: defined while the campaign is draft, rejected per creator."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from store import catalog, events, pool
from store.db import Database
from store.models import Incentive
from sync import lookup, workflow
from sync.campaigns import check_key
from sync.errors import AlreadyExists, DomainError, UsageError, WrongCampaignState
from sync.fields import check_handle, check_line
from sync.money import parse_money

#: ``on_drop``: a dropped creator keeps their code, or it is disabled (in the store too).
KEEP_ON_DROP, DISABLE_ON_DROP = "keep", "disable"
ON_DROP_POLICIES = (KEEP_ON_DROP, DISABLE_ON_DROP)
#: Description and rejection reason are TEXT columns: the limits keep them readable.
MAX_DESCRIPTION_LENGTH = 2_000
MAX_REASON_LENGTH = MAX_DESCRIPTION_LENGTH


@dataclass(frozen=True)
class IncentiveSummary:
    key: str
    description: str
    value: Decimal
    cost: Decimal
    timing: str
    on_drop: str
    store: str | None
    total: int
    available: int
    assigned: int
    quarantined: int
    revoked: int


def add(
    db: Database,
    campaign_key: str,
    *,
    key: str,
    description: str,
    value: str,
    cost: str,
    timing: str,
    on_drop: str = "keep",
) -> Incentive:
    """Add a promo code incentive to a draft campaign."""
    check_key(key, kind="incentive")
    description = check_line(
        description,
        field="Incentive description",
        max_length=MAX_DESCRIPTION_LENGTH,
        example="'20% off' (say what the creator gets)",
    )
    timing = workflow.check_stage_name(timing)
    if timing not in workflow.TIMINGS:
        raise UsageError(
            f"Fulfillment timing '{timing}' is not valid: use pre_payment or post_payment"
        )
    if on_drop not in ON_DROP_POLICIES:
        raise UsageError(f"on_drop policy '{on_drop}' is not valid: use keep or disable")
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key, lock=True)
        if campaign.status != "draft":
            raise WrongCampaignState(
                campaign.key,
                campaign.status,
                "adding an incentive",
                "incentives are added while the campaign is draft",
            )
        money_value = parse_money(value, campaign.currency, field="value")
        money_cost = parse_money(cost, campaign.currency, field="cost")
        if catalog.find_incentive(tx, campaign.id, key) is not None:
            raise AlreadyExists("incentive", f"{campaign.key}/{key}", "choose another --key")
        stage = next(s for s in catalog.stages_of(tx, campaign.id) if s.key == timing)
        if not stage.enabled:
            raise DomainError(
                f"Stage '{timing}' is switched off in campaign '{campaign.key}': switch it on "
                f"with `promosync campaigns stages {campaign.key} --on {timing}`"
            )
        incentive = catalog.add_incentive(
            tx,
            campaign,
            key=key,
            description=description,
            value=money_value,
            cost=money_cost,
            timing=timing,
            on_drop=on_drop,
        )
        events.record(
            tx, "incentive.added", campaign_id=campaign.id, incentive_id=incentive.id, key=key
        )
    return incentive


def list_for(db: Database, campaign_key: str) -> list[IncentiveSummary]:
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        incentives = catalog.incentives_of(tx, campaign.id)
        counts = pool.counts(tx, [i.id for i in incentives])
        return [
            IncentiveSummary(
                key=i.key,
                description=i.description,
                value=i.value,
                cost=i.cost,
                timing=i.timing,
                on_drop=i.on_drop,
                store=i.store_name or None,
                total=counts[i.id].total,
                available=counts[i.id].available,
                assigned=counts[i.id].assigned,
                quarantined=counts[i.id].quarantined,
                revoked=counts[i.id].revoked,
            )
            for i in incentives
        ]


def reject(db: Database, ref: str, handle: str, *, reason: str | None = None) -> str:
    """Mark an incentive rejected for a creator: they will never be given its code.

    Returns the creator's handle as stored (``@maya`` → ``maya``).
    """
    campaign_key, incentive_key = lookup.split_incentive_ref(ref)
    handle = check_handle(handle)
    if reason is not None:
        reason = check_line(
            reason,
            field="Rejection reason",
            max_length=MAX_REASON_LENGTH,
            example="'content off-brief'",
        )
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        incentive = lookup.incentive(tx, campaign, incentive_key)
        member = lookup.member(tx, campaign, handle, lock=True)
        released = catalog.released_to(tx, campaign.id, member.creator.id)
        if any(r.incentive.id == incentive.id for r in released):
            raise DomainError(
                f"'{handle}' already has the code of '{ref}': a released code is never taken "
                f"back; drop the creator instead if the incentive should end"
            )
        if incentive.id in catalog.rejected_incentive_ids(tx, campaign.id, member.creator.id):
            return handle
        catalog.reject(tx, incentive, member.creator, reason)
        events.record(
            tx,
            "incentive.rejected",
            campaign_id=campaign.id,
            incentive_id=incentive.id,
            creator_id=member.creator.id,
            reason=reason,
        )
    return handle
