"""Message templates stored per campaign: add, edit, list, remove, preview.

A template is a subject and a plain-text body, with an optional HTML body, and may be
sent automatically (``send_on``; see :mod:`sync.outbox`) when a creator enters a stage,
or on a code event: ``code.expiring`` (a code they hold ends within its warn_before) or
``code.reissued`` (their leaked code was replaced; the message shows the new code).
Every part is validated when it is saved (unknown tags are an error, every problem at
once) and linted against a stage ``send_on`` (a promo code tag that would be blank there;
an event is sent to a creator who holds the code, so there is no stage to lint against).
The subject is one line: a line break or control character in it is refused here,
so none can reach a header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store import message_templates
from store.db import Database, Tx
from store.models import utcnow
from store.models_messages import MAX_SUBJECT_LENGTH, MessageTemplate
from sync import alerts, lookup, messages, workflow
from sync.campaigns import check_key
from sync.config import Config
from sync.creators import view_in
from sync.errors import AlreadyExists, NotFound, UsageError
from sync.fields import check_line, printable

SUBJECT_EXAMPLE = '"Your code for {{campaign_name}}"'
#: Leave a template's ``send_on`` (or HTML body) as it is in :func:`edit`.
UNCHANGED = object()
#: The events a template can be sent on, beside stage entry (raised by :mod:`sync.expiry`
#: and :mod:`sync.leaks`, each about one code the creator holds).
SEND_ON_EVENTS = (alerts.CODE_EXPIRING, alerts.CODE_REISSUED)


@dataclass(frozen=True)
class Saved:
    """A template added or edited, with the lint warnings of what was saved."""

    campaign: str
    name: str
    send_on: str | None
    warnings: list[str]


@dataclass(frozen=True)
class TemplateSummary:
    name: str
    subject: str
    send_on: str | None
    has_html: bool
    updated_at: datetime


@dataclass(frozen=True)
class Removed:
    campaign: str
    name: str
    queued_dropped: int  # messages still queued, removed with the template


def check_name(name: str) -> str:
    return check_key(name, kind="template")


def check_subject(subject: str) -> str:
    """One line of printable text (the merge tags are checked with the bodies)."""
    return check_line(
        subject, field="Subject", max_length=MAX_SUBJECT_LENGTH, example=SUBJECT_EXAMPLE
    )


def check_send_on(send_on: str) -> str:
    """A stage name (normalised) or one of :data:`SEND_ON_EVENTS`."""
    event = send_on.strip().lower()
    if event in SEND_ON_EVENTS:
        return event
    try:
        return workflow.check_stage_name(send_on)
    except UsageError:
        raise UsageError(
            f"--send-on '{printable(send_on)}' is neither a stage nor an event: use one of "
            f"{', '.join(workflow.STAGE_KEYS)}, or the event {' or '.join(SEND_ON_EVENTS)}"
        ) from None


def is_event(send_on: str | None) -> bool:
    """Whether ``send_on`` names a code event rather than a stage."""
    return send_on in SEND_ON_EVENTS


def check_body(body: str, *, field: str) -> str:
    if not body.strip():
        raise UsageError(f"The {field} is empty: write the message in the file")
    return body


def add(
    db: Database,
    campaign_key: str,
    name: str,
    *,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    send_on: str | None = None,
    config: Config | None = None,
) -> Saved:
    """Save a new template; ``AlreadyExists`` if the campaign has one of that name.

    ``config`` (the loaded configuration) adds a warning for each tag it cannot fill."""
    name, subject = check_name(name), check_subject(subject)
    body_text = check_body(body_text, field="plain-text body")
    body_html = check_body(body_html, field="HTML body") if body_html is not None else None
    send_on = check_send_on(send_on) if send_on else None
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        if message_templates.find(tx, campaign.id, name) is not None:
            raise AlreadyExists(
                "template",
                name,
                f"change it with `promosync messages edit {campaign.key} {name}`, or pick "
                "another name",
            )
        warnings = _validate(tx, campaign.id, subject, body_text, body_html, send_on, config)
        tx.add(
            MessageTemplate(
                campaign_id=campaign.id,
                name=name,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                send_on=send_on,
            )
        )
    return Saved(campaign.key, name, send_on, warnings)


def edit(
    db: Database,
    campaign_key: str,
    name: str,
    *,
    subject: str | None = None,
    body_text: str | None = None,
    body_html: object = UNCHANGED,
    send_on: object = UNCHANGED,
    config: Config | None = None,
) -> Saved:
    """Change parts of a template (None / ``UNCHANGED``: keep); ``body_html`` or
    ``send_on`` given as None removes them. Messages already queued keep their content."""
    name = check_name(name)
    subject = check_subject(subject) if subject is not None else None
    body_text = check_body(body_text, field="plain-text body") if body_text is not None else None
    if isinstance(body_html, str):
        body_html = check_body(body_html, field="HTML body")
    if isinstance(send_on, str):
        send_on = check_send_on(send_on)
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        template = _template(tx, campaign.id, campaign.key, name)
        template.subject = subject if subject is not None else template.subject
        template.body_text = body_text if body_text is not None else template.body_text
        if body_html is not UNCHANGED:
            template.body_html = body_html if isinstance(body_html, str) else None
        if send_on is not UNCHANGED:
            template.send_on = send_on if isinstance(send_on, str) else None
        warnings = _validate(
            tx,
            campaign.id,
            template.subject,
            template.body_text,
            template.body_html,
            template.send_on,
            config,
        )
        template.updated_at = utcnow()
    return Saved(campaign.key, name, template.send_on, warnings)


def list_templates(db: Database, campaign_key: str) -> list[TemplateSummary]:
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        return [
            TemplateSummary(t.name, t.subject, t.send_on, t.body_html is not None, t.updated_at)
            for t in message_templates.of_campaign(tx, campaign.id)
        ]


def remove(db: Database, campaign_key: str, name: str) -> Removed:
    """Delete a template and its queued messages; sent ones stay in the outbox's history."""
    name = check_name(name)
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        template = _template(tx, campaign.id, campaign.key, name)
        dropped = message_templates.remove(tx, template)
    return Removed(campaign.key, name, dropped)


