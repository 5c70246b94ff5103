"""Updates handled one person at a time, people at once: each person's messages and button
presses are handled in the order they sent them, the next only when the one before is done,
while other people's go on beside them. A step-by-step conversation (PTB's ConversationHandler)
keeps its state right only so: with every update at once, an answer typed quickly after the
bot's question could reach the conversation before it had moved to that question's step."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

CONCURRENT_UPDATES = 256  # updates handled at once, all people together (PTB's default)
MAX_WAITING = 16  # one person's updates waiting their turn; more are handled at once


@dataclass
class _Line:
    """One person's turn: the lock their updates take, and how many hold or wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0


class PersonInOrder(BaseUpdateProcessor):
    """PTB's update processor, in order for each person (their user, else their chat).

    An update from no one (a poll's, a channel's) is handled at once. A person with MAX_WAITING
    updates already waiting has their next ones handled at once, as PTB would: they are far
    over the message throttle by then, and their flood must not hold the slots other people's
    updates need."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._lines: dict[Hashable, _Line] = {}

    @staticmethod
    def person_of(update: object) -> Hashable | None:
        if not isinstance(update, Update):
            return None
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        return None

    def waiting(self, person: Hashable) -> int:
        """How many of `person`'s updates hold or wait for their turn now."""
        line = self._lines.get(person)
        return line.queued if line is not None else 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        person = self.person_of(update)
        if person is None or self.waiting(person) > MAX_WAITING:
            await coroutine
            return
        line = self._lines.setdefault(person, _Line())
        line.queued += 1
        try:
            async with line.lock:
                await coroutine
        except asyncio.CancelledError:  # stopped while waiting: the update is never handled
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            raise
        finally:
            line.queued -= 1
            if line.queued == 0:
                del self._lines[person]

    async def initialize(self) -> None:
        """Nothing to set up: the lines are made as people write."""

    async def shutdown(self) -> None:
        """Nothing to free: every line ends with its last update."""
