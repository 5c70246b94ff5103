"""The reminders job: each reminder whose time has come goes out once."""

from __future__ import annotations

import logging

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from actions.saved_actions import reminders_due
from bot.i18n import reading_language
from bot.render import render
from bot.telegram.common import in_store, send
from bot.telegram.state import ColbotContext
from store import people
from store import saved as saved_store
from store.models import Person

log = logging.getLogger(__name__)
REMINDERS_JOB = "reminders"
REMINDERS_EVERY = 60.0  # seconds between looks for reminders that are due


def _telegram_id(session, person_id: int) -> int | None:  # type: ignore[no-untyped-def]
    person = session.get(Person, person_id)
    return person.telegram_id if person is not None else None


async def send_due_reminders(context: ColbotContext) -> None:
    """One that Telegram does not take is kept for the next run; a person who blocked the bot
    is marked inactive and gets it if they come back before the opportunity starts."""
    services = context.services
    moment = services.clock()
    due = await context.workers.searching(reminders_due, services.dialogue.services, moment)
    for reminder in due:
        person, opportunity_id = reminder.person_id, reminder.opportunity_id
        if not await in_store(context, saved_store.mark_reminded, person, opportunity_id, moment):
            continue  # another run sent it
        chat_id = await in_store(context, _telegram_id, person)
        if chat_id is None:
            continue
        offered = services.city.languages
        lang = reading_language(reminder.language, reminder.telegram_language, offered)
        try:
            for rendered in render(reminder.message, lang):
                await send(context.bot, chat_id, rendered, lang)
        except Forbidden:
            await in_store(context, people.blocked, person, moment)
            state = context.application.user_data.get(chat_id)
            if state is not None:
                state.seen_at = float("-inf")  # their next message reactivates them
            await in_store(context, saved_store.release_reminder, person, opportunity_id)
            log.info("their reminder is kept for when they come back")
        except BadRequest as error:  # e.g. the chat is gone: sending again would not help
            log.warning("Telegram refused a reminder (%s); not sent again", error.message)
        except (RetryAfter, TimedOut, NetworkError) as error:
            await in_store(context, saved_store.release_reminder, person, opportunity_id)
            log.warning("a reminder did not reach Telegram (%s); next run", type(error).__name__)
        except Exception:
            await in_store(context, saved_store.release_reminder, person, opportunity_id)
            raise
