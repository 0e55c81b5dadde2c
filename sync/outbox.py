"""Putting messages in the outbox: on stage entry (inside the move), by hand, and again.

**When a message is rendered.** At enqueue, in the transaction that enqueues it (for an
automatic send: the move's own transaction, after the codes of the move were claimed),
and the rendered subject and bodies are stored with the message: its content is frozen.
So a promo code appears in a message exactly when the creator holds it and the stage
that triggered the message is at or past the code's release stage (a move that skips
ahead sends each skipped stage's message as that stage reads,
:func:`sync.messages.as_of_stage`), a retry resends the identical message
(same content, same ``Message-ID``), and editing a template changes messages enqueued
later, not those already waiting. The recipient's address is read again by
``messages retry``, the one way to resend a failed or ambiguous message.

**On a code event.** A template whose ``send_on`` is ``code.expiring`` or
``code.reissued`` is enqueued by :func:`enqueue_on_event` in the transaction that records
the event (the expiry warning, raised once per code; the reissue's swap, done once per
leak), rendered after the event's own writes: the expiring message shows the code the
creator holds, the reissue message the new code. A crash before the commit loses neither
the event nor the message; a retry adds neither twice.

**At most once.** The outbox holds at most one message per (template, creator,
``once_key``), ever (a unique constraint; inserts skip conflicts): replays of a move,
retried transactions and concurrent workers add nothing, and past recipients of a
template are excluded from manual sends too. ``once_key`` is '' for stage and manual
sends, so those are once per (template, creator). For an event it is ``code:<id>`` of the
code the message is about (the expiring code; the reissue's new code): each code's event
sends once, and a creator whose replacement later leaks too, or who holds a second code
nearing its end, gets the template again for that code.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from store import catalog, message_templates
from store import outbox as store_outbox
from store.db import Database, Tx
from store.models import Creator, utcnow
from store.models_messages import FAILED, QUEUED, MessageTemplate
from sync import lookup, messages, templates, workflow
from sync.config import Config
from sync.creators import CreatorView, view_in
from sync.errors import DomainError, NotFound, UsageError
from sync.fields import check_handle
from sync.wording import plural

MANUAL = "manual"
NO_ADDRESS = "the creator has no e-mail address, so nothing was sent"
QUEUED_NOW, ALREADY_SENT, NO_EMAIL = "queued", "already_sent", "no_email"
WOULD_QUEUE = "would_queue"


def stage_trigger(stage: str) -> str:
    return f"stage:{stage}"


def event_trigger(event: str) -> str:
    return f"event:{event}"


def code_once_key(code_id: int) -> str:
    return f"code:{code_id}"


def enqueue_on_event(
    tx: Tx,
    event: str,
    *,
    campaign_id: int,
    creator_id: int,
    code_id: int,
    config: Config | None = None,
) -> int:
    """Inside the transaction that records ``event`` about ``code_id``: enqueue the
    campaign's templates sent on it to the creator, once per code.

    Call it after the event's own writes (the reissue's swap), so the creator's codes read
    as they are now. Returns how many messages were added.
    """
    templates = message_templates.sent_on_event(tx, campaign_id, event)
    if not templates:
        return 0
    # The swap is a Core statement: let the ORM read the creator's codes afresh.
    tx.flush()
    tx.expire_all()
    handle = tx.get_one(Creator, creator_id).handle
    view = view_in(tx, catalog.campaign_by_id(tx, campaign_id), handle)
    rows = [
        {
            **_row(tx, template, view, creator_id, event_trigger(event), config),
            "once_key": code_once_key(code_id),
        }
        for template in templates
    ]
    return store_outbox.enqueue(tx, rows)


def enqueue_on_entry(
    tx: Tx,
    campaign_id: int,
    creator_id: int,
    handle: str,
    stages: Collection[str],
    config: Config | None = None,
) -> int:
    """Inside a move's transaction: enqueue the templates sent on entry to ``stages``.

    Returns how many messages were added (a creator who already has a template's
    message gets no second one).
    """
    templates = message_templates.sent_on(tx, campaign_id, stages)
    if not templates:
        return 0
    # The move wrote the stage with a Core statement: let the ORM read it afresh.
    tx.flush()
    tx.expire_all()
    view = view_in(tx, catalog.campaign_by_id(tx, campaign_id), handle)
    rows = [
        _row(
            tx,
            template,
            messages.as_of_stage(tx, view, campaign_id, template.send_on or view.stage),
            creator_id,
            stage_trigger(template.send_on or ""),
            config,
        )
        for template in templates
        if not store_outbox.recipients_of(tx, template.id, [creator_id])
    ]
    return store_outbox.enqueue(tx, rows)


def _row(
    tx: Tx,
    template: MessageTemplate,
    view: CreatorView,
    creator_id: int,
    trigger: str,
    config: Config | None,
) -> dict[str, Any]:
    rendered = messages.render_message(
        messages.context_for(tx, view, config),
        view,
        subject=template.subject,
        body_text=template.body_text,
        body_html=template.body_html,
    )
    now = utcnow()
    return {
        "template_id": template.id,
        "campaign_id": template.campaign_id,
        "creator_id": creator_id,
        "template_name": template.name,
        "trigger": trigger,
        "recipient": view.email,
        "recipient_name": view.first_name,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "message_key": uuid.uuid4().hex,
        "status": QUEUED if view.email else FAILED,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None if view.email else NO_ADDRESS,
        "created_at": now,
    }


@dataclass(frozen=True)
class SendOutcome:
    handle: str
    result: str  # queued | already_sent | no_email; a dry run: would_queue
    warnings: list[str] = field(default_factory=list)


@dataclass
class SendReport:
    """What ``messages send`` queued (or, dry run, would queue) per creator."""

    campaign: str
    template: str
    dry_run: bool
    outcomes: list[SendOutcome] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def summary(self) -> str:
        queued = self.count(WOULD_QUEUE if self.dry_run else QUEUED_NOW)
        verb = "would be queued" if self.dry_run else "queued"
        parts = [f"{plural(queued, 'message')} {verb}"]
        if self.count(ALREADY_SENT):
            parts.append(f"{self.count(ALREADY_SENT)} skipped (the creator already has it)")
        if self.count(NO_EMAIL):
            parts.append(f"{self.count(NO_EMAIL)} without an e-mail address")
        if queued and not self.dry_run:
            parts.append("`promosync messages deliver` (or the worker) sends them")
        return "; ".join(parts)


def send(
    db: Database,
    campaign_key: str,
    name: str,
    handles: Sequence[str] = (),
    *,
    stage: str | None = None,
    dry_run: bool = False,
    config: Config | None = None,
) -> SendReport:
    """Queue a template for the named creators, or for everyone at ``stage``.

    Creators who already have this template's message are skipped (past recipients are
    excluded). One transaction: every message is queued, or none.
    """
    if bool(handles) == (stage is not None):
        raise UsageError("Say who gets the message: name creators, or give --stage STAGE")
    handles = [check_handle(h) for h in handles]
    stage = workflow.check_stage_name(stage) if stage is not None else None
    with db.transaction() as tx:
        campaign = lookup.campaign(tx, campaign_key)
        template = templates.find(tx, campaign.id, campaign.key, name)
        if stage is not None:
            handles = [m.creator.handle for m in catalog.members_of(tx, campaign.id, stage)]
        report = SendReport(campaign.key, template.name, dry_run)
        ids = {h: lookup.member(tx, campaign, h).creator.id for h in dict.fromkeys(handles)}
        views = [view_in(tx, campaign, handle) for handle in ids]
        past = store_outbox.recipients_of(tx, template.id, set(ids.values()))
        for view in views:
            if ids[view.handle] in past:
                report.outcomes.append(SendOutcome(view.handle, ALREADY_SENT))
                continue
            warnings = messages.blank_code_warnings(
                view, template.subject, template.body_text, template.body_html or ""
            )
            if not view.email:
                result = NO_EMAIL
            elif dry_run:
                result = WOULD_QUEUE
            else:
                row = _row(tx, template, view, ids[view.handle], MANUAL, config)
                # Another command may have queued it since `past` was read: say so.
                result = QUEUED_NOW if store_outbox.enqueue_one(tx, row) else ALREADY_SENT
            report.outcomes.append(SendOutcome(view.handle, result, warnings))
    return report


def listing(
    db: Database, *, failed_only: bool = False, campaign_key: str | None = None, limit: int = 100
) -> list[store_outbox.Listed]:
    """The outbox, newest first: ``failed_only`` shows failed and ambiguous messages."""
    with db.transaction() as tx:
        campaign_id = lookup.campaign(tx, campaign_key).id if campaign_key else None
        statuses = store_outbox.RETRYABLE if failed_only else ()
        return store_outbox.listing(tx, statuses=statuses, campaign_id=campaign_id, limit=limit)


class NotRetryable(DomainError):
    """``messages retry`` on a message that is not failed or ambiguous."""

    def __init__(self, message_id: int, status: str) -> None:
        super().__init__(
            f"Message {message_id} is {status}, not failed or ambiguous, so it is not sent "
            "again: `promosync messages outbox --failed` lists the ones that can be retried"
        )


@dataclass(frozen=True)
class Retried:
    id: int
    previous_status: str
    recipient: str


def retry(db: Database, message_id: int) -> Retried:
    """Queue a failed or ambiguous message again (its content unchanged; the creator's
    current e-mail address). An ambiguous message may then arrive twice: the user said so."""
    with db.transaction() as tx:
        message = store_outbox.find(tx, message_id, lock=True)
        if message is None:
            raise NotFound("message", str(message_id), "list them with `promosync messages outbox`")
        if message.status not in store_outbox.RETRYABLE:
            raise NotRetryable(message_id, message.status)
        recipient = catalog.creator_email(tx, message.creator_id)
        if not recipient:
            raise DomainError(
                f"Message {message_id} cannot be sent: the creator has no e-mail address, so "
                "it stays failed: give them one, then run `promosync messages retry` again"
            )
        previous = message.status
        store_outbox.requeue(tx, message, now=utcnow(), recipient=recipient)
    return Retried(message_id, previous, recipient)
