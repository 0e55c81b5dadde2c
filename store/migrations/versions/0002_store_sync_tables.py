"""store sync tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_run_id", sa.Integer(), nullable=True))
    op.create_table(
        "store_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_name", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("processed_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", store.models.Money(precision=18, scale=4), nullable=False),
        sa.Column("financial_status", sa.String(length=32), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("seen_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_orders")),
        sa.UniqueConstraint(
            "store_name", "platform_id", name=op.f("uq_store_orders_store_name_platform_id")
        ),
    )
    op.create_table(
        "sync_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("position", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_cursors")),
        sa.UniqueConstraint("store_name", "kind", name=op.f("uq_sync_cursors_store_name_kind")),
    )
    op.create_table(
        "code_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incentive_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=150), nullable=False),
        sa.Column("code_norm", sa.String(length=150), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("requested_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incentive_id"],
            ["incentives.id"],
            name=op.f("fk_code_requests_incentive_id_incentives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_requests")),
        sa.UniqueConstraint("scope", "code_norm", name=op.f("uq_code_requests_scope_code_norm")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("incentive_id", sa.Integer(), nullable=True),
        sa.Column("started_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incentive_id"],
            ["incentives.id"],
            name=op.f("fk_sync_runs_incentive_id_incentives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index("ix_sync_runs_store_kind", ["store_name", "kind", "id"], unique=False)

    op.create_table(
        "order_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("code_norm", sa.String(length=255), nullable=False),
        sa.Column("code_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["codes.id"],
            name=op.f("fk_order_codes_code_id_codes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["store_orders.id"],
            name=op.f("fk_order_codes_order_id_store_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_codes")),
        sa.UniqueConstraint(
            "order_id", "code_norm", name=op.f("uq_order_codes_order_id_code_norm")
        ),
    )
    with op.batch_alter_table("order_codes", schema=None) as batch_op:
        batch_op.create_index("ix_order_codes_code", ["code_id"], unique=False)

    op.create_table(
        "usage_observations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("observed_at", store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["codes.id"],
            name=op.f("fk_usage_observations_code_id_codes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_observations")),
    )
    with op.batch_alter_table("usage_observations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_usage_observations_code_at", ["code_id", "observed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("usage_observations", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_observations_code_at")

    op.drop_table("usage_observations")
    with op.batch_alter_table("order_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_order_codes_code")

    op.drop_table("order_codes")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_runs_store_kind")

    op.drop_table("sync_runs")
    op.drop_table("code_requests")
    op.drop_table("sync_cursors")
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.drop_column("last_seen_run_id")
    op.drop_table("store_orders")
