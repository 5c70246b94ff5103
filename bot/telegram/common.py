"""What every Telegram area shares: the person's language, the main keyboard, running work off
the event loop, and sending rendered replies (text, venues, documents)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram import (
    Message as TelegramMessage,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from access.policy import Actor
from actions.messages import Details, Message, ResultList
from bot.cards import Choice, Rendered, pick
from bot.i18n import gettext_for, reading_language
from bot.render import render_all
from bot.telegram.state import ColbotContext
from store import people, usage
from store import saved as saved_store

T = TypeVar("T")
log = logging.getLogger(__name__)


def user_language(update: Update, context: ColbotContext) -> str:
    """The language to answer this person in (bot.i18n.reading_language)."""
    user = update.effective_user
    telegram_language = user.language_code if user else None
    offered = context.services.city.languages
    person = context.person
    return reading_language(person.language, telegram_language, offered, person.writes_in)


def main_keyboard(lang: str) -> ReplyKeyboardMarkup:
    _ = gettext_for(lang)
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton("📍 " + _("Find something near me"), request_location=True)],
            [KeyboardButton(_("Slovenian courses")), KeyboardButton(_("Digital skills"))],
            [KeyboardButton(_("My badges")), KeyboardButton(_("Language / Jezik"))],
        ],
        resize_keyboard=True,
    )


def keyboard_queries(lang: str) -> dict[str, str]:
    """Reply-keyboard labels that stand for a search."""
    _ = gettext_for(lang)
    return {
        _("Slovenian courses"): "tečaj slovenščine",
        _("Digital skills"): "digitalne veščine za starejše pametni telefon",
    }


def sender(context: ColbotContext) -> str:
    """Who the actions serve: our id of the person ("" before it is known)."""
    person_id = context.person.person_id
    return str(person_id) if person_id is not None else ""


async def in_store(context: ColbotContext, function: Callable[..., T], *args: Any) -> T:
    """Run `function(session, *args)` in one unit of work on a database worker."""

    def work() -> T:
        with context.services.database.session() as session:
            return function(session, *args)

    return await context.workers.storing(work)


async def answer_once(update: Update, context: ColbotContext, text: str | None = None) -> bool:
    """Stop a button's spinner, with `text` shown for a moment: once an update (a second answer
    is an error at Telegram), and a query too old to answer is left alone. Whether this call
    answered it (else `text` is for the chat, if it must be read)."""
    query = update.callback_query
    if query is None or context.query_answered:
        return False
    context.query_answered = True
    try:
        await query.answer(text[:200] if text else None)
    except BadRequest as error:
        log.info("could not answer a button press: %s", error.message)
        return False
    return True


def _reader_languages(session: Any, telegram_id: int) -> tuple[str | None, str | None]:
    found = people.by_telegram_id(session, telegram_id)
    return (found.language, found.telegram_language) if found is not None else (None, None)


async def language_of(context: ColbotContext, telegram_id: int) -> str:
    """The language to write to someone in outside an update of theirs (a job, a notice to a
    reviewer): as the database keeps their choice, else their Telegram's, else the city's
    first (bot.i18n.reading_language)."""
    chosen, telegram_language = await in_store(context, _reader_languages, telegram_id)
    return reading_language(chosen, telegram_language, context.services.city.languages)


async def call(
    context: ColbotContext, action: str, slots: dict[str, Any], text: str = ""
) -> list[Message]:
    """One action of the dialogue, on the search worker (it may touch the index)."""
    dialogue = context.services.dialogue
    person = sender(context)
    return await context.workers.searching(dialogue.run, action, slots, person, text, who=person)


async def saved_ids(context: ColbotContext) -> frozenset[int]:
    """The opportunities the person saved, read once and kept until they change."""
    person = context.person
    if person.saved_ids is None:
        if person.person_id is None:
            return frozenset()
        ids = await in_store(context, saved_store.saved_ids, person.person_id)
        person.saved_ids = frozenset(ids)
    return person.saved_ids


async def reply(update: Update, context: ColbotContext, messages: list[Message]) -> None:
    """The dialogue's messages, rendered in the person's language, sent to their chat."""
    chat = update.effective_chat
    if chat is None:
        return
    lang = user_language(update, context)
    saved: frozenset[int] = frozenset()
    if any(isinstance(m, ResultList | Details) for m in messages):
        saved = await saved_ids(context)
    for rendered in render_all(messages, lang, saved, context.person.simple):
        await send(context.bot, chat.id, rendered, lang)
    await count_seen(context, messages)


async def count_seen(context: ColbotContext, messages: list[Message]) -> None:
    """Count, for the organisations' numbers, the results a page showed and the details opened:
    after the reply is out (it never waits for this), one statement each, no person in it."""
    day = context.services.clock().date()  # the city's day
    for message in messages:
        if isinstance(message, ResultList):
            metric, ids = usage.SHOWN, [card.id for card in message.cards]
        elif isinstance(message, Details):
            metric, ids = usage.VIEWED, [message.opportunity.id]
        else:
            continue
        try:
            await in_store(context, usage.add_items, day, metric, ids)
        except Exception as error:  # a count lost is better than a person told of a failure
            log.warning("could not count %s: %s", metric, type(error).__name__)


def keyboard_of(rows: list[list[Choice]]) -> InlineKeyboardMarkup:
    """Rendered choices as Telegram's inline buttons: a link opens its address, the others
    call back."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(c.label, url=c.url)
                if c.url
                else InlineKeyboardButton(c.label, callback_data=c.action)
                for c in row
            ]
            for row in rows
        ]
    )


