"""A person named by our own id: the Telegram id becomes one attribute of a person, saved
opportunities belong to the person, and the choices they made (language, simple mode) are kept.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _saved_table(name: str, owner: sa.Column) -> None:
    op.create_table(
        name,
        owner,
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


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True, unique=True),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("telegram_language", sa.String(8), nullable=True),
        sa.Column("simple_mode", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("blocked_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    )
    op.execute(
        "INSERT INTO person (id, telegram_id, language, simple_mode, active, blocked_at, "
        "created_at, last_seen_at) SELECT id, telegram_id, language, false, active, blocked_at, "
        "created_at, last_seen_at FROM chat_user"
    )
    _saved_table(
        "saved_by_person",
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.execute(
        "INSERT INTO saved_by_person (person_id, opportunity_id, created_at, remind_at, "
        "reminded_at) SELECT person.id, s.opportunity_id, s.created_at, s.remind_at, "
        "s.reminded_at FROM saved_opportunity s JOIN person ON person.telegram_id = s.telegram_id"
    )
    op.drop_index("ix_saved_opportunity_remind_at", table_name="saved_opportunity")
    op.drop_table("saved_opportunity")
    op.drop_table("chat_user")
    op.rename_table("saved_by_person", "saved_opportunity")
    op.create_index("ix_saved_opportunity_remind_at", "saved_opportunity", ["remind_at"])
    if op.get_bind().dialect.name == "postgresql":  # serial ids go on after the copied ones
        op.execute(
            "SELECT setval(pg_get_serial_sequence('person', 'id'), "
            "COALESCE((SELECT MAX(id) FROM person), 0) + 1, false)"
        )
    with op.batch_alter_table("person") as batch:
        batch.alter_column("simple_mode", server_default=None)


def downgrade() -> None:
    op.create_table(
        "chat_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("blocked_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    )
    op.execute(
        "INSERT INTO chat_user (id, telegram_id, language, active, blocked_at, created_at, "
        "last_seen_at) SELECT id, telegram_id, language, active, blocked_at, created_at, "
        "last_seen_at FROM person WHERE telegram_id IS NOT NULL"
    )
    _saved_table(
        "saved_by_telegram_id",
        sa.Column(
            "telegram_id",
            sa.BigInteger(),
            sa.ForeignKey("chat_user.telegram_id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.execute(
        "INSERT INTO saved_by_telegram_id (telegram_id, opportunity_id, created_at, remind_at, "
        "reminded_at) SELECT person.telegram_id, s.opportunity_id, s.created_at, s.remind_at, "
        "s.reminded_at FROM saved_opportunity s JOIN person ON person.id = s.person_id "
        "WHERE person.telegram_id IS NOT NULL"
    )
    op.drop_index("ix_saved_opportunity_remind_at", table_name="saved_opportunity")
    op.drop_table("saved_opportunity")
    op.drop_table("person")
    op.rename_table("saved_by_telegram_id", "saved_opportunity")
    op.create_index("ix_saved_opportunity_remind_at", "saved_opportunity", ["remind_at"])
