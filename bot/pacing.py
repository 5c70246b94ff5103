"""The outbox's pace (no Telegram types here). Telegram takes about 30 messages a second from a
bot overall and about one a second in a private chat; a bot that sends faster is answered 429.
python-telegram-bot's AIORateLimiter, which the interactive replies go through, does not pace
private chats, so the outbox paces itself, on a Bot of its own:

- overall at most OUTBOX_RATE messages a second, on a grid 1 / OUTBOX_RATE apart: a turn may
  come a quarter of a spacing before its place, so that the event loop waking a little late
  does not push back the turns after it (that lost time cost a few percent of the rate), and no
  second ever holds more than OUTBOX_RATE + 1 (the generic cell rate algorithm, with a tolerance
  of a quarter of a spacing; the rest of the spacing is a margin for the network's jitter);
- the interactive replies, which keep the application's Bot and its rate limiter, take their
  places on the same grid (`note`, told by `SharedPaceLimiter` in bot/telegram/outbox.py): they
  never wait for the outbox, and the outbox sends only what the replies leave of the rate;
- at least PER_CHAT_SPACING between two messages to one chat (a message of the outbox may be
  several Telegram messages: a badge delivery is two);
- nothing at all while a 429 asks the bot to wait (`pause`);
- after a quiet second (and at start), the turns after the first come START_MARGIN later: the
  first message of a run may open connections and arrive late, and with the messages a second
  later on time that put rate + 2 within one second at Telegram (seen at the start of runs: one
  send in 900 refused);
- never more than TELEGRAM_LIMIT in any second at Telegram, however the network and the event
  loop delay the messages: a turn waits until the message TELEGRAM_LIMIT turns before it has
  landed (its answer came back, so it reached Telegram) at least a second ago. The grid alone
  spaces the moments messages leave; a message held up on its way (by the network, or by the
  process holding the interpreter) arrived together with the next ones, and 31 came within one
  second (seen: 8 sends of 50,000 refused). At the grid's pace the rule costs nothing while the
  answers come back within (TELEGRAM_LIMIT / rate - 1) seconds (34 ms at 29 a second); a slower
  answer delays the next turn by the difference, and a message that never lands (a send given
  up after its timeout) holds the turns after it up to that timeout;
- at most MAX_IN_FLIGHT messages on their way at once (sent, no answer yet): Telegram has no
  idempotency key, so a message on its way when the process is killed cannot be known to have
  arrived and is sent again after the restart; this bounds those duplicates. It costs nothing
  while Telegram answers within MAX_IN_FLIGHT / rate seconds (69 ms at 29 a second); slower
  answers bring the pace down to MAX_IN_FLIGHT per answer time.

Slots are taken in the order they are asked for; a message waiting for its chat does not hold up
the others."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

OUTBOX_RATE = 29.0  # messages a second, replies and outbox together (Telegram's limit is about 30)
PER_CHAT_SPACING = 1.0  # seconds between two messages to one chat (Telegram's: about 1)
START_MARGIN = 0.1  # seconds the grid starts later after the first turn of a run
TELEGRAM_LIMIT = 30  # messages in any one second, all chats together, that Telegram takes
MAX_IN_FLIGHT = 2  # messages sent and not yet answered, at most (the duplicates a crash can make)
REMEMBERED_CHATS = 1000  # chats remembered before those that may take a message again are forgotten


class Sending:
    """One message on its way: when its turn came and when it landed (its answer came back, or
    the send was given up); until then `landed_at` is infinite."""

    def __init__(self, at: float) -> None:
        self.at = at
        self.landed_at = math.inf
        self._landed = asyncio.Event()

    def land(self, at: float) -> None:
        if not self._landed.is_set():
            self.landed_at = at
            self._landed.set()

    async def landing(self) -> None:
        await self._landed.wait()


class Pacer:
    """When the next message may go: `await turn(chat)` returns at that moment (a `Sending`), the
    caller sends at once and tells `landed(sending)` when the answer came back, whatever it was.
    Any n + 1 turns span at least n / rate less a quarter of a spacing (so no second holds more
    than rate + 1 of them), two turns of one chat at least per_chat apart, a turn comes at
    least `window` after the landing of the turn `limit` before it, and never while `in_flight`
    messages are on their way (by `clock`, seconds)."""

    def __init__(
        self,
        rate: float = OUTBOX_RATE,
        per_chat: float = PER_CHAT_SPACING,
        clock: Callable[[], float] = time.monotonic,
        limit: int = TELEGRAM_LIMIT,
        window: float = 1.0,
        in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        if rate <= 0:
            raise ValueError("the outbox's rate must be above 0 messages a second")
        self.rate = rate
        self.per_chat = per_chat
        self.clock = clock
        self.window = window
        self.in_flight = in_flight
        self.paused_until = -math.inf
        self._due = -math.inf  # when the next turn is due on the grid, all chats together
        self._chats: dict[int, float] = {}  # each chat's latest turn
        self._recent: deque[Sending] = deque(maxlen=limit)  # the latest `limit` turns, in order
        self._a_landing = asyncio.Event()  # set when any message lands
        self._lock = asyncio.Lock()

    @property
    def spacing(self) -> float:
        """Seconds between two messages, all chats together."""
        return 1.0 / self.rate

    @property
    def tolerance(self) -> float:
        """How early a turn may come before its place on the grid: how late the event loop may
        wake without the rate losing anything."""
        return self.spacing / 4

    def per_run(self, seconds: float) -> int:
        """How many messages fit in `seconds` at this rate (at least one)."""
        return max(1, math.floor(seconds * self.rate))

    def pause(self, seconds: float) -> None:
        """Telegram asked the bot to wait: nothing is sent for `seconds` from now."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    def paused_for(self) -> float:
        """Seconds left of a pause (0 when sending may go on)."""
        return max(0.0, self.paused_until - self.clock())

    def note(self, chat_id: int) -> Sending:
        """A message went out another way (a reply to someone): it takes a place on the grid, so
        the outbox sends that much less, and counts for its chat and among the latest turns;
        nobody waits for it. Tell `landed` when its answer came back."""
        now = self.clock()
        self._take(now)
        self._chats[chat_id] = now
        return self._sending(now)

    def landed(self, sending: Sending) -> None:
        """The message's answer came back (or its send was given up): it reached Telegram."""
        sending.land(self.clock())
        self._a_landing.set()

    def _sending(self, now: float) -> Sending:
        sending = Sending(now)
        self._recent.append(sending)
        return sending

    def _take(self, now: float) -> None:
        """A turn taken at `now`: the next is due a spacing after its place on the grid (after
        `now` when the grid fell behind), and START_MARGIN later still after a quiet second."""
        quiet = self._due + 1.0 < now
        self._due = max(self._due, now) + self.spacing + (START_MARGIN if quiet else 0.0)

    def _chat_free_at(self, chat_id: int) -> float:
        return self._chats.get(chat_id, -math.inf) + self.per_chat

    async def _free(self) -> None:
        """Wait until the turn `limit` before the next has landed at least `window` ago and fewer
        than `in_flight` messages are on their way (each looked at again after any wait: a reply
        may take a place meanwhile)."""
        while True:
            full = len(self._recent) == self._recent.maxlen
            oldest = self._recent[0] if full else None
            if oldest is not None and oldest.landed_at == math.inf:
                await oldest.landing()
                continue
            if oldest is not None and (wait := oldest.landed_at + self.window - self.clock()) > 0:
                await asyncio.sleep(wait)
                continue
            flying = sum(1 for sending in self._recent if sending.landed_at == math.inf)
            if flying >= self.in_flight:
                self._a_landing.clear()
                await self._a_landing.wait()  # whichever lands first
                continue
            return

    async def turn(self, chat_id: int) -> Sending:
        """Wait until a message may go to `chat_id` and take that moment (the returned Sending's
        `at`); the caller tells `landed` when the message's answer came back."""
        while True:
            while (wait := self._chat_free_at(chat_id) - self.clock()) > 0:
                await asyncio.sleep(wait)  # outside the lock: others go meanwhile
            async with self._lock:
                if self._chat_free_at(chat_id) > self.clock():
                    continue  # another message to this chat took the slot meanwhile
                while (wait := self._due - self.tolerance - self.clock()) > 0:
                    await asyncio.sleep(wait)
                await self._free()
                now = self.clock()
                self._take(now)
                self._chats[chat_id] = now
                if len(self._chats) > REMEMBERED_CHATS:
                    self._chats = {c: t for c, t in self._chats.items() if t + self.per_chat > now}
                return self._sending(now)
