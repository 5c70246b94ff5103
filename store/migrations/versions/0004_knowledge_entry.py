"""Knowledge entries (plain-language answers), editable by administrators without a deploy.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from store.models import StringList, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_entry",
        sa.Column("id", sa.String(63), primary_key=True),
        sa.Column("data", StringList, nullable=False),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("knowledge_entry")