def preview(
    db: Database, campaign_key: str, name: str, handle: str, *, config: Config | None = None
) -> messages.RenderedMessage:
    """The template as ``handle`` would receive it now (codes blank until released)."""
    name = check_name(name)
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        template = _template(tx, campaign.id, campaign.key, name)
        view = view_in(tx, campaign, handle)
        return messages.render_message(
            messages.context_for(tx, view, config),
            view,
            subject=template.subject,
            body_text=template.body_text,
            body_html=template.body_html,
        )


def find(tx: Tx, campaign_id: int, campaign_key: str, name: str) -> MessageTemplate:
    """The named template of a campaign, or ``NotFound`` saying how to list them."""
    return _template(tx, campaign_id, campaign_key, check_name(name))


def _template(tx: Tx, campaign_id: int, campaign_key: str, name: str) -> MessageTemplate:
    template = message_templates.find(tx, campaign_id, name)
    if template is None:
        raise NotFound(
            "template",
            name,
            f"list the templates with `promosync messages list {campaign_key}`",
        )
    return template


def _validate(
    tx: Tx,
    campaign_id: int,
    subject: str,
    body_text: str,
    body_html: str | None,
    send_on: str | None,
    config: Config | None,
) -> list[str]:
    parts, labels = [subject, body_text], ["subject", "plain-text body"]
    if body_html is not None:
        parts.append(body_html)
        labels.append("HTML body")
    stage = None if is_event(send_on) else send_on
    return messages.check_in(
        tx, campaign_id, parts, send_on_stage=stage, labels=labels, config=config
    )
