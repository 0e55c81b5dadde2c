"""Message templates of a campaign: lookups and writes (rules in :mod:`sync.templates`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import cast

from sqlalchemy import Table, bindparam, delete, select

from store.db import Tx
from store.models_messages import QUEUED, MessageTemplate, OutboxMessage


def find(tx: Tx, campaign_id: int, name: str) -> MessageTemplate | None:
    return tx.scalars(
        select(MessageTemplate).where(
            MessageTemplate.campaign_id == campaign_id, MessageTemplate.name == name
        )
    ).one_or_none()


def of_campaign(tx: Tx, campaign_id: int) -> Sequence[MessageTemplate]:
    return tx.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.campaign_id == campaign_id)
        .order_by(MessageTemplate.name)
    ).all()


_TEMPLATES = cast(Table, MessageTemplate.__table__)
# Run on every stage move: a prepared Core statement, not an ORM query (a third of a move's
# time when it was one).
_SENT_ON = select(_TEMPLATES.c.id, _TEMPLATES.c.send_on).where(
    _TEMPLATES.c.campaign_id == bindparam("campaign"), _TEMPLATES.c.send_on.is_not(None)
)


def sent_on(tx: Tx, campaign_id: int, stages: Collection[str]) -> Sequence[MessageTemplate]:
    """The campaign's templates sent automatically on entry to one of ``stages``."""
    rows = tx.connection().execute(_SENT_ON, {"campaign": campaign_id})
    found = [template_id for template_id, stage in rows if stage in stages]
    if not found:
        return []
    return tx.scalars(
        select(MessageTemplate).where(MessageTemplate.id.in_(found)).order_by(MessageTemplate.id)
    ).all()


def sent_on_event(tx: Tx, campaign_id: int, event: str) -> Sequence[MessageTemplate]:
    """The campaign's templates sent automatically when ``event`` happens to a creator."""
    return tx.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.campaign_id == campaign_id, MessageTemplate.send_on == event)
        .order_by(MessageTemplate.id)
    ).all()


def remove(tx: Tx, template: MessageTemplate) -> int:
    """Delete the template and its messages still queued; returns how many were dropped.

    Messages sent, failed or ambiguous stay as history (their ``template_id`` is set to
    NULL by the foreign key); a message being sent right now keeps going.
    """
    dropped = tx.execute(
        delete(OutboxMessage).where(
            OutboxMessage.template_id == template.id, OutboxMessage.status == QUEUED
        )
    )
    tx.delete(template)
    return int(getattr(dropped, "rowcount", 0) or 0)
