"""What the Telegram front keeps while it runs: per person (PTB's user_data, typed), and for the
application (bot_data: the services, the workers and the outbox's sender). Only a person's
choices also live in the database; their place and searches stay in memory and are never
stored."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram.ext import CallbackContext, ExtBot

from bot.pacing import Pacer
from bot.services import Services

T = TypeVar("T")
KEPT_SEARCHES = 20  # searches a person can still page through ("more results")


@dataclass
class PersonState:
    person_id: int | None = None  # our id of the person, known after their first update
    language: str | None = None  # the language they chose (kept in the database too)
    simple: bool = False  # big buttons, one step at a time (kept in the database too)
    near: tuple[float, float] | None = None  # the location they shared: memory only
    searches: dict[str, dict[str, Any]] = field(default_factory=dict)  # search id → slots
    saved_ids: frozenset[int] | None = None  # what they saved, until they save or remove
    seen_at: float = float("-inf")  # when we last noted that they are here (monotonic)
    recent: list[float] = field(default_factory=list)  # their latest updates (monotonic)
    told_to_slow_down: bool = False

    def remember_search(self, search_id: str, slots: dict[str, Any]) -> None:
        self.searches.pop(search_id, None)
        self.searches[search_id] = slots
        while len(self.searches) > KEPT_SEARCHES:
            self.searches.pop(next(iter(self.searches)))

    def location_slots(self) -> dict[str, Any]:
        """The location they shared, as the actions' slots."""
        return {"near_lat": self.near[0], "near_lon": self.near[1]} if self.near else {}

    def simple_slots(self) -> dict[str, Any]:
        return {"simple": True} if self.simple else {}


class Workers:
    """Threads for the blocking work: one for the index and the embedder (searches and
    understanding share caches that are read and filled without locks), a few for the database
    alone, so that saving or /mydata never waits behind someone's search."""

    def __init__(self, store_threads: int = 4) -> None:
        self.search = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search")
        self.store = ThreadPoolExecutor(max_workers=store_threads, thread_name_prefix="store")

    async def searching(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.search, function, *args)

    async def storing(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.store, function, *args)

    def shutdown(self) -> None:
        self.search.shutdown(wait=True, cancel_futures=True)
        self.store.shutdown(wait=True, cancel_futures=True)


@dataclass
class OutboxSender:
    """What sends the outbox (bot/telegram/outbox.py): a Bot of its own, without a rate limiter,
    so that it sees every 429 and 403 itself (the interactive replies keep the application's
    bot), and the pace it keeps."""

    bot: ExtBot
    send_timeout: float  # seconds to wait for Telegram's answer before the send is unsure
    pacer: Pacer = field(default_factory=Pacer)
    started: bool = False  # its Bot is initialized (post_init), until post_shutdown
    draining: bool = False  # a run is sending
    purged_at: float = -math.inf  # when finished rows were last deleted (monotonic)


@dataclass
class FrontData:
    """The application's own data (PTB's bot_data)."""

    services: Services | None = None
    workers: Workers = field(default_factory=Workers)
    outbox: OutboxSender | None = None


class ColbotContext(CallbackContext[ExtBot, PersonState, dict, FrontData]):
    """The handlers' context, with typed access to what the front keeps."""

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:  # pragma: no cover - build_application always sets them
            raise RuntimeError("the application was built without services")
        return services

    @property
    def workers(self) -> Workers:
        return self.bot_data.workers

    @property
    def person(self) -> PersonState:
        """This update's person (a fresh state for updates without one, e.g. channel posts)."""
        return self.user_data if self.user_data is not None else PersonState()
