"""Claim codes (kept only as their HMAC), the attempts a person made (for the rate limit on
guessing) and the evidence learners submit for review."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from store.models import BadgeClass, Claim, ClaimAttempt, EvidenceRequest, EvidenceSubmission

KEEP_ATTEMPTS = timedelta(days=1)  # longer than any rate-limit window

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"


def by_code_hash(session: Session, code_hash: str) -> Claim | None:
    return session.scalar(
        select(Claim)
        .where(Claim.code_hash == code_hash)
        .options(joinedload(Claim.badge_class).joinedload(BadgeClass.organisation))
    )


def take_use(session: Session, claim_id: int) -> bool:
    """Count one use of a claim if it has one left (compare-and-set: two people presenting the
    last use of a code at once get it once)."""
    result = session.execute(
        update(Claim)
        .where(Claim.id == claim_id, Claim.uses < Claim.max_uses)
        .values(uses=Claim.uses + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def give_use_back(session: Session, claim_id: int) -> None:
    session.execute(
        update(Claim)
        .where(Claim.id == claim_id, Claim.uses > 0)
        .values(uses=Claim.uses - 1)
        .execution_options(synchronize_session=False)
    )


def forget_email_when_used_up(session: Session, claim_id: int) -> None:
    """A participants' list's e-mail address is kept only until the code is used up."""
    session.execute(
        update(Claim)
        .where(Claim.id == claim_id, Claim.uses >= Claim.max_uses)
        .values(email=None)
        .execution_options(synchronize_session=False)
    )


# ---- attempts ------------------------------------------------------------------------------------
def failed_attempts(session: Session, person_id: int, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ClaimAttempt)
            .where(
                ClaimAttempt.person_id == person_id,
                ClaimAttempt.at >= since,
                ClaimAttempt.ok.is_(False),
            )
        )
        or 0
    )


def oldest_failure(session: Session, person_id: int, since: datetime) -> datetime | None:
    return session.scalar(
        select(func.min(ClaimAttempt.at)).where(
            ClaimAttempt.person_id == person_id,
            ClaimAttempt.at >= since,
            ClaimAttempt.ok.is_(False),
        )
    )


def note_attempt(session: Session, person_id: int, now: datetime, ok: bool) -> None:
    """Keep one attempt, and let go of everyone's older than KEEP_ATTEMPTS."""
    session.execute(delete(ClaimAttempt).where(ClaimAttempt.at < now - KEEP_ATTEMPTS))
    session.add(ClaimAttempt(person_id=person_id, at=now, ok=ok))


# ---- evidence ------------------------------------------------------------------------------------
def ask_evidence(session: Session, person_id: int, claim_id: int, now: datetime) -> None:
    """Remember that `claim_id` waits for this person's evidence (one claim at a time)."""
    session.merge(EvidenceRequest(person_id=person_id, claim_id=claim_id, asked_at=now))


def awaited_claim(session: Session, person_id: int) -> Claim | None:
    """The claim that waits for this person's evidence, if any."""
    request = session.get(EvidenceRequest, person_id)
    return request.claim if request is not None else None


def stop_awaiting(session: Session, person_id: int) -> bool:
    """Forget that a claim waits for this person's evidence; False when none did."""
    result = session.execute(delete(EvidenceRequest).where(EvidenceRequest.person_id == person_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def pending_submission(
    session: Session, claim_id: int, person_id: int
) -> EvidenceSubmission | None:
    return session.scalar(
        select(EvidenceSubmission).where(
            EvidenceSubmission.claim_id == claim_id,
            EvidenceSubmission.person_id == person_id,
            EvidenceSubmission.status == PENDING,
        )
    )


def submission(session: Session, submission_id: int) -> EvidenceSubmission | None:
    return session.scalar(
        select(EvidenceSubmission)
        .where(EvidenceSubmission.id == submission_id)
        .options(
            joinedload(EvidenceSubmission.claim)
            .joinedload(Claim.badge_class)
            .joinedload(BadgeClass.organisation)
        )
    )


def pending_submissions(session: Session, limit: int) -> list[EvidenceSubmission]:
    """The submissions waiting for a review, oldest first."""
    return list(
        session.scalars(
            select(EvidenceSubmission)
            .where(EvidenceSubmission.status == PENDING)
            .options(
                joinedload(EvidenceSubmission.claim)
                .joinedload(Claim.badge_class)
                .joinedload(BadgeClass.organisation)
            )
            .order_by(EvidenceSubmission.submitted_at, EvidenceSubmission.id)
            .limit(limit)
        )
    )


def decide(
    session: Session, submission_id: int, status: str, reviewer: int | None, now: datetime
) -> bool:
    """Mark a pending submission reviewed (compare-and-set: two reviewers decide it once) and
    drop what it held: an approved link or text lives on in the award."""
    result = session.execute(
        update(EvidenceSubmission)
        .where(EvidenceSubmission.id == submission_id, EvidenceSubmission.status == PENDING)
        .values(
            status=status,
            reviewer=reviewer,
            reviewed_at=now,
            text=None,
            url=None,
            telegram_file_id=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)
