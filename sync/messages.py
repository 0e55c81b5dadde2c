"""Rendering message templates for a creator (sending comes with the outbox)."""

from __future__ import annotations

from dataclasses import dataclass

from store import catalog
from store.db import Database
from sync import lookup, merge_tags, portal, workflow
from sync.campaigns import as_stages
from sync.config import Config
from sync.creators import view_in
from sync.incentives import DISABLE_ON_DROP


@dataclass(frozen=True)
class Rendered:
    text: str
    warnings: list[str]


def check(
    db: Database, campaign_key: str, template: str, *, send_on_stage: str | None = None
) -> list[str]:
    """Validate a template for a campaign (errors raise); returns lint warnings."""
    send_on_stage = workflow.check_stage_name(send_on_stage) if send_on_stage else None
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        incentives = catalog.incentives_of(tx, campaign.id)
        stages = as_stages(catalog.stages_of(tx, campaign.id))
    parsed = merge_tags.parse(template)
    merge_tags.validate(parsed, incentive_keys=[i.key for i in incentives])
    return merge_tags.lint(
        parsed,
        send_on_stage=send_on_stage,
        release_stage_by_key={i.key: i.timing for i in incentives},
        stage_order=workflow.linear_order(stages),
        disabled_on_drop={i.key for i in incentives if i.on_drop == DISABLE_ON_DROP},
    )


def render(
    db: Database, campaign_key: str, handle: str, template: str, *, config: Config | None = None
) -> Rendered:
    """The template as ``handle`` would receive it now; codes blank until released and due.

    ``{{portal_link}}`` gets a fresh link to the creator's page, made with ``config``'s
    ``[portal]`` settings (``ConfigError`` naming the fix when they are missing).
    """
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        view = view_in(tx, campaign, handle)
    parsed = merge_tags.parse(template)
    merge_tags.validate(parsed, incentive_keys=[i.key for i in view.incentives])
    only = view.incentives[0] if len(view.incentives) == 1 else None
    context = merge_tags.RenderContext(
        first_name=view.first_name or view.handle,
        campaign_name=view.campaign_name,
        incentive_description=only.description if only else "",
        promo_codes={i.key: i.code for i in view.incentives},
        portal_link=(
            portal.portal_link(db, config or Config(), view.campaign, view.handle)
            if merge_tags.uses_portal_link(parsed)
            else ""
        ),
    )
    blank = [
        f"{{{{promo_code.{i.key}}}}} renders blank: '{view.handle}' is at '{view.stage}' and the "
        f"code is released at '{i.release_stage}'"
        for i in view.incentives
        if i.code is None
        and i.key in merge_tags.promo_code_keys(parsed, [v.key for v in view.incentives])
    ]
    return Rendered(merge_tags.render(parsed, context), blank)
