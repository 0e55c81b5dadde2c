"""Pool health: code end dates, order customers, incentive policies, refills, leaks, alerts.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import store.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> store.models.UTCDateTime:
    return store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ends_at", _when(), nullable=True))
    with op.batch_alter_table("store_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_key", sa.String(length=100), nullable=True))
    op.create_table(
        "incentive_policies",
        sa.Column("incentive_id", sa.Integer(), nullable=False),
        sa.Column("min_validity_seconds", sa.Integer(), nullable=True),
        sa.Column("warn_before_seconds", sa.Integer(), nullable=True),
        sa.Column("on_leak", sa.String(length=24), nullable=False),
        sa.Column("max_customers", sa.Integer(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("refill_mode", sa.String(length=8), nullable=False),
        sa.Column("refill_below", sa.Integer(), nullable=True),
        sa.Column("refill_batch", sa.Integer(), nullable=True),
        sa.Column("refill_prefix", sa.String(length=40), nullable=True),
        sa.Column("refill_max_per_day", sa.Integer(), nullable=True),
        sa.Column("updated_at", _when(), nullable=False),
        sa.CheckConstraint(
            "on_leak IN ('flag', 'disable_and_reissue')", name="ck_incentive_policies_on_leak"
        ),
        sa.CheckConstraint(
            "refill_mode IN ('off', 'fixed', 'auto')", name="ck_incentive_policies_refill_mode"
        ),
        sa.ForeignKeyConstraint(
            ["incentive_id"],
            ["incentives.id"],
            name="fk_incentive_policies_incentive_id_incentives",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incentive_id", name="pk_incentive_policies"),
    )
    op.create_table(
        "refills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incentive_id", sa.Integer(), nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=160), nullable=False),
        sa.Column("started_at", _when(), nullable=False),
        sa.Column("finished_at", _when(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incentive_id"],
            ["incentives.id"],
            name="fk_refills_incentive_id_incentives",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_refills"),
    )
    op.create_index("ix_refills_incentive_started", "refills", ["incentive_id", "started_at"])
    op.create_table(
        "code_leaks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", _BIG_ID, nullable=False),
        sa.Column("incentive_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.String(length=200), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("replacement_code_id", _BIG_ID, nullable=True),
        sa.Column("lease_owner", sa.String(length=160), nullable=True),
        sa.Column("lease_until", _when(), nullable=True),
        sa.Column("detected_at", _when(), nullable=False),
        sa.Column("resolved_at", _when(), nullable=True),
        sa.ForeignKeyConstraint(
            ["code_id"], ["codes.id"], name="fk_code_leaks_code_id_codes", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["incentive_id"],
            ["incentives.id"],
            name="fk_code_leaks_incentive_id_incentives",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"],
            ["creators.id"],
            name="fk_code_leaks_creator_id_creators",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replacement_code_id"],
            ["codes.id"],
            name="fk_code_leaks_replacement_code_id_codes",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_code_leaks"),
        sa.UniqueConstraint("code_id", name="uq_code_leaks_code_id"),
    )
    op.create_index("ix_code_leaks_state", "code_leaks", ["state"])
    op.create_table(
        "alert_marks",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alert_marks"),
        sa.UniqueConstraint("kind", "subject", name="uq_alert_marks_kind_subject"),
    )
    op.create_table(
        "notify_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url_key", sa.String(length=64), nullable=False),
        sa.Column("last_event_id", _BIG_ID, nullable=False),
        sa.Column("lease_owner", sa.String(length=160), nullable=True),
        sa.Column("lease_until", _when(), nullable=True),
        sa.Column("updated_at", _when(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notify_cursors"),
        sa.UniqueConstraint("url_key", name="uq_notify_cursors_url_key"),
    )


def downgrade() -> None:
    op.drop_table("notify_cursors")
    op.drop_table("alert_marks")
    op.drop_index("ix_code_leaks_state", table_name="code_leaks")
    op.drop_table("code_leaks")
    op.drop_index("ix_refills_incentive_started", table_name="refills")
    op.drop_table("refills")
    op.drop_table("incentive_policies")
    with op.batch_alter_table("store_orders", schema=None) as batch_op:
        batch_op.drop_column("customer_key")
    with op.batch_alter_table("codes", schema=None) as batch_op:
        batch_op.drop_column("ends_at")
