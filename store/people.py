"""People colbot serves: found by their Telegram id, noted when they write, marked when they
block the bot (the outbox holds their messages until they write again), their choices kept,
shown what is stored about them and forgotten on request (their badges stay verifiable through
the hashed identity, unlinked from them, or are revoked: their choice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import outbox
from store.models import (
    Award,
    ClaimAttempt,
    EvidenceRequest,
    EvidenceSubmission,
    Follow,
    Person,
    PostDraft,
    SavedOpportunity,
    StaffInvite,
    StaffMember,
    utcnow,
)

# why a forgotten person's awards were revoked, when they asked for that
FORGOTTEN = "Na željo imetnika / at its holder's request"


@dataclass(frozen=True)
class StoredAboutPerson:
    person_id: int
    telegram_id: int | None
    language: str | None
    telegram_language: str | None
    simple_mode: bool
    active: bool
    since: datetime
    last_seen: datetime
    saved: int = 0  # opportunities saved for a reminder
    email: str | None = None  # given for their badges
    awards: int = 0  # badges awarded to them
    evidence: int = 0  # evidence they sent for a badge, kept until it is reviewed
    follows: tuple[tuple[str, str], ...] = ()  # (kind, key) of what they follow, oldest first
    news: str = "instant"  # how they hear of it: "instant" or "weekly"


def by_telegram_id(session: Session, telegram_id: int) -> Person | None:
    return session.scalar(select(Person).where(Person.telegram_id == telegram_id))


def reached_on_telegram(session: Session, telegram_id: int, now: datetime) -> Person:
    """The person behind a Telegram id, made on their first message (two first messages at
    once make one person)."""
    person = by_telegram_id(session, telegram_id)
    if person is not None:
        return person
    try:
        with session.begin_nested():
            person = Person(telegram_id=telegram_id, active=True, created_at=now, last_seen_at=now)
            session.add(person)
    except IntegrityError:
        person = by_telegram_id(session, telegram_id)
        if person is None:
            raise
    return person


def seen(
    session: Session, telegram_id: int, now: datetime, telegram_language: str | None = None
) -> Person:
    """Note that a person wrote: they are active again even if they had blocked the bot, and
    what the outbox held for them while they had is due now (unless it expired). Their
    Telegram's language is kept too, so that what the bot sends on its own (reminders) reads
    as its replies do when they never chose a language."""
    person = reached_on_telegram(session, telegram_id, now)
    outbox.release_held(session, person.id, now)
    person.active, person.blocked_at, person.last_seen_at = True, None, now
    if telegram_language:
        person.telegram_language = telegram_language[:8]
    session.flush()
    return person


def blocked(session: Session, person_id: int, now: datetime) -> None:
    """The person blocked the bot: nothing is sent to them until they write again (what the
    outbox has for them is held)."""
    person = session.get(Person, person_id)
    if person is not None:
        person.active, person.blocked_at = False, now
        outbox.hold_for(session, person_id)
        session.flush()


def choose(
    session: Session, person_id: int, language: str | None = None, simple_mode: bool | None = None
) -> None:
    """Keep what the person chose: the language they read, the simple mode."""
    person = session.get(Person, person_id)
    if person is None:
        return
    if language is not None:
        person.language = language
    if simple_mode is not None:
        person.simple_mode = simple_mode
    session.flush()


def stored_about(session: Session, person_id: int) -> StoredAboutPerson | None:
    person = session.get(Person, person_id)
    if person is None:
        return None
    saved = session.scalar(
        select(func.count())
        .select_from(SavedOpportunity)
        .where(SavedOpportunity.person_id == person_id)
    )
    awards = session.scalar(
        select(func.count()).select_from(Award).where(Award.person_id == person_id)
    )
    evidence = session.scalar(
        select(func.count())
        .select_from(EvidenceSubmission)
        .where(EvidenceSubmission.person_id == person_id)
    )
    follows = session.execute(
        select(Follow.kind, Follow.key)
        .where(Follow.person_id == person_id)
        .order_by(Follow.created_at, Follow.id)
    ).all()
    return StoredAboutPerson(
        person.id,
        person.telegram_id,
        person.language,
        person.telegram_language,
        person.simple_mode,
        person.active,
        person.created_at,
        person.last_seen_at,
        saved or 0,
        person.email,
        awards or 0,
        evidence or 0,
        tuple((kind, key) for kind, key in follows),
        person.news,
    )


def forget(
    session: Session, person_id: int, revoke_badges: bool = False, now: datetime | None = None
) -> bool:
    """Delete everything stored about a person; True when there was something. Their awards are
    no longer linked to them: they stay verifiable through the hashed identity they were issued
    to, or, with `revoke_badges`, are revoked. What they follow, their drafts of posts and their
    places on organisations' staff go too: staff who leave keep no access. (The audit log names
    staff by their Telegram id and never a learner: it is kept.)"""
    # The database cascades too; deleting here does not depend on SQLite's foreign_keys pragma.
    mine = Award.person_id == person_id
    if revoke_badges:
        session.execute(
            update(Award)
            .where(mine, Award.revoked_at.is_(None))
            .values(
                revoked_at=now or utcnow(),
                revocation_reason=FORGOTTEN,
                version=Award.version + 1,
                updated_at=now or utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Award)
        .where(mine)
        .values(person_id=None, display_name=None, version=Award.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(EvidenceSubmission).where(EvidenceSubmission.person_id == person_id))
    session.execute(delete(ClaimAttempt).where(ClaimAttempt.person_id == person_id))
    session.execute(delete(EvidenceRequest).where(EvidenceRequest.person_id == person_id))
    session.execute(delete(SavedOpportunity).where(SavedOpportunity.person_id == person_id))
    session.execute(delete(Follow).where(Follow.person_id == person_id))
    session.execute(delete(PostDraft).where(PostDraft.author_id == person_id))
    session.execute(delete(StaffMember).where(StaffMember.person_id == person_id))
    session.execute(
        update(StaffInvite)
        .where(StaffInvite.used_by == person_id)
        .values(used_by=None)
        .execution_options(synchronize_session=False)
    )
    outbox.forget_person(session, person_id)
    result = session.execute(delete(Person).where(Person.id == person_id))
    return bool(result.rowcount)
