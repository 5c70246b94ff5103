"""The catalogue: organisations and opportunities.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

string_list = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "opportunity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("external_id", sa.String(100), nullable=False, unique=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title_sl", sa.String(300), nullable=True),
        sa.Column("title_en", sa.String(300), nullable=True),
        sa.Column("description_sl", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("topics", string_list, nullable=False),
        sa.Column("audience", string_list, nullable=False),
        sa.Column("languages", string_list, nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("district", sa.String(100), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=True),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("schedule_sl", sa.String(300), nullable=True),
        sa.Column("schedule_en", sa.String(300), nullable=True),
        sa.Column("price_eur", sa.Numeric(10, 2), nullable=True),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("badge_name_sl", sa.String(200), nullable=True),
        sa.Column("badge_name_en", sa.String(200), nullable=True),
        sa.Column("badge_criteria_sl", sa.Text(), nullable=True),
        sa.Column("badge_criteria_en", sa.Text(), nullable=True),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("opportunity")
    op.drop_table("organisation")
