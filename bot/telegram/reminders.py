"""The reminders job: every minute, the reminders whose time has come go to the outbox (marked
sent and queued in one transaction, actions.saved_actions.queue_reminders); the outbox's drainer
(bot/telegram/outbox.py) sends them, holds one for a person who blocked the bot until they write
again, and gives up on one once the opportunity has started."""

from __future__ import annotations

import logging

from actions.saved_actions import queue_reminders
from bot.telegram.state import ColbotContext

log = logging.getLogger(__name__)
REMINDERS_JOB = "reminders"
REMINDERS_EVERY = 60.0  # seconds between looks for reminders that are due


async def queue_due_reminders(context: ColbotContext) -> None:
    services = context.services
    queued = await context.workers.storing(
        queue_reminders, services.dialogue.services, services.clock()
    )
    if queued:
        log.info("%d reminder(s) put in the outbox", queued)
