"""The outbox's drainer: one job of the bot's JobQueue, every DRAIN_EVERY seconds, sends what
the bot sends on its own (store/outbox.py keeps it, and its rules). A run sweeps the outbox,
claims what fits the pace in one run (at most one message per person), renders each message in
the language the person reads now, sends it on the outbox's own Bot at the pace of
bot/pacing.py (a badge as its baked PNG, looked up when it is sent), and records each outcome in
a short transaction of its own; the database is only touched on the store workers, never on the
event loop, and no transaction is open while a message is on its way. Here is only what
Telegram's answers mean (`outcome_of`); what each does to the message is decided in
store/outbox.py."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from actions.messages import (
    BADGES_ISSUED_AGAIN,
    AnnouncementSent,
    AnnouncementWithdrawn,
    BadgeEarned,
    EvidenceRejected,
    FollowedNews,
    Message,
    Notice,
    StaffRemoved,
    from_json,
)
from actions.news import looked_up
from badges.delivery import BadgeDelivery
from badges.service import BadgeService
from bot.announcement_cards import withdrawn_text
from bot.i18n import reading_language
from bot.pacing import OUTBOX_RATE, Pacer
from bot.render import Renderable, render
from bot.telegram.common import in_store, send
from bot.telegram.staff_menu import everyones_menus, show_menu
from bot.telegram.state import ColbotContext, OutboxSender
from organisations.announcing import AnnouncementService
from store import outbox as outbox_store
from store.outbox import ClaimedMessage, Outcome

log = logging.getLogger(__name__)

OUTBOX_JOB = "outbox"
DRAIN_EVERY = 1.0  # seconds between runs; a run claims what the pace sends in this time
SEND_TIMEOUT = 10.0  # seconds to wait for Telegram's answer to one send, then it is unsure
CONNECTIONS = 32  # to Telegram at once: sends overlap when Telegram answers slower than the pace
PURGE_EVERY = 3600.0  # seconds between deletions of finished rows (store.outbox.KEEP_FINISHED)
# The kinds of rows this front sends: reminders, badges (a delivery, or a rejection's reason),
# followers' news and weekly digests, organisations' announcements and their withdrawals (a
# deletion or an edit), staff news (removed from a staff, an invitation taken).
SENDS = ("reminder", "badge", "news", "digest", "announcement", "withdrawal", "staff")
# Telegram lets a bot delete its own message in a private chat for 48 hours; later it is edited
# to say it was withdrawn. An hour of margin for a withdrawal that waits its turn.
DELETABLE_FOR = timedelta(hours=47)
GONE = ("not found", "message is not modified")  # the message is as withdrawn as it gets
UNDELETABLE = "message can't be deleted"  # Telegram keeps it: it is edited instead


# What puts a message in a chat, and so counts against Telegram's limits (replies that edit a
# message or answer a button press do not).
COUNTED = frozenset(
    (
        "sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAnimation", "sendAudio",
        "sendVoice", "sendLocation", "sendVenue", "sendContact", "sendMediaGroup",
        "copyMessage", "forwardMessage",
    )
)  # fmt: skip


class SharedPaceLimiter(AIORateLimiter):
    """The application's rate limiter (the interactive replies), which also tells the outbox's
    pacer of each message it lets go, so that replies and the outbox share one pace: a reply
    never waits for the outbox; the outbox sends what the replies leave."""

    def __init__(self, pacer: Pacer, max_retries: int = 3) -> None:
        super().__init__(max_retries=max_retries)
        self.pacer = pacer

    async def process_request(  # type: ignore[override]
        self,
        callback: Callable[..., Awaitable[Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        async def counted(*call_args: Any, **call_kwargs: Any) -> Any:
            chat_id = data.get("chat_id")
            if endpoint not in COUNTED or not isinstance(chat_id, int):
                return await callback(*call_args, **call_kwargs)
            sending = self.pacer.note(chat_id)  # as it goes, after the limiter's own wait
            try:
                return await callback(*call_args, **call_kwargs)
            finally:
                self.pacer.landed(sending)

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)


def make_sender(
    token: str, base_url: str, base_file_url: str, rate: float = OUTBOX_RATE
) -> OutboxSender:
    """The outbox's own Bot, on the same Bot API server as the application's, without a rate
    limiter: the outbox paces itself and sees every 429 and 403 (started in post_init)."""
    request = HTTPXRequest(
        connection_pool_size=CONNECTIONS,
        read_timeout=SEND_TIMEOUT,
        write_timeout=SEND_TIMEOUT,
    )
    bot = ExtBot(token, base_url=base_url, base_file_url=base_file_url, request=request)
    return OutboxSender(bot, SEND_TIMEOUT, Pacer(rate))


async def start(sender: OutboxSender | None) -> None:
    """The outbox's Bot, ready to send (post_init); the drainer sends nothing before."""
    if sender is not None:
        await sender.bot.initialize()
        sender.started = True


