"""The weekly digests job: every quarter of an hour, the digests whose time has come (a
Saturday morning in the city's time, each follower at a minute of their own) go to the outbox
(organisations.following decides who is due and what is new); the outbox's drainer sends them."""

from __future__ import annotations

import logging

from bot.telegram.state import ColbotContext

log = logging.getLogger(__name__)
DIGESTS_JOB = "digests"
DIGESTS_EVERY = 900.0  # seconds between looks for digests that are due


async def queue_due_digests(context: ColbotContext) -> None:
    services = context.services
    queued = await context.workers.storing(services.follows.queue_digests, services.clock())
    if queued:
        log.info("%d weekly digest(s) put in the outbox", queued)
