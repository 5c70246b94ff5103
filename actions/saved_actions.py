"""Actions on what a person saved: save an opportunity (with a reminder before it starts), list
what they saved, remove one; and the reminders that are due, put in the outbox (store/outbox.py)
that sends them. The person is the tracker's sender (our id of the person, not a Telegram id); no
Telegram types in here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.base import ColbotAction, say
from actions.catalogue_actions import opportunity_in
from actions.messages import Notice, Reminder, SavedItem, SavedList, to_json
from actions.services import ActionServices
from actions.views import local_iso, view_of
from store import outbox
from store import saved as saved_store
from store.models import SavedOpportunity
from store.saved import DueReminder, reminder_time

REMINDER = "reminder"  # the outbox's kind of a reminder


def reminder_day(starts_at: datetime, moment: datetime, zone: ZoneInfo) -> str:
    """When it starts, seen from `moment` in the city: "today", "tomorrow" or "later"."""
    days = (starts_at.astimezone(zone).date() - moment.astimezone(zone).date()).days
    return {0: "today", 1: "tomorrow"}.get(days, "later")


def _person(tracker: Tracker) -> int:
    """The person (our id): saved opportunities belong to a person."""
    try:
        return int(tracker.sender_id)
    except (TypeError, ValueError):
        raise ValueError(
            f"saving needs a person's id as the sender, not {tracker.sender_id!r}"
        ) from None


def _reminder(saved: SavedOpportunity, starts_at: datetime | None, moment: datetime) -> str:
    """What happens about the reminder: "set", "sent", "ongoing", "soon" or "started"."""
    if saved.reminded_at is not None:
        return "sent"
    if saved.remind_at is not None:
        return "set"
    if starts_at is None:
        return "ongoing"
    return "soon" if starts_at > moment else "started"


class ActionSaveOpportunity(ColbotAction):
    """Save the opportunity in the `opportunity_id` slot for the sender, with a reminder before
    it starts."""

    def name(self) -> str:
        return "action_save_opportunity"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        opportunity = opportunity_in(self.services, tracker)
        if opportunity is None:
            say(dispatcher, Notice("gone"))
            return []
        person, moment, zone = _person(tracker), self.services.clock(), self.services.zone
        remind_at = reminder_time(opportunity.starts_at, moment, zone)
        with self.services.catalogue.database.session() as session:
            saved, new = saved_store.save(
                session, person, opportunity.id, remind_at, counted_on=moment.date()
            )
            reminder = _reminder(saved, opportunity.starts_at, moment)
            params = {
                "opportunity_id": opportunity.id,
                "title": view_of(opportunity, zone).title,
                "new": new,
                "reminder": reminder,
                "remind_at": local_iso(saved.remind_at, zone) if reminder == "set" else None,
                "starts_at": local_iso(opportunity.starts_at, zone),
            }
        say(dispatcher, Notice("saved", params))
        return []


class ActionListSaved(ColbotAction):
    """What the sender saved, with the reminders still to come."""

    def name(self) -> str:
        return "action_list_saved"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        person, moment, zone = _person(tracker), self.services.clock(), self.services.zone
        with self.services.catalogue.database.session() as session:
            items = []
            for saved in saved_store.saved_for(session, person):
                starts_at = saved.opportunity.starts_at
                pending = (
                    saved.remind_at is not None
                    and saved.reminded_at is None
                    and starts_at is not None
                    and starts_at > moment
                )
                remind_at = local_iso(saved.remind_at, zone) if pending else None
                items.append(SavedItem(view_of(saved.opportunity, zone), remind_at))
        say(dispatcher, SavedList(items) if items else Notice("none_saved"))
        return []


class ActionRemoveSaved(ColbotAction):
    """Remove the opportunity in the `opportunity_id` slot from what the sender saved."""

    def name(self) -> str:
        return "action_remove_saved"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        try:
            opportunity_id = int(tracker.get_slot("opportunity_id"))
        except (TypeError, ValueError):
            say(dispatcher, Notice("not_saved"))
            return []
        with self.services.catalogue.database.session() as session:
            removed = saved_store.unsave(session, _person(tracker), opportunity_id)
        code = "unsaved" if removed else "not_saved"
        say(dispatcher, Notice(code, {"opportunity_id": opportunity_id}))
        return []


@dataclass(frozen=True)
class ReminderToSend:
    person_id: int
    opportunity_id: int
    language: str | None  # the language they chose
    telegram_language: str | None  # their Telegram's, for when they never chose
    message: Reminder


def _due_with_messages(
    session: Session, moment: datetime, zone: ZoneInfo
) -> Iterator[tuple[DueReminder, Reminder]]:
    """The reminders due at `moment`, each with the message that tells it."""
    for due in saved_store.due_reminders(session, moment):
        starts_at = due.opportunity.starts_at
        if starts_at is not None:
            day = reminder_day(starts_at, moment, zone)
            yield due, Reminder(view_of(due.opportunity, zone), day)


def reminders_due(services: ActionServices, moment: datetime) -> list[ReminderToSend]:
    """The reminders to send at `moment`, not yet in the outbox (see queue_reminders)."""
    with services.catalogue.database.session() as session:
        return [
            ReminderToSend(
                due.person_id, due.opportunity.id, due.language, due.telegram_language, message
            )
            for due, message in _due_with_messages(session, moment, services.zone)
        ]


def reminder_key(person_id: int, opportunity_id: int, remind_at: datetime) -> str:
    """The outbox's dedupe key of a reminder: one per person, opportunity and reminder time."""
    return f"{REMINDER}:{person_id}:{opportunity_id}:{remind_at.astimezone(UTC).isoformat()}"


def queue_reminders(services: ActionServices, moment: datetime) -> int:
    """Put the reminders due at `moment` in the outbox, in one transaction: each is marked sent
    (store.saved.mark_reminded) and gets its outbox row, which expires when the opportunity
    starts; the outbox sends it. How many were queued."""
    queued = 0
    with services.catalogue.database.session() as session:
        for due, message in _due_with_messages(session, moment, services.zone):
            opportunity_id = due.opportunity.id
            if not saved_store.mark_reminded(session, due.person_id, opportunity_id, moment):
                continue
            queued += outbox.enqueue(
                session,
                outbox.NewMessage(
                    due.person_id,
                    REMINDER,
                    [to_json(message)],
                    not_before=moment,
                    expires_at=due.opportunity.starts_at,
                    dedupe_key=reminder_key(due.person_id, opportunity_id, due.remind_at),
                ),
                moment,
            )
    return queued
