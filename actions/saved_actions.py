"""Actions on what a person saved: save an opportunity (with a reminder before it starts), list
what they saved, remove one; and the reminders that are due. The person is the tracker's sender
(their Telegram id); no Telegram types in here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue_actions import _opportunity, say
from actions.messages import Notice, Reminder, SavedItem, SavedList
from actions.runtime import catalogue, now
from actions.views import view_of
from index.when import LJUBLJANA
from store import saved as saved_store
from store.models import SavedOpportunity
from store.saved import reminder_time


def reminder_day(starts_at: datetime, moment: datetime) -> str:
    """When it starts, seen from `moment` in Ljubljana: "today", "tomorrow" or "later"."""
    days = (starts_at.astimezone(LJUBLJANA).date() - moment.astimezone(LJUBLJANA).date()).days
    return {0: "today", 1: "tomorrow"}.get(days, "later")


def _person(tracker: Tracker) -> int:
    """The person's Telegram id: saved opportunities belong to a person."""
    try:
        return int(tracker.sender_id)
    except (TypeError, ValueError):
        raise ValueError(
            f"saving needs a Telegram user id as the sender, not {tracker.sender_id!r}"
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


class ActionSaveOpportunity(Action):
    """Save the opportunity in the `opportunity_id` slot for the sender, with a reminder before
    it starts; the `user_language` slot is the language to remind them in."""

    def name(self) -> str:
        return "action_save_opportunity"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        opportunity = _opportunity(tracker)
        if opportunity is None:
            say(dispatcher, Notice("gone"))
            return []
        person, moment = _person(tracker), now()
        language = tracker.get_slot("user_language")
        remind_at = reminder_time(opportunity.starts_at, moment)
        with catalogue().database.session() as session:
            saved, new = saved_store.save(
                session,
                person,
                opportunity.id,
                remind_at,
                language if language in ("sl", "en") else None,
            )
            reminder = _reminder(saved, opportunity.starts_at, moment)
            params = {
                "opportunity_id": opportunity.id,
                "title": view_of(opportunity).title,
                "new": new,
                "reminder": reminder,
                "remind_at": saved.remind_at.isoformat() if reminder == "set" else None,
                "starts_at": opportunity.starts_at.isoformat() if opportunity.starts_at else None,
            }
        say(dispatcher, Notice("saved", params))
        return []


class ActionListSaved(Action):
    """What the sender saved, with the reminders still to come."""

    def name(self) -> str:
        return "action_list_saved"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        person, moment = _person(tracker), now()
        with catalogue().database.session() as session:
            items = []
            for saved in saved_store.saved_for(session, person):
                starts_at = saved.opportunity.starts_at
                pending = (
                    saved.remind_at is not None
                    and saved.reminded_at is None
                    and starts_at is not None
                    and starts_at > moment
                )
                remind_at = saved.remind_at.isoformat() if pending and saved.remind_at else None
                items.append(SavedItem(view_of(saved.opportunity), remind_at))
        say(dispatcher, SavedList(items) if items else Notice("none_saved"))
        return []


class ActionRemoveSaved(Action):
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
        with catalogue().database.session() as session:
            removed = saved_store.unsave(session, _person(tracker), opportunity_id)
        code = "unsaved" if removed else "not_saved"
        say(dispatcher, Notice(code, {"opportunity_id": opportunity_id}))
        return []


@dataclass(frozen=True)
class ReminderToSend:
    telegram_id: int
    opportunity_id: int
    language: str | None
    message: Reminder


def reminders_due(moment: datetime) -> list[ReminderToSend]:
    """The reminders to send at `moment`, not yet claimed (see store.saved.mark_reminded)."""
    with catalogue().database.session() as session:
        return [
            ReminderToSend(
                due.telegram_id,
                due.opportunity.id,
                due.language,
                Reminder(view_of(due.opportunity), reminder_day(due.opportunity.starts_at, moment)),
            )
            for due in saved_store.due_reminders(session, moment)
            if due.opportunity.starts_at is not None
        ]
