"""One standing award of a badge a person: a unique index on (person, badge) over the awards not
revoked, so that two awards made at the same moment (a claim link tapped twice, two
administrators) cannot both stand. An award that already stands twice (made before this index)
keeps its first; the later ones are revoked as awarded twice, which verifiers then see.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TWICE = "awarded twice"


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE award SET revoked_at = issued_at, revocation_reason = :reason, "
            "version = version + 1 "
            "WHERE revoked_at IS NULL AND person_id IS NOT NULL AND EXISTS ("
            "SELECT 1 FROM award AS first WHERE first.person_id = award.person_id "
            "AND first.badge_class_id = award.badge_class_id AND first.revoked_at IS NULL "
            "AND first.id < award.id)"
        ).bindparams(reason=TWICE)
    )
    op.create_index(
        "uq_award_standing",
        "award",
        ["person_id", "badge_class_id"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_award_standing", table_name="award")
