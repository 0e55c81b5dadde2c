"""Webhook inbox; orders keep their refunded amount and their last change in the store.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("store_name", sa.String(length=64), nullable=False),
        sa.Column("delivery_id", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("triggered_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("processed_at", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_inbox")),
        sa.UniqueConstraint(
            "platform",
            "store_name",
            "delivery_id",
            name=op.f("uq_webhook_inbox_platform_store_name_delivery_id"),
        ),
    )
    op.create_index(
        "ix_webhook_inbox_status_triggered_at",
        "webhook_inbox",
        ["status", "triggered_at", "id"],
        unique=False,
    )
    with op.batch_alter_table("store_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "refunded",
                store.models.Money(precision=18, scale=4),
                nullable=False,
                server_default="0",
            )
        )
        batch_op.add_column(
            sa.Column("source_updated_at", store.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("store_orders", schema=None) as batch_op:
        batch_op.drop_column("source_updated_at")
        batch_op.drop_column("refunded")
    op.drop_index("ix_webhook_inbox_status_triggered_at", table_name="webhook_inbox")
    op.drop_table("webhook_inbox")
