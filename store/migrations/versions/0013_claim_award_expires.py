"""A participants' list may say when each award expires: the claim link keeps it until the award
is made (and is no use after it).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("claim", sa.Column("award_expires_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("claim", "award_expires_at")
