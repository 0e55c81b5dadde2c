"""Rendering message templates for a creator: the one place merge-tag values come from.

Every rendering (``messages render``/``preview``, manual sends, the automatic sends a
move enqueues) builds its values with :func:`context_for`, so a code shows in a message
exactly when the creator's own view shows it (:func:`sync.creators.view_in`), and the
tags of other features (:mod:`sync.message_tags`) are filled everywhere alike.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

from store import catalog
from store.db import Database, Tx
from sync import lookup, merge_tags, message_tags, workflow
from sync.campaigns import as_stages
from sync.config import Config
from sync.creators import CreatorView, view_in
from sync.incentives import DISABLE_ON_DROP


@dataclass(frozen=True)
class Rendered:
    text: str
    warnings: list[str]


@dataclass(frozen=True)
class RenderedMessage:
    """A template rendered for one creator: what they would receive."""

    subject: str
    text: str
    html: str | None
    warnings: list[str]  # promo code tags that render blank for this creator now


def check(
    db: Database,
    campaign_key: str,
    template: str,
    *,
    send_on_stage: str | None = None,
    config: Config | None = None,
) -> list[str]:
    """Validate a template for a campaign (errors raise); returns lint warnings."""
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        return check_in(tx, campaign.id, [template], send_on_stage=send_on_stage, config=config)


def check_in(
    tx: Tx,
    campaign_id: int,
    parts: list[str],
    *,
    send_on_stage: str | None = None,
    labels: list[str] | None = None,
    config: Config | None = None,
) -> list[str]:
    """Validate every part of a template (subject, bodies); every problem of every part
    in one ``TemplateError``, each named by its label. Returns the lint warnings: promo
    code tags blank at ``send_on_stage``, and extra tags the loaded ``config`` cannot fill
    (``{{portal_link}}`` without a usable ``[portal]``)."""
    send_on_stage = workflow.check_stage_name(send_on_stage) if send_on_stage else None
    incentives = catalog.incentives_of(tx, campaign_id)
    stages = as_stages(catalog.stages_of(tx, campaign_id))
    keys = [i.key for i in incentives]
    problems: list[merge_tags.TemplateProblem] = []
    warnings: list[str] = []
    used: set[str] = set()
    for index, source in enumerate(parts):
        parsed = merge_tags.parse(source)
        used.update(tag.name for tag in parsed.tags)
        label = labels[index] if labels else None
        try:
            merge_tags.validate(parsed, incentive_keys=keys, extra_tags=message_tags.names())
        except merge_tags.TemplateError as error:
            problems += (
                merge_tags.TemplateProblem(p.line, p.column, f"{label}: {p.message}")
                if label
                else p
                for p in error.problems
            )
            continue
        for warning in merge_tags.lint(
            parsed,
            send_on_stage=send_on_stage,
            release_stage_by_key={i.key: i.timing for i in incentives},
            stage_order=workflow.linear_order(stages),
            disabled_on_drop={i.key for i in incentives if i.on_drop == DISABLE_ON_DROP},
        ):
            if warning not in warnings:
                warnings.append(warning)
    if problems:
        raise merge_tags.TemplateError(problems)
    return warnings + message_tags.config_warnings(used, config)


def context_for(
    tx: Tx, view: CreatorView, config: Config | None = None
) -> merge_tags.RenderContext:
    """The merge-tag values of one creator: codes only once released and due.

    ``config`` gives the tags of other features what they need (``{{portal_link}}``:
    ``[portal]``); without it they render blank."""
    only = view.incentives[0] if len(view.incentives) == 1 else None
    return merge_tags.RenderContext(
        first_name=view.first_name or view.handle,
        campaign_name=view.campaign_name,
        incentive_description=only.description if only else "",
        promo_codes={i.key: i.code for i in view.incentives},
        extra=message_tags.values(tx, view, config),
    )


def as_of_stage(tx: Tx, view: CreatorView, campaign_id: int, stage: str) -> CreatorView:
    """``view`` as it read when the creator entered ``stage`` on the way to where they are.

    A move that skips ahead enters every stage in between; a message sent on entry to one
    of them shows what that stage shows, so a code released further on stays blank in it,
    as the lint says (the same message whether the creator stopped there or went past).
    """
    if stage == view.stage:
        return view
    stages = as_stages(catalog.stages_of(tx, campaign_id))
    return replace(
        view,
        stage=stage,
        phase=workflow.phase_of(stage),
        incentives=tuple(
            i if workflow.reached(stages, stage, i.release_stage) else replace(i, code=None)
            for i in view.incentives
        ),
    )


def blank_code_warnings(view: CreatorView, *sources: str) -> list[str]:
    """Why a promo code tag in ``sources`` renders blank for this creator now."""
    keys = [i.key for i in view.incentives]
    shown: set[str] = set()
    for source in sources:
        shown |= merge_tags.promo_code_keys(merge_tags.parse(source), keys)
    return [
        f"{{{{promo_code.{i.key}}}}} renders blank: '{view.handle}' is at '{view.stage}' and the "
        f"code is released at '{i.release_stage}'"
        for i in view.incentives
        if i.code is None and i.key in shown
    ]


def render_message(
    context: merge_tags.RenderContext,
    view: CreatorView,
    *,
    subject: str,
    body_text: str,
    body_html: str | None,
) -> RenderedMessage:
    """Subject, text and HTML body for one creator; every value in the HTML is escaped."""

    def fill(source: str, escape: bool = False) -> str:
        return merge_tags.render(
            merge_tags.parse(source), context, escape=html.escape if escape else None
        )

    sources = [subject, body_text, *([body_html] if body_html is not None else [])]
    return RenderedMessage(
        subject=fill(subject),
        text=fill(body_text),
        html=fill(body_html, escape=True) if body_html is not None else None,
        warnings=blank_code_warnings(view, *sources),
    )


def render(
    db: Database, campaign_key: str, handle: str, template: str, *, config: Config | None = None
) -> Rendered:
    """The template as ``handle`` would receive it now; codes blank until released and due.

    ``{{portal_link}}`` gets a fresh link to the creator's page, made with ``config``'s
    ``[portal]`` settings (``ConfigError`` naming the fix when they are missing).
    """
    parsed = merge_tags.parse(template)
    # Rendered inside the transaction: extra tags make their values (a link) as they are used.
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        view = view_in(tx, campaign, handle)
        context = context_for(tx, view, config)
        merge_tags.validate(
            parsed, incentive_keys=[i.key for i in view.incentives], extra_tags=list(context.extra)
        )
        text = merge_tags.render(parsed, context)
    return Rendered(text, blank_code_warnings(view, template))