async def stop(sender: OutboxSender | None) -> None:
    """The outbox's Bot, closed (post_shutdown). The application stops its job queue first,
    which waits for a run that is sending: its outcomes are recorded before."""
    if sender is not None and sender.started:
        sender.started = False
        await sender.bot.shutdown()


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asks the bot to wait, in seconds (an int or a timedelta, by PTB's
    settings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def may_have_arrived(error: TimedOut) -> bool:
    """Whether a request that timed out may have reached Telegram: not when the connection was
    never made, or never taken from the pool."""
    return not isinstance(error.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)


def outcome_of(error: TelegramError) -> tuple[Outcome, float]:
    """What Telegram's refusal means for the message, and the seconds to wait (429)."""
    if isinstance(error, RetryAfter):
        return Outcome.FLOOD, retry_after_seconds(error)
    if isinstance(error, Forbidden):
        return Outcome.BLOCKED, 0.0
    if isinstance(error, BadRequest):  # a NetworkError in PTB: asked before it
        return Outcome.REFUSED, 0.0
    if isinstance(error, TimedOut):  # also a NetworkError
        return (Outcome.UNSURE if may_have_arrived(error) else Outcome.NOT_SENT), 0.0
    if isinstance(error, NetworkError):
        return Outcome.NOT_SENT, 0.0
    return Outcome.REFUSED, 0.0  # an invalid token, a chat that moved …: sending again won't help


def describe(error: TelegramError, token: str = "") -> str:
    """A short description of the error to keep: Telegram's own words, never the message's
    text, and never the bot's token (a network error may quote the address)."""
    name, text = type(error).__name__, error.message
    described = text if text.startswith(name) else f"{name}: {text}"
    return described.replace(token, "<token>") if token else described


async def drain_outbox(context: ColbotContext) -> None:
    """One run of the drainer (the job); a run still sending, or a pause that a 429 asked for,
    makes it return at once."""
    sender = context.bot_data.outbox
    if sender is None or not sender.started or sender.draining or sender.pacer.paused_for() > 0:
        return
    sender.draining = True
    try:
        await _drain(context, sender)
    finally:
        sender.draining = False


async def _drain(context: ColbotContext, sender: OutboxSender) -> None:
    moment = context.services.clock()
    moved = await in_store(context, outbox_store.sweep, moment)
    if moved:
        log.info("outbox: %s", ", ".join(f"{n} {what}" for what, n in sorted(moved.items())))
    if time.monotonic() - sender.purged_at >= PURGE_EVERY:
        sender.purged_at = time.monotonic()
        purged = await in_store(context, outbox_store.purge_finished, moment)
        if purged:
            log.info("outbox: %d finished messages deleted", purged)
    limit = sender.pacer.per_run(DRAIN_EVERY)
    claimed = await _claim(context, limit)
    sending = _send_all(context, sender, claimed)
    while claimed:
        # A full batch: more is due, most likely. The next one is claimed and set going while
        # this one is sent: its messages look themselves up meanwhile and take their turns right
        # after this batch's, so that the pace has no gap between batches (a long
        # announcement). A bot that is stopping, or paused by a 429, claims no more (what it
        # claimed is still delivered, or put back by the pause).
        more = len(claimed) == limit and context.application.running
        following: list[ClaimedMessage] = []
        if more and sender.pacer.paused_for() == 0:
            following = await _claim(context, limit)
        sending_following = _send_all(context, sender, following)
        await _tally(context, claimed, await sending)
        claimed, sending = following, sending_following


def _send_all(
    context: ColbotContext, sender: OutboxSender, claimed: list[ClaimedMessage]
) -> asyncio.Future[list[Any]]:
    """The claimed messages, each on its way (their turns are taken in this order)."""
    return asyncio.gather(
        *(deliver(context, sender, message) for message in claimed), return_exceptions=True
    )


async def _claim(context: ColbotContext, limit: int) -> list[ClaimedMessage]:
    moment = context.services.clock()
    return await in_store(context, outbox_store.claim, moment, limit, outbox_store.LEASE, SENDS)


async def _tally(
    context: ColbotContext, claimed: list[ClaimedMessage], results: list[object]
) -> None:
    """Log what failed, and count the announcements delivered: one upsert a batch, never one
    a message."""
    reached: Counter[int] = Counter()
    for message, result in zip(claimed, results, strict=True):
        if isinstance(result, BaseException):  # the row stays `sending`: unsure when its lease ends
            log.error("outbox: sending a message failed", exc_info=result)
        elif message.kind == "announcement" and result == outbox_store.SENT:
            reached.update(announcement_ids(message))
    if reached:  # counted, and what was on its way when it was withdrawn withdrawn now
        late = await context.workers.storing(context.services.announcements.delivered, reached)
        if late:
            log.info("outbox: %d messages sent while withdrawn, queued to be withdrawn", late)


def announcement_ids(message: ClaimedMessage) -> list[int]:
    """The announcements a row carries (for the organisations' reach)."""
    return [
        int(data["announcement_id"])
        for data in message.payload
        if data.get("kind") == "announcement" and "announcement_id" in data
    ]


def look_up(
    badges: BadgeService,
    person_id: int,
    messages: list[Message],
    news: Callable[[FollowedNews], FollowedNews] | None = None,
    announcements: AnnouncementService | None = None,
) -> list[Renderable]:
    """The messages as they are to be sent now (on a store worker): a badge as its baked PNG and
    addresses, a rejection with its reason, followers' news with its cards (`news` looks them
    up), an announcement with its content; what is gone (a revoked award, a cancelled or
    withdrawn announcement) is left out."""
    found: list[Renderable] = []
    for message in messages:
        if isinstance(message, FollowedNews) and news is not None:
            found.append(news(message))
            continue
        if isinstance(message, AnnouncementSent):
            card = announcements.card(message.announcement_id) if announcements else None
            if card is not None:
                found.append(card)
            continue
        if isinstance(message, BadgeEarned):
            delivery = badges.delivery(message.award_id, person_id)
            if delivery is not None:
                found.append(delivery)
        elif isinstance(message, EvidenceRejected):
            rejection = badges.rejection(message.submission_id)
            if rejection is not None:
                found.append(rejection)
        else:
            found.append(message)
    return counted_again(found)


def counted_again(found: list[Renderable]) -> list[Renderable]:
    """The word that badges were issued again, counting those still sent (one revoked since is
    left out above); no word at all when none is left."""
    left = sum(isinstance(item, BadgeDelivery) for item in found)
    out: list[Renderable] = []
    for item in found:
        if isinstance(item, Notice) and item.code == BADGES_ISSUED_AGAIN:
            if left:
                out.append(replace(item, params={**item.params, "n": left}))
        else:
            out.append(item)
    return out


Record = Callable[..., Awaitable[str]]


def recorder(context: ColbotContext, message: ClaimedMessage, sent: list[int]) -> Record:
    """Records an outcome of sending `message` (the Telegram ids in `sent` taken so far)."""

    async def outcome(what: Outcome, error: str | None = None, wait: float = 0.0) -> str:
        record = partial(
            outbox_store.record, sent_ids=sent, error=error, retry_after=timedelta(seconds=wait)
        )
        status = await in_store(context, record, message.id, what, context.services.clock())
        level = logging.DEBUG if what is Outcome.SENT else logging.INFO
        log.log(level, "outbox: a %s message %s: now %s", message.kind, what.value, status)
        return status or ""

    return outcome


async def deliver(context: ColbotContext, sender: OutboxSender, message: ClaimedMessage) -> str:
    """Send one claimed message (its parts not taken by an earlier try), at the pacer's pace, and
    record the outcome; the message's new status."""
    sent = list(message.sent_ids)
    outcome = recorder(context, message, sent)
    if message.chat_id is None:
        return await outcome(Outcome.REFUSED, "no Telegram chat to send to")
    lang = reading_language(
        message.language, message.telegram_language, context.services.city.languages
    )
    try:
        messages = [from_json(data) for data in message.payload]
    except (KeyError, TypeError, ValueError) as error:
        return await outcome(Outcome.REFUSED, f"could not read it: {type(error).__name__}")
    withdrawals = [m for m in messages if isinstance(m, AnnouncementWithdrawn)]
    if withdrawals:
        return await withdraw(context, sender, message, withdrawals[0], lang)
    services = context.services
    if any(isinstance(m, StaffRemoved) for m in messages):
        await reset_menu(context, message.chat_id)  # before it says the commands have left
    news = partial(looked_up, services.database, services.city.zone)
    async with sender.looking_up:
        found = await context.workers.storing(
            look_up, services.badges, message.person_id, messages, news, services.announcements
        )
    try:
        parts = [part for item in found for part in render(item, lang)]
    except (KeyError, TypeError, ValueError) as error:
        return await outcome(Outcome.REFUSED, f"could not render it: {type(error).__name__}")
    if not parts:
        return await outcome(Outcome.REFUSED, "nothing left to send (revoked or withdrawn?)")
    chat_id = message.chat_id
    for part in parts[len(sent) :]:

        def sending(part: Any = part) -> Awaitable[Any]:
            return send(
                sender.bot,
                chat_id,
                part,
                lang,
                read_timeout=sender.send_timeout,
                write_timeout=sender.send_timeout,
            )

        taken, refused = await paced(context, sender, chat_id, sending, outcome)
        if refused is not None:
            return refused
        sent.append(taken.message_id)
    return await outcome(Outcome.SENT)


async def reset_menu(context: ColbotContext, chat_id: int) -> None:
    """A removed staff member's menu as the policy says now (everyone's, unless they still act
    for another organisation): at once, even when the command line removed them."""
    services = context.services
    menu = await context.workers.storing(services.staff.menu, chat_id)
    everyones = await everyones_menus(context.bot, services.city.languages)
    await show_menu(context.bot, chat_id, menu, everyones, services.city.default_language)


async def paced(
    context: ColbotContext,
    sender: OutboxSender,
    chat_id: int,
    call: Callable[[], Awaitable[Any]],
    outcome: Record,
) -> tuple[Any, str | None]:
    """Make one call to Telegram in its turn (the pacer's): what Telegram answered, or (None
    and) the row's status after the refusal was recorded."""
    if (paused := sender.pacer.paused_for()) > 0:
        return None, await outcome(Outcome.PAUSED, "all sending paused (429)", paused)
    sending = await sender.pacer.turn(chat_id)
    if (paused := sender.pacer.paused_for()) > 0:  # a 429 came before its turn
        sender.pacer.landed(sending)
        return None, await outcome(Outcome.PAUSED, "all sending paused (429)", paused)
    try:
        taken = await call()
    except TelegramError as error:
        sender.pacer.landed(sending)  # before the outcome is written, on a store thread
        what, wait = outcome_of(error)
        if what is Outcome.FLOOD:
            sender.pacer.pause(wait)
        elif what is Outcome.BLOCKED:
            person = context.application.user_data.get(chat_id)
            if person is not None:
                person.seen_at = float("-inf")  # their next message reactivates them
        return None, await outcome(what, describe(error, sender.bot.token), wait)
    finally:
        sender.pacer.landed(sending)  # an answer, an error or a cancelled send (landing once)
    return taken, None


async def withdraw(
    context: ColbotContext,
    sender: OutboxSender,
    message: ClaimedMessage,
    withdrawn: AnnouncementWithdrawn,
    lang: str,
) -> str:
    """Take an announcement back from one person: delete its messages while Telegram allows it,
    else (after DELETABLE_FOR, or when Telegram refuses to delete one) edit them to say it was
    withdrawn; a message already gone counts as withdrawn."""
    done = list(message.sent_ids)  # the messages withdrawn by an earlier try
    outcome = recorder(context, message, done)
    chat_id = message.chat_id or 0
    note = await context.workers.storing(
        context.services.announcements.withdrawal_note, withdrawn.announcement_id
    )
    if note is None:
        return await outcome(Outcome.REFUSED, "the announcement is gone")
    sent_at = datetime.fromisoformat(withdrawn.sent_at) if withdrawn.sent_at else None
    deletable = sent_at is not None and context.services.clock() - sent_at < DELETABLE_FOR
    text = withdrawn_text(note, lang)
    bot, timeouts = sender.bot, {"read_timeout": sender.send_timeout}
    kept = "kept"  # what a refused deletion answers: the message is to be edited instead

    def deletion(telegram_id: int) -> Callable[[], Awaitable[Any]]:
        return lambda: bot.delete_message(chat_id, telegram_id, **timeouts)

    def edit(telegram_id: int) -> Callable[[], Awaitable[Any]]:
        if note.has_file:
            return lambda: bot.edit_message_caption(
                chat_id, telegram_id, caption=text, parse_mode=ParseMode.HTML, **timeouts
            )
        return lambda: bot.edit_message_text(
            text, chat_id, telegram_id, parse_mode=ParseMode.HTML, **timeouts
        )

    async def gone_is_done(what: Outcome, error: str | None = None, wait: float = 0.0) -> str:
        said = (error or "").lower()  # PTB capitalises Telegram's words
        if what is Outcome.REFUSED and UNDELETABLE in said:
            return kept
        if what is Outcome.REFUSED and any(g in said for g in GONE):
            return ""  # deleted by the person already, or edited before: nothing to do
        return await outcome(what, error, wait)

    for telegram_id in withdrawn.message_ids:
        if telegram_id in done:
            continue
        call = deletion(telegram_id) if deletable else edit(telegram_id)
        _taken, refused = await paced(context, sender, chat_id, call, gone_is_done)
        if refused == kept:  # Telegram will not delete it (too old, or its rules): edited
            _taken, refused = await paced(context, sender, chat_id, edit(telegram_id), gone_is_done)
        if refused:
            return refused
        done.append(telegram_id)
    return await outcome(Outcome.SENT)
