"""Everything stored about one person, as a plain dictionary ready for JSON: what /mydata sends
them as a file (and what the command line could write). Their own data only: no internal
secret (no salts or hashes, no signing material, no Telegram file ids), nobody else's id, and
of the messages waiting for them only their kinds and dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import outbox
from store.models import (
    Award,
    BadgeClass,
    Claim,
    ClaimAttempt,
    EvidenceRequest,
    EvidenceSubmission,
    Follow,
    Opportunity,
    Organisation,
    OutboxMessage,
    Person,
    PostDraft,
    SavedOpportunity,
    StaffMember,
)

FORMAT = "colbot-mydata/1"
WAITING = (outbox.PENDING, outbox.SENDING, outbox.HELD, outbox.UNSURE)


def when(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def names(sl: str | None, en: str | None) -> dict[str, str]:
    return {lang: text for lang, text in (("sl", sl), ("en", en)) if text}


def _person(person: Person) -> dict[str, Any]:
    return {
        "telegram_id": person.telegram_id,
        "language": person.language,
        "telegram_language": person.telegram_language,
        "simple_mode": person.simple_mode,
        "email": person.email,
        "active": person.active,
        "blocked_at": when(person.blocked_at),
        "news": person.news,
        "last_digest_at": when(person.last_digest_at),
        "created_at": when(person.created_at),
        "last_seen_at": when(person.last_seen_at),
    }


def _saved(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(SavedOpportunity, Opportunity)
        .join(Opportunity, Opportunity.id == SavedOpportunity.opportunity_id)
        .where(SavedOpportunity.person_id == person_id)
        .order_by(SavedOpportunity.created_at, Opportunity.id)
    )
    return [
        {
            "opportunity": opportunity.external_id,
            "title": names(opportunity.title_sl, opportunity.title_en),
            "saved_at": when(saved.created_at),
            "remind_at": when(saved.remind_at),
            "reminded_at": when(saved.reminded_at),
        }
        for saved, opportunity in rows
    ]


def _badges(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Award, BadgeClass)
        .join(BadgeClass, BadgeClass.id == Award.badge_class_id)
        .where(Award.person_id == person_id)
        .order_by(Award.issued_at, Award.id)
    )
    return [
        {
            "award": award.public_id,
            "badge": badge.public_id,
            "name": names(badge.name_sl, badge.name_en),
            "issued_at": when(award.issued_at),
            "expires_at": when(award.expires_at),
            "revoked_at": when(award.revoked_at),
            "revocation_reason": award.revocation_reason,
            "recipient": award.recipient_type,  # "email" (hashed) or "url" (a random URN)
            "hidden": award.hidden,
            "display_name": award.display_name,
            "evidence": list(award.evidence or []),
            "narrative": award.narrative,
        }
        for award, badge in rows
    ]


def _evidence(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(EvidenceSubmission, BadgeClass)
        .join(Claim, Claim.id == EvidenceSubmission.claim_id)
        .join(BadgeClass, BadgeClass.id == Claim.badge_class_id)
        .where(EvidenceSubmission.person_id == person_id)
        .order_by(EvidenceSubmission.submitted_at, EvidenceSubmission.id)
    )
    return [
        {
            "badge": badge.public_id,
            "name": names(badge.name_sl, badge.name_en),
            "kind": item.kind,
            "text": item.text,
            "url": item.url,
            "file": item.telegram_file_id is not None,  # a photo or file kept by Telegram
            "status": item.status,
            "reason": item.reason,
            "submitted_at": when(item.submitted_at),
            "reviewed_at": when(item.reviewed_at),
        }
        for item, badge in rows
    ]


def _evidence_asked(session: Session, person_id: int) -> list[dict[str, Any]]:
    """The claim waiting for their evidence (their next message), if one is."""
    rows = session.execute(
        select(EvidenceRequest, BadgeClass)
        .join(Claim, Claim.id == EvidenceRequest.claim_id)
        .join(BadgeClass, BadgeClass.id == Claim.badge_class_id)
        .where(EvidenceRequest.person_id == person_id)
    )
    return [
        {
            "badge": badge.public_id,
            "name": names(badge.name_sl, badge.name_en),
            "asked_at": when(request.asked_at),
        }
        for request, badge in rows
    ]


def _follows(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Follow).where(Follow.person_id == person_id).order_by(Follow.created_at, Follow.id)
    )
    return [
        {"kind": f.kind, "key": f.key, "city": f.city, "since": when(f.created_at)} for f in rows
    ]


def _staff(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(StaffMember, Organisation)
        .join(Organisation, Organisation.id == StaffMember.organisation_id)
        .where(StaffMember.person_id == person_id)
        .order_by(Organisation.slug)
    )
    return [
        {
            "organisation": organisation.slug,
            "name": organisation.name,
            "role": member.role,
            "since": when(member.added_at),
        }
        for member, organisation in rows
    ]


def _drafts(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(PostDraft, Organisation.slug)
        .join(Organisation, Organisation.id == PostDraft.organisation_id)
        .where(PostDraft.author_id == person_id)
    )
    return [
        {
            "organisation": slug,
            "step": draft.step,
            "answers": dict(draft.data or {}),
            "started_at": when(draft.created_at),
            "updated_at": when(draft.updated_at),
        }
        for draft, slug in rows
    ]


def _waiting(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.person_id == person_id, OutboxMessage.status.in_(WAITING))
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
    )
    return [
        {
            "kind": row.kind,
            "created_at": when(row.created_at),
            "not_before": when(row.not_before),
            "expires_at": when(row.expires_at),
        }
        for row in rows
    ]


def _claim_attempts(session: Session, person_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ClaimAttempt)
        .where(ClaimAttempt.person_id == person_id)
        .order_by(ClaimAttempt.at, ClaimAttempt.id)
    )
    return [{"at": when(row.at), "ok": row.ok} for row in rows]


def export(session: Session, person_id: int, now: datetime) -> dict[str, Any] | None:
    """Everything stored about the person (None: nothing is)."""
    person = session.get(Person, person_id)
    if person is None:
        return None
    return {
        "format": FORMAT,
        "exported_at": when(now),
        "person": _person(person),
        "saved_opportunities": _saved(session, person_id),
        "badges": _badges(session, person_id),
        "evidence": _evidence(session, person_id),
        "evidence_asked": _evidence_asked(session, person_id),
        "claim_attempts": _claim_attempts(session, person_id),
        "follows": _follows(session, person_id),
        "staff_roles": _staff(session, person_id),
        "post_drafts": _drafts(session, person_id),
        "messages_waiting": _waiting(session, person_id),
    }
