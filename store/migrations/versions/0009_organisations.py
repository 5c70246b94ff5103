"""Organisations in the chat: their staff (administrators and editors) and one-time invitations,
the audit log of privileged actions, what learners follow and how they hear of it, drafts of
posts, announcements, and daily counts for the organisations' statistics; an opportunity says
where it came from (a city's catalogue, or an organisation's post or file).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from store.models import StringList, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _organisation(ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column:
    return sa.Column(
        "organisation_id",
        sa.Integer(),
        sa.ForeignKey("organisation.id", ondelete=ondelete),
        nullable=nullable,
    )


def upgrade() -> None:
    with op.batch_alter_table("opportunity") as batch:
        batch.add_column(
            sa.Column("source", sa.String(10), nullable=False, server_default="catalogue")
        )
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("news", sa.String(7), nullable=False, server_default="instant"))
        batch.add_column(sa.Column("last_digest_at", UTCDateTime(), nullable=True))

    op.create_table(
        "staff_member",
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_staff_member_person_id", "staff_member", ["person_id"])
    op.create_table(
        "staff_invite",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        _organisation(),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column(
            "used_by", sa.Integer(), sa.ForeignKey("person.id", ondelete="SET NULL"), nullable=True
        ),
    )
    op.create_index("ix_staff_invite_organisation_id", "staff_invite", ["organisation_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        _organisation("SET NULL", nullable=True),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("details", StringList, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_organisation", "audit_log", ["organisation_id", "at"])
    op.create_table(
        "follow",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("city", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("person_id", "kind", "key"),
    )
    op.create_index("ix_follow_audience", "follow", ["kind", "key", "city"])
    op.create_table(
        "post_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "author_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        _organisation(),
        sa.Column(
            "opportunity_id",
            sa.Integer(),
            sa.ForeignKey("opportunity.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("step", sa.String(30), nullable=False),
        sa.Column("data", StringList, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), primary_key=True),
        _organisation(),
        sa.Column("author_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("audience", sa.String(120), nullable=False),
        sa.Column("content", StringList, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("send_at", UTCDateTime(), nullable=True),
        sa.Column("batch_id", sa.String(64), nullable=True, unique=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("progress_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("queued_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_announcement_organisation_id", "announcement", ["organisation_id"])
    op.create_index("ix_announcement_due", "announcement", ["status", "send_at"])
    op.create_table(
        "usage_count",
        sa.Column("id", sa.Integer(), primary_key=True),
        _organisation(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(20), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("organisation_id", "day", "metric", "opportunity_id"),
    )


def downgrade() -> None:
    op.drop_table("usage_count")
    op.drop_index("ix_announcement_due", table_name="announcement")
    op.drop_index("ix_announcement_organisation_id", table_name="announcement")
    op.drop_table("announcement")
    op.drop_table("post_draft")
    op.drop_index("ix_follow_audience", table_name="follow")
    op.drop_table("follow")
    op.drop_index("ix_audit_log_organisation", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_staff_invite_organisation_id", table_name="staff_invite")
    op.drop_table("staff_invite")
    op.drop_index("ix_staff_member_person_id", table_name="staff_member")
    op.drop_table("staff_member")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("last_digest_at")
        batch.drop_column("news")
    with op.batch_alter_table("opportunity") as batch:
        batch.drop_column("source")
