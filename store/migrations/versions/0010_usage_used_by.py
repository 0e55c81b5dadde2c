"""Who used a code (WooCommerce's ``used_by``, e-mails hashed) on each usage observation;
codes found by their store id (webhooks naming only a coupon id).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_observations") as batch:
        batch.add_column(sa.Column("used_by", sa.JSON(), nullable=True))
    op.create_index("ix_codes_scope_platform_id", "codes", ["scope", "platform_id"])


def downgrade() -> None:
    op.drop_index("ix_codes_scope_platform_id", table_name="codes")
    with op.batch_alter_table("usage_observations") as batch:
        batch.drop_column("used_by")
