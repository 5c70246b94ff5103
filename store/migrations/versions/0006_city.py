"""Organisations and opportunities record their city (a city profile's slug). What was stored
before came from the only city there was, Ljubljana.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("organisation", "opportunity")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("city", sa.String(40), nullable=False, server_default="ljubljana")
            )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("city", server_default=None)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("city")
