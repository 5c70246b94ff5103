"""An invitation to an organisation's staff can be withdrawn before it is used: when it was
(its link then says so).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff_invite", sa.Column("cancelled_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("staff_invite", "cancelled_at")
