"""Organisations' staff and their one-time invitations as rows: who is on whose staff and as
what, the invitations by their code's hash, and who has a staff menu (everyone on some staff)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.models import AuditEntry, Organisation, Person, StaffInvite, StaffMember


def member(session: Session, organisation_id: int, person_id: int) -> StaffMember | None:
    return session.get(StaffMember, (organisation_id, person_id))


def members(session: Session, organisation_id: int) -> list[tuple[StaffMember, int | None]]:
    """An organisation's staff with their Telegram ids, administrators first, oldest first."""
    rows = session.execute(
        select(StaffMember, Person.telegram_id)
        .join(Person, Person.id == StaffMember.person_id)
        .where(StaffMember.organisation_id == organisation_id)
        .order_by(StaffMember.role, StaffMember.added_at, Person.id)
    )
    return [(row[0], row[1]) for row in rows]


def count(session: Session, organisation_id: int, role: str | None = None) -> int:
    query = select(func.count()).where(StaffMember.organisation_id == organisation_id)
    if role is not None:
        query = query.where(StaffMember.role == role)
    return int(session.scalar(query.select_from(StaffMember)) or 0)


def counts_by_organisation(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(StaffMember.organisation_id, func.count()).group_by(StaffMember.organisation_id)
    )
    return {organisation_id: int(n) for organisation_id, n in rows}


def telegram_ids(session: Session) -> list[int]:
    """Everyone on some organisation's staff, by Telegram id."""
    return sorted(
        set(
            session.scalars(
                select(Person.telegram_id)
                .join(StaffMember, StaffMember.person_id == Person.id)
                .where(Person.telegram_id.is_not(None))
            )
        )
    )


def remove(session: Session, organisation_id: int, person_id: int) -> bool:
    result = session.execute(
        delete(StaffMember).where(
            StaffMember.organisation_id == organisation_id, StaffMember.person_id == person_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def invite_by_code_hash(session: Session, code_hash: str) -> StaffInvite | None:
    return session.scalar(select(StaffInvite).where(StaffInvite.code_hash == code_hash))


def take_invite(session: Session, invite_id: int, person_id: int, now: datetime) -> bool:
    """Mark the invitation used by this person; False when someone used it first (two taps of
    the same link at once make one use), or it was withdrawn meanwhile."""
    result = session.execute(
        update(StaffInvite)
        .where(
            StaffInvite.id == invite_id,
            StaffInvite.used_at.is_(None),
            StaffInvite.cancelled_at.is_(None),
        )
        .values(used_at=now, used_by=person_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def pending_invites(session: Session, organisation_id: int, now: datetime) -> list[StaffInvite]:
    """An organisation's invitations still to be opened (neither used, withdrawn nor expired),
    those that expire first first."""
    return list(
        session.scalars(
            select(StaffInvite)
            .where(
                StaffInvite.organisation_id == organisation_id,
                StaffInvite.used_at.is_(None),
                StaffInvite.cancelled_at.is_(None),
                StaffInvite.expires_at > now,
            )
            .order_by(StaffInvite.expires_at, StaffInvite.id)
        )
    )


def cancel_invite(session: Session, organisation_id: int, invite_id: int, now: datetime) -> bool:
    """Withdraw one of the organisation's invitations; False when it is not pending any more
    (used, withdrawn or expired meanwhile), or is not the organisation's."""
    result = session.execute(
        update(StaffInvite)
        .where(
            StaffInvite.id == invite_id,
            StaffInvite.organisation_id == organisation_id,
            StaffInvite.used_at.is_(None),
            StaffInvite.cancelled_at.is_(None),
            StaffInvite.expires_at > now,
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def organisations_in(session: Session, city: str) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation).where(Organisation.city == city).order_by(Organisation.name)
        )
    )


def audit_targets(session: Session, action: str, since: datetime) -> list[str]:
    """What the audit log's `action` entries since `since` acted on (e.g. "telegram:<id>")."""
    return list(
        session.scalars(
            select(AuditEntry.target)
            .where(
                AuditEntry.action == action,
                AuditEntry.at >= since,
                AuditEntry.target.is_not(None),
            )
            .distinct()
        )
    )
