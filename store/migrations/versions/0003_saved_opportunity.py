"""Opportunities people saved, and when to remind them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_opportunity",
        sa.Column(
            "telegram_id",
            sa.BigInteger(),
            sa.ForeignKey("chat_user.telegram_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "opportunity_id",
            sa.Integer(),
            sa.ForeignKey("opportunity.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("remind_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_saved_opportunity_remind_at", "saved_opportunity", ["remind_at"])


def downgrade() -> None:
    op.drop_index("ix_saved_opportunity_remind_at", table_name="saved_opportunity")
    op.drop_table("saved_opportunity")
