"""Indexes for reading what a creator holds on every move.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assignments_creator", "assignments", ["creator_id"])
    op.create_index("ix_rejections_creator", "rejections", ["creator_id"])


def downgrade() -> None:
    op.drop_index("ix_rejections_creator", table_name="rejections")
    op.drop_index("ix_assignments_creator", table_name="assignments")
