"""Opportunities people saved, and the reminders they get the day before one starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from store import usage
from store.models import Opportunity, Person, SavedOpportunity

REMIND_AT = time(9, 0)  # on the day before, in the city's time …
SHORTLY_BEFORE = timedelta(hours=2)  # … or this long before, for what starts within a day


def reminder_time(starts_at: datetime | None, moment: datetime, zone: ZoneInfo) -> datetime | None:
    """When to remind someone who saves, at `moment`, an opportunity starting at `starts_at`:
    at 9:00 (in `zone`, the city's time) on the day before, or 2 hours before when that has
    passed (it starts within a day); None for what is ongoing (no start), has started or starts
    within 2 hours. Something at 7:00 tomorrow, saved this morning, is reminded of at 9:00
    today, not at 5:00."""
    if starts_at is None or starts_at <= moment:
        return None
    start_day = starts_at.astimezone(zone).date()
    day_before = datetime.combine(start_day - timedelta(days=1), REMIND_AT, zone)
    if day_before > moment:
        return day_before.astimezone(UTC)
    shortly_before = starts_at - SHORTLY_BEFORE
    return shortly_before.astimezone(UTC) if shortly_before > moment else None


@dataclass(frozen=True)
class DueReminder:
    """A reminder to send now: to whom, in which language, about which opportunity."""

    person_id: int
    language: str | None  # the language they chose
    telegram_language: str | None  # their Telegram's, for when they never chose
    opportunity: Opportunity  # with its organisation loaded
    remind_at: datetime  # when it was due


def _find(session: Session, person_id: int, opportunity_id: int) -> SavedOpportunity | None:
    return session.get(SavedOpportunity, (person_id, opportunity_id))


def save(
    session: Session,
    person_id: int,
    opportunity_id: int,
    remind_at: datetime | None,
    counted_on: date | None = None,
) -> tuple[SavedOpportunity, bool]:
    """Save an opportunity for a person; the saved row and whether it is new. Saving again
    keeps the row and, while the reminder has not been sent, sets it to `remind_at` (the
    organiser may have moved the start). A new save is counted for its organisation's numbers
    on `counted_on` (the city's day), in the same transaction."""
    existing = _find(session, person_id, opportunity_id)
    if existing is not None:
        if existing.reminded_at is None:
            existing.remind_at = remind_at
        return existing, False
    saved = SavedOpportunity(
        person_id=person_id, opportunity_id=opportunity_id, remind_at=remind_at
    )
    try:
        with session.begin_nested():  # a second press racing the first one
            session.add(saved)
    except IntegrityError:
        existing = _find(session, person_id, opportunity_id)
        if existing is None:
            raise
        return existing, False
    if counted_on is not None:
        usage.add_items(session, counted_on, usage.SAVED, [opportunity_id])
    return saved, True


def reschedule_reminders(
    session: Session, new_starts: Mapping[int, datetime | None], moment: datetime, zone: ZoneInfo
) -> int:
    """The organiser moved the start of these opportunities (id → new start, None when it is
    now ongoing): their reminders not sent yet follow, by the rule of `reminder_time` as if
    saved at `moment`; reminders already sent stay as they were. How many were rescheduled."""
    rescheduled = 0
    for opportunity_id, starts_at in new_starts.items():
        result = session.execute(
            update(SavedOpportunity)
            .where(
                SavedOpportunity.opportunity_id == opportunity_id,
                SavedOpportunity.reminded_at.is_(None),
            )
            .values(remind_at=reminder_time(starts_at, moment, zone))
        )
        rescheduled += result.rowcount
    return rescheduled


def unsave(session: Session, person_id: int, opportunity_id: int) -> bool:
    """Forget a saved opportunity; True when it was saved."""
    result = session.execute(
        delete(SavedOpportunity).where(
            SavedOpportunity.person_id == person_id,
            SavedOpportunity.opportunity_id == opportunity_id,
        )
    )
    return bool(result.rowcount)


def saved_for(session: Session, person_id: int) -> list[SavedOpportunity]:
    """What a person saved and is still in the catalogue, soonest first, ongoing ones last."""
    query = (
        select(SavedOpportunity)
        .join(SavedOpportunity.opportunity)
        .where(SavedOpportunity.person_id == person_id, Opportunity.withdrawn_at.is_(None))
        .order_by(
            Opportunity.starts_at.is_(None),
            Opportunity.starts_at,
            SavedOpportunity.created_at,
        )
        .options(selectinload(SavedOpportunity.opportunity).selectinload(Opportunity.organisation))
    )
    return list(session.scalars(query))


def saved_ids(session: Session, person_id: int) -> set[int]:
    """The ids of the opportunities a person saved (to show their buttons as saved)."""
    query = select(SavedOpportunity.opportunity_id).where(SavedOpportunity.person_id == person_id)
    return set(session.scalars(query))


def due_reminders(session: Session, now: datetime, limit: int = 200) -> list[DueReminder]:
    """Reminders whose time has come and that were not sent yet: for people who have not
    blocked the bot, about opportunities still in the catalogue that have not started."""
    query = (
        select(SavedOpportunity, Person.language, Person.telegram_language)
        .join(Person, Person.id == SavedOpportunity.person_id)
        .join(SavedOpportunity.opportunity)
        .where(
            SavedOpportunity.remind_at <= now,
            SavedOpportunity.reminded_at.is_(None),
            Person.active.is_(True),
            Opportunity.withdrawn_at.is_(None),
            Opportunity.starts_at > now,
        )
        .order_by(SavedOpportunity.remind_at)
        .limit(limit)
        .options(selectinload(SavedOpportunity.opportunity).selectinload(Opportunity.organisation))
    )
    return [
        DueReminder(
            saved.person_id, language, telegram_language, saved.opportunity, saved.remind_at
        )
        for saved, language, telegram_language in session.execute(query)
    ]


def mark_reminded(session: Session, person_id: int, opportunity_id: int, now: datetime) -> bool:
    """Note that a reminder went to the outbox (store/outbox.py sends it from there); False when
    it had already, so that it goes out once even if two runs overlap."""
    result = session.execute(
        update(SavedOpportunity)
        .where(
            SavedOpportunity.person_id == person_id,
            SavedOpportunity.opportunity_id == opportunity_id,
            SavedOpportunity.reminded_at.is_(None),
        )
        .values(reminded_at=now)
    )
    return bool(result.rowcount)