def inline_markup(rendered: Rendered) -> InlineKeyboardMarkup | None:
    return keyboard_of(rendered.choices) if rendered.choices else None


async def send(
    bot: Any, chat_id: int, rendered: Rendered, lang: str, **options: Any
) -> TelegramMessage:
    """One rendered message: a venue, a document (sent as it is: Telegram is told not to guess
    its type, so a PNG stays a file with every chunk, never a recompressed photo), a photo or a
    document Telegram keeps (by its file_id), or HTML text with its buttons."""
    if rendered.document is not None:
        attached = rendered.document
        return await bot.send_document(
            chat_id,
            InputFile(attached.content, filename=attached.file_name),
            caption=rendered.html or None,
            parse_mode=ParseMode.HTML if rendered.html else None,
            reply_markup=inline_markup(rendered),
            disable_content_type_detection=True,
            **options,
        )
    if rendered.kept is not None:
        sending = bot.send_photo if rendered.kept.kind == "photo" else bot.send_document
        return await sending(
            chat_id,
            rendered.kept.file_id,
            caption=rendered.html or None,
            parse_mode=ParseMode.HTML if rendered.html else None,
            reply_markup=inline_markup(rendered),
            **options,
        )
    if rendered.venue is not None:
        view = rendered.venue
        return await bot.send_venue(
            chat_id,
            latitude=view.lat,
            longitude=view.lon,
            title=pick(view.title, lang)[:100] or view.key,
            address=", ".join(p for p in (view.address, view.district) if p) or "-",
            **options,
        )
    return await bot.send_message(
        chat_id,
        rendered.html,
        parse_mode=ParseMode.HTML,
        reply_markup=inline_markup(rendered),
        disable_web_page_preview=True,
        **options,
    )


async def say_plainly(update: Update, context: ColbotContext, text: str, **options: Any) -> None:
    """A short text to the update's chat (nothing when the update has no chat)."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, **options)


def is_admin(update: Update, context: ColbotContext) -> bool:
    """Whether the update comes from one of the platform's administrators (ADMIN_IDS)."""
    user = update.effective_user
    return user is not None and context.services.policy.is_platform_admin(
        Actor.on_telegram(user.id)
    )


def step_by_step(
    name: str,
    entry_points: list[BaseHandler],  # type: ignore[type-arg]
    states: dict[object, list[BaseHandler]],  # type: ignore[type-arg]
    on_cancel: Callable[..., Any],
    on_other_command: Callable[..., Any],
) -> ConversationHandler:  # type: ignore[type-arg]
    """A staff conversation as colbot's are all built: one for each person in each chat, /cancel
    and any other command handled at every step, its own command starting it again. Its buttons
    belong to the person's chat, not to one message (PTB's per_message warning says otherwise)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=entry_points,
            states=states,
            fallbacks=[
                CommandHandler("cancel", on_cancel),
                MessageHandler(filters.COMMAND, on_other_command),
            ],
            per_user=True,
            per_chat=True,
            allow_reentry=True,
            name=name,
        )


def chat_draft(context: ColbotContext, key: str) -> dict[str, Any]:
    """What a conversation keeps of its draft in the chat, under `key` (made empty at first)."""
    return context.chat_data.setdefault(key, {})  # type: ignore[union-attr]
