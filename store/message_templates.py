"""Message templates of a campaign: lookups and writes (rules in :mod:`sync.templates`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, select

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


def sent_on(tx: Tx, campaign_id: int, stages: Collection[str]) -> Sequence[MessageTemplate]:
    """The campaign's templates sent automatically on entry to one of ``stages``."""
    return tx.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.campaign_id == campaign_id, MessageTemplate.send_on.in_(stages))
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
