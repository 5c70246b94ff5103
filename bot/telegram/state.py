"""What the Telegram front keeps while it runs: per person (PTB's user_data, typed), and for the
application (bot_data: the services, the workers and the outbox's sender). Only a person's
choices also live in the database; their place, their searches and the badge step they are in
(a rejection's reason) stay in memory and are never stored; a claim waiting for their
evidence is also in the database (the code is not)."""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram.ext import CallbackContext, ExtBot

from bot.pacing import Pacer
from bot.services import Services

T = TypeVar("T")
Piece = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]
KEPT_SEARCHES = 20  # searches a person can still page through ("more results")


@dataclass(frozen=True)
class AwaitedEvidence:
    """A claim that asks for evidence: the person's next message is it. The database remembers
    which claim (store.claims.ask_evidence), so this comes back after a restart; the code
    itself is never kept."""

    badge_name: dict[str, str]


@dataclass
class PersonState:
    person_id: int | None = None  # our id of the person, known after their first update
    language: str | None = None  # the language they chose (kept in the database too)
    writes_in: str | None = None  # the city's language their latest message is in: memory only
    simple: bool = False  # big buttons, one step at a time (kept in the database too)
    near: tuple[float, float] | None = None  # the location they shared: memory only
    searches: dict[str, dict[str, Any]] = field(default_factory=dict)  # search id → slots
    saved_ids: frozenset[int] | None = None  # what they saved, until they save or remove
    seen_at: float = float("-inf")  # when we last noted that they are here (monotonic)
    recent: list[float] = field(default_factory=list)  # their latest updates (monotonic)
    told_to_slow_down: bool = False
    evidence_for: AwaitedEvidence | None = None  # their next message is evidence for this claim
    rejecting: int | None = (
        None  # an administrator's next message is why this evidence is not enough
    )
    acting_for: int | None = None  # the organisation a staff member chose with /org (its id)

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


class TakingTurns:
    """Work run on one thread, one piece at a time, with people taking turns: each person's
    pieces wait in their own line and the lines are served round robin, so someone who sends
    many (or heavy) messages delays another person by at most one piece of their own."""

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self.executor = executor
        self._lines: OrderedDict[Hashable, deque[Piece]] = OrderedDict()
        self._waiting: asyncio.Event | None = None
        self._server: asyncio.Task[None] | None = None

    async def run(self, who: Hashable, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        if self._server is None or self._server.done():
            self._waiting = asyncio.Event()
            self._server = loop.create_task(self._serve(), name="taking-turns")
        done: asyncio.Future[T] = loop.create_future()
        self._lines.setdefault(who, deque()).append((function, args, done))
        assert self._waiting is not None
        self._waiting.set()
        return await done

    def next_piece(self) -> Piece | None:
        """The first piece of the person whose turn it is; they go to the back of the line."""
        while self._lines:
            who, line = self._lines.popitem(last=False)
            piece = line.popleft()
            if line:
                self._lines[who] = line
            if not piece[2].cancelled():
                return piece
        return None

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._waiting is not None
        while True:
            await self._waiting.wait()
            self._waiting.clear()
            while (piece := self.next_piece()) is not None:
                function, args, done = piece
                try:
                    result = await loop.run_in_executor(self.executor, function, *args)
                except Exception as error:  # handed to the person's handler, which reports it
                    if not done.cancelled():
                        done.set_exception(error)
                else:
                    if not done.cancelled():
                        done.set_result(result)

    async def close(self) -> None:
        if self._server is not None:
            self._server.cancel()
            with suppress(asyncio.CancelledError):
                await self._server


class Workers:
    """Threads for the blocking work: one for the index and the embedder (searches and
    understanding share caches that are read and filled without locks), with people taking
    turns on it; a few for the database alone, so that saving or /mydata never waits behind
    anyone's search."""

    def __init__(self, store_threads: int = 4) -> None:
        self.search = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search")
        self.store = ThreadPoolExecutor(max_workers=store_threads, thread_name_prefix="store")
        self.turns = TakingTurns(self.search)

    async def searching(self, function: Callable[..., T], *args: Any, who: Hashable = None) -> T:
        """`function(*args)` on the search thread, in `who`'s turn (a person; jobs share one
        turn)."""
        return await self.turns.run(who, function, *args)

    async def storing(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.store, function, *args)

    async def shutdown(self) -> None:
        await self.turns.close()
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
    # the messages of a batch look themselves up one at a time: a batch's worth at once on every
    # store thread held the interpreter long enough to make a send late, and a late send bunched
    # with the next put 31 in a second at Telegram (seen at batch starts)
    looking_up: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))


@dataclass
class FrontData:
    """The application's own data (PTB's bot_data)."""

    services: Services | None = None
    workers: Workers = field(default_factory=Workers)
    outbox: OutboxSender | None = None


class ColbotContext(CallbackContext[ExtBot, PersonState, dict, FrontData]):
    """The handlers' context, with typed access to what the front keeps. PTB makes one for
    each update, which all its handlers share."""

    query_answered: bool = False  # this update's button press has had its answer (one only)

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
