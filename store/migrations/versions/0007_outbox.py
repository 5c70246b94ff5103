"""The outbox: one row per message the bot sends on its own to one person (reminders now; badge
deliveries and announcements later), sent, retried or given up by the rules of store/outbox.py.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from store.models import StringList, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=True, unique=True),
        sa.Column("payload", StringList, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("unsure", sa.Integer(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("telegram_message_ids", StringList, nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_outbox_message_due", "outbox_message", ["status", "not_before"])
    op.create_index("ix_outbox_message_expiry", "outbox_message", ["status", "expires_at"])
    op.create_index("ix_outbox_message_person", "outbox_message", ["person_id", "status"])
    op.create_index("ix_outbox_message_batch", "outbox_message", ["batch_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_batch", table_name="outbox_message")
    op.drop_index("ix_outbox_message_person", table_name="outbox_message")
    op.drop_index("ix_outbox_message_expiry", table_name="outbox_message")
    op.drop_index("ix_outbox_message_due", table_name="outbox_message")
    op.drop_table("outbox_message")
