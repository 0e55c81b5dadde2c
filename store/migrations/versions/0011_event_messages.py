"""Messages sent on code events: the outbox is unique per (template, creator, once_key).

``once_key`` is '' for stage and manual sends (unchanged: once per template and creator)
and ``code:<id>`` for a message sent on ``code.expiring`` / ``code.reissued``, so each
code's event sends once and a later code's event sends again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("once_key", sa.String(length=48), server_default="", nullable=False)
        )
        batch_op.drop_constraint("uq_outbox_template_id_creator_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_outbox_template_id_creator_id_once_key", ["template_id", "creator_id", "once_key"]
        )


def downgrade() -> None:
    # Event messages of earlier codes would break the narrower constraint: keep the first.
    op.execute(
        "DELETE FROM outbox WHERE once_key <> '' AND id NOT IN "
        "(SELECT MIN(id) FROM outbox GROUP BY template_id, creator_id)"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("uq_outbox_template_id_creator_id_once_key", type_="unique")
        batch_op.create_unique_constraint(
            "uq_outbox_template_id_creator_id", ["template_id", "creator_id"]
        )
        batch_op.drop_column("once_key")
