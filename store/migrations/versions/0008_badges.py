"""Open Badges: organisations get a public profile and a slug (their issuer's address); badge
classes, awards, claim codes (hashed), claim attempts (for the rate limit) and evidence
submissions; a person may give an e-mail address for their badges.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

from store.models import StringList, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_STROKED = str.maketrans({"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"})


def _slug(name: str) -> str:
    """As store.organisations.slug_for did when this revision was written (kept frozen here)."""
    folded = unicodedata.normalize("NFKD", name.translate(_STROKED))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
    if len(words) > 50:
        words = words[:50].rsplit("-", 1)[0] or words[:50]
    return words or "organisation"


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("slug", sa.String(63), nullable=True))
        batch.add_column(sa.Column("url", sa.String(500), nullable=True))
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch.add_column(sa.Column("image_url", sa.String(500), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, name, city FROM organisation ORDER BY id")).all()
    taken = {city for _id, _name, city in rows}  # a city's own issuer is named by its slug
    for number, name, _city in rows:
        base = slug = _slug(name)
        counter = 1
        while slug in taken:
            counter += 1
            slug = f"{base}-{counter}"
        taken.add(slug)
        connection.execute(
            sa.text("UPDATE organisation SET slug = :slug WHERE id = :id"),
            {"slug": slug, "id": number},
        )
    with op.batch_alter_table("organisation") as batch:
        batch.alter_column("slug", existing_type=sa.String(63), nullable=False)
        batch.create_unique_constraint("uq_organisation_slug", ["slug"])

    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))

    op.create_table(
        "badge_class",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column(
            "opportunity_id",
            sa.Integer(),
            sa.ForeignKey("opportunity.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("name_sl", sa.String(200), nullable=True),
        sa.Column("name_en", sa.String(200), nullable=True),
        sa.Column("description_sl", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("criteria_sl", sa.Text(), nullable=True),
        sa.Column("criteria_en", sa.Text(), nullable=True),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.Column("image_type", sa.String(3), nullable=True),
        sa.Column("image_generated", sa.Boolean(), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=True),
        sa.Column("colour", sa.String(7), nullable=True),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "badge_class_id",
            sa.Integer(),
            sa.ForeignKey("badge_class.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("needs_evidence", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_claim_badge_class_id", "claim", ["badge_class_id"])
    op.create_table(
        "award",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column("badge_class_id", sa.Integer(), sa.ForeignKey("badge_class.id"), nullable=False),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("issuer_slug", sa.String(63), nullable=False),
        sa.Column("recipient_type", sa.String(5), nullable=False),
        sa.Column("recipient_hash", sa.String(80), nullable=False),
        sa.Column("recipient_salt", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("status_list", sa.Integer(), nullable=False),
        sa.Column("status_position", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("evidence", StringList, nullable=False),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revocation_reason", sa.String(300), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=True),
        sa.Column(
            "claim_id", sa.Integer(), sa.ForeignKey("claim.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("awarded_by", sa.BigInteger(), nullable=True),
        sa.Column("credential", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("issuer_slug", "status_list", "status_position"),
    )
    op.create_index("ix_award_badge_class_id", "award", ["badge_class_id"])
    op.create_index("ix_award_person_id", "award", ["person_id"])
    op.create_index("ix_award_revocations", "award", ["issuer_slug", "status_list", "revoked_at"])
    op.create_table(
        "claim_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_claim_attempt_person", "claim_attempt", ["person_id", "at"])
    op.create_table(
        "evidence_submission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "claim_id",
            sa.Integer(),
            sa.ForeignKey("claim.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "person_id",
            sa.Integer(),
            sa.ForeignKey("person.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("telegram_file_id", sa.String(200), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("reviewer", sa.BigInteger(), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column(
            "award_id", sa.Integer(), sa.ForeignKey("award.id", ondelete="SET NULL"), nullable=True
        ),
    )
    op.create_index("ix_evidence_submission_claim_id", "evidence_submission", ["claim_id"])
    op.create_index("ix_evidence_submission_person_id", "evidence_submission", ["person_id"])
    op.create_index(
        "ix_evidence_submission_review", "evidence_submission", ["status", "submitted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_evidence_submission_review", table_name="evidence_submission")
    op.drop_index("ix_evidence_submission_person_id", table_name="evidence_submission")
    op.drop_index("ix_evidence_submission_claim_id", table_name="evidence_submission")
    op.drop_table("evidence_submission")
    op.drop_index("ix_claim_attempt_person", table_name="claim_attempt")
    op.drop_table("claim_attempt")
    op.drop_index("ix_award_revocations", table_name="award")
    op.drop_index("ix_award_person_id", table_name="award")
    op.drop_index("ix_award_badge_class_id", table_name="award")
    op.drop_table("award")
    op.drop_index("ix_claim_badge_class_id", table_name="claim")
    op.drop_table("claim")
    op.drop_table("badge_class")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("email")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_constraint("uq_organisation_slug", type_="unique")
        batch.drop_column("image_url")
        batch.drop_column("description")
        batch.drop_column("email")
        batch.drop_column("url")
        batch.drop_column("slug")
