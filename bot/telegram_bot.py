"""The Telegram front: a python-telegram-bot Application whose handlers only translate between
Telegram and the actions; bot/cards.py words every reply in the user's language."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from actions.catalogue_actions import (
    ActionDetails,
    ActionMoreResults,
    ActionSearch,
    ActionShowOnMap,
)
from actions.messages import Details, Message, Notice, ResultList
from actions.policy import respond
from actions.runtime import (
    Clock,
    catalogue,
    configure,
    configure_knowledge,
    make_tracker,
    now,
    run_action,
)
from actions.saved_actions import (
    ActionListSaved,
    ActionRemoveSaved,
    ActionSaveOpportunity,
    reminders_due,
)
from bot.cards import Rendered, pick, render, render_all, toast, toggled_choice
from bot.cli import make_knowledge
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, format_day, gettext_for, ngettext_for
from bot.settings import Settings
from bot.telegram_knowledge import (
    on_entry_file,
    on_kb,
    on_knowledge_callback,
    show_simple_menu,
    simple_menu_text,
    simple_slots,
)
from index.service import CatalogueService
from nlu.factory import make_interpreter
from nlu.interpretation import Interpreter
from store import chat_users
from store import saved as saved_store

log = logging.getLogger(__name__)
T = TypeVar("T")
KEPT_SEARCHES = 20
REMINDERS_JOB = "reminders"
REMINDERS_EVERY = 60.0  # seconds between looks for reminders that are due
# Actions touch the index and the database: one at a time, off the event loop.
_ACTIONS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="actions")


def user_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The language the user chose, else Slovenian for a Slovenian Telegram, else English."""
    chosen = context.user_data.get("lang") if context.user_data is not None else None
    if chosen in LANGUAGES:
        return chosen
    user = update.effective_user
    return "sl" if user and (user.language_code or "").startswith("sl") else "en"


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


async def call(action: Any, slots: dict[str, Any], sender: str, text: str = "") -> list[Message]:
    loop = asyncio.get_running_loop()
    tracker = make_tracker(sender, slots, text)
    messages, _events = await loop.run_in_executor(_ACTIONS, run_action, action, tracker)
    return messages


async def reply(
    update: Update, context: ContextTypes.DEFAULT_TYPE, messages: list[Message]
) -> None:
    lang = user_language(update, context)
    chat_id = update.effective_chat.id
    saved: frozenset[int] = frozenset()
    if update.effective_user and any(isinstance(m, ResultList | Details) for m in messages):
        saved = await saved_ids(update, context)
    for rendered in render_all(messages, lang, saved):
        await send(context, chat_id, rendered, lang)


SAVED_IDS = "saved_ids"  # user_data: what the person saved, until they save or remove again


async def saved_ids(update: Update, context: ContextTypes.DEFAULT_TYPE) -> frozenset[int]:
    """The opportunities the person saved, read once and kept until they change: a read per
    result list would queue behind every search on the actions' thread."""
    cached = context.user_data.get(SAVED_IDS) if context.user_data is not None else None
    if cached is None:
        cached = frozenset(await in_store(saved_store.saved_ids, update.effective_user.id))
        if context.user_data is not None:
            context.user_data[SAVED_IDS] = cached
    return cached


async def send(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, rendered: Rendered, lang: str
) -> None:
    if rendered.venue is not None:
        view = rendered.venue
        await context.bot.send_venue(
            chat_id,
            latitude=view.lat,
            longitude=view.lon,
            title=pick(view.title, lang)[:100] or view.key,
            address=", ".join(p for p in (view.address, view.district) if p) or "-",
        )
        return
    markup = (
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(c.label, callback_data=c.action) for c in row]
                for row in rendered.choices
            ]
        )
        if rendered.choices
        else None
    )
    await context.bot.send_message(
        chat_id,
        rendered.html,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        disable_web_page_preview=True,
    )


def remember_search(
    context: ContextTypes.DEFAULT_TYPE, messages: list[Message], slots: dict[str, Any]
) -> None:
    searches: dict[str, dict[str, Any]] = context.user_data.setdefault("searches", {})
    for message in messages:
        search_id = getattr(message, "search_id", None)
        if search_id:
            searches.pop(search_id, None)
            searches[search_id] = slots
            while len(searches) > KEPT_SEARCHES:
                searches.pop(next(iter(searches)))


def location_slots(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    """The location the person shared, as the actions' slots."""
    near = context.user_data.get("near")
    return {"near_lat": near[0], "near_lon": near[1]} if near else {}


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    slots: dict[str, Any] = {"query": text, **location_slots(context)}
    messages = await call(ActionSearch(), slots, str(update.effective_chat.id), text)
    remember_search(context, messages, slots)
    await reply(update, context, messages)


# ---- throttling -------------------------------------------------------------------------
THROTTLE_MESSAGES = 5  # a person may send this many messages …
THROTTLE_SECONDS = 3.0  # … in this many seconds; more are answered once, politely, and dropped
SEEN_EVERY = 3600.0  # seconds between notes that a person is still here


async def in_store(function: Callable[..., T], *args: Any) -> T:
    """Run `function(session, *args)` in one unit of work, off the event loop."""

    def work() -> T:
        with catalogue().database.session() as session:
            return function(session, *args)

    return await asyncio.get_running_loop().run_in_executor(_ACTIONS, work)


async def before_every_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: notes that the person wrote (they are active), and gives a
    person flooding the bot one polite note and no searches."""
    if update.effective_user is None or context.user_data is None:
        return
    now = time.monotonic()
    if now - context.user_data.get("seen_at", -SEEN_EVERY) >= SEEN_EVERY:  # a write an hour at most
        await in_store(chat_users.seen, update.effective_user.id, context.user_data.get("lang"))
        context.user_data["seen_at"] = now
    recent = [t for t in context.user_data.get("recent", []) if now - t < THROTTLE_SECONDS]
    recent.append(now)
    context.user_data["recent"] = recent
    if len(recent) <= THROTTLE_MESSAGES:
        context.user_data.pop("told_to_slow_down", None)
        return
    if not context.user_data.get("told_to_slow_down") and update.effective_chat:
        context.user_data["told_to_slow_down"] = True
        _ = gettext_for(user_language(update, context))
        await context.bot.send_message(
            update.effective_chat.id,
            _("That is a lot of messages at once; I will answer the next ones in a moment."),
        )
    raise ApplicationHandlerStop


# ---- handlers ---------------------------------------------------------------------------
async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await update.effective_message.reply_text(
        _("Hello! I am colbot, the City of Learning bot.")
        + "\n"
        + _(
            "Write what you would like to learn and I will find courses, workshops and clubs near you."
        ),
        reply_markup=main_keyboard(lang),
    )
    if context.args:  # deep link: t.me/<bot>?start=robotika-siska
        await search(update, context, " ".join(context.args).replace("-", " ").replace("_", " "))


async def on_simple(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Big clear buttons, one step at a time: the mode for seniors."""
    await show_simple_menu(update, context, user_language(update, context))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, context, [Notice("help")])


async def on_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ = gettext_for(user_language(update, context))
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Slovenščina", callback_data="lang:sl"),
                InlineKeyboardButton("English", callback_data="lang:en"),
            ]
        ]
    )
    await update.effective_message.reply_text(_("Choose a language:"), reply_markup=markup)


async def on_near(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await update.effective_message.reply_text(
        _("Share your location with the 📍 button and I will show what is nearest."),
        reply_markup=main_keyboard(lang),
    )


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.user_data.pop("near", None)
    context.user_data.pop("searches", None)
    _ = gettext_for(user_language(update, context))
    await update.effective_message.reply_text(
        _("Done: I have forgotten your location and searches.")
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    text = update.effective_message.text or ""
    if text == _("Language / Jezik"):
        await on_language(update, context)
        return
    if text in keyboard_queries(lang):
        await search(update, context, keyboard_queries(lang)[text])
        return
    if await simple_menu_text(update, context, lang, text):
        return
    interpreter: Interpreter = context.application.bot_data["interpreter"]
    slots = {**location_slots(context), **simple_slots(context)}
    loop = asyncio.get_running_loop()
    sender = str(update.effective_chat.id)

    def understand_and_respond() -> list[Message]:
        return respond(interpreter.parse(text), slots, sender)

    messages = await loop.run_in_executor(_ACTIONS, understand_and_respond)
    remember_search(context, messages, {"query": text, **slots})
    await reply(update, context, messages)


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    location = update.effective_message.location
    context.user_data["near"] = (location.latitude, location.longitude)
    await search(update, context, "")


async def on_save_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, save: bool, opportunity_id: int
) -> None:
    """⭐ saves an opportunity (and says when the reminder comes), 🗑 removes it; the pressed
    button turns into the other one. Pressing ⭐ on what is saved already says so."""
    query = update.callback_query
    lang = user_language(update, context)
    action = ActionSaveOpportunity() if save else ActionRemoveSaved()
    slots = {"opportunity_id": opportunity_id, "user_language": lang}
    messages = await call(action, slots, str(update.effective_user.id))
    context.user_data.pop(SAVED_IDS, None)
    await query.answer(toast(messages[0], lang) if messages else None)
    saved = bool(messages) and isinstance(messages[0], Notice) and messages[0].code == "saved"
    if save and not saved:  # no longer in the catalogue: the toast said so
        return
    await show_saved_state(query, opportunity_id, saved, lang)
    if saved:
        await reply(update, context, messages)


async def show_saved_state(query: Any, opportunity_id: int, saved: bool, lang: str) -> None:
    """Turn the pressed message's save button for `opportunity_id` into ⭐ or 🗑."""
    markup = getattr(query.message, "reply_markup", None)
    if not isinstance(markup, InlineKeyboardMarkup):
        return
    ours = {f"sav:{opportunity_id}", f"uns:{opportunity_id}"}
    changed = False
    rows = []
    for row in markup.inline_keyboard:
        buttons = []
        for button in row:
            if button.callback_data in ours:
                choice = toggled_choice(button.text, opportunity_id, saved, lang)
                changed = changed or choice.action != button.callback_data
                button = InlineKeyboardButton(choice.label, callback_data=choice.action)
            buttons.append(button)
        rows.append(buttons)
    if not changed:
        return
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
    except BadRequest as error:  # the message is too old to edit, or was edited meanwhile
        log.info("could not update a save button: %s", error.message)


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    kind, _sep, rest = (query.data or "").partition(":")
    if kind in ("sav", "uns") and rest.isdigit():
        await on_save_button(update, context, kind == "sav", int(rest))
        return
    await query.answer()
    sender = str(update.effective_chat.id)
    if kind in ("kb", "simple"):
        await on_knowledge_callback(update, context, kind, rest)
        return
    if kind == "lang" and rest in LANGUAGES:
        context.user_data["lang"] = rest
        _ = gettext_for(rest)
        await context.bot.send_message(
            update.effective_chat.id,
            _("I will write in English."),
            reply_markup=main_keyboard(rest),
        )
        return
    if kind == "more":
        search_id, _sep, offset = rest.partition(":")
        slots = dict(context.user_data.get("searches", {}).get(search_id) or {})
        if not slots:
            _ = gettext_for(user_language(update, context))
            await context.bot.send_message(
                update.effective_chat.id, _("That search has expired; please search again.")
            )
            return
        slots["search_offset"] = int(offset) if offset.isdigit() else 0
        await reply(update, context, await call(ActionMoreResults(), slots, sender))
        return
    if kind in ("det", "map") and rest.isdigit():
        action = ActionDetails() if kind == "det" else ActionShowOnMap()
        await reply(update, context, await call(action, {"opportunity_id": int(rest)}, sender))


async def on_saved(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    messages = await call(ActionListSaved(), {}, str(update.effective_user.id))
    await reply(update, context, messages)


async def send_due_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating job: each reminder whose time has come goes out once. One that Telegram
    does not take is kept for the next run; a person who blocked the bot is marked inactive
    and gets it if they come back before the opportunity starts."""
    moment = now()
    due = await asyncio.get_running_loop().run_in_executor(_ACTIONS, reminders_due, moment)
    for reminder in due:
        person, opportunity_id = reminder.telegram_id, reminder.opportunity_id
        if not await in_store(saved_store.mark_reminded, person, opportunity_id, moment):
            continue  # another run sent it
        lang = reminder.language if reminder.language in LANGUAGES else DEFAULT_LANGUAGE
        try:
            for rendered in render(reminder.message, lang):
                await send(context, person, rendered, lang)
        except Forbidden:
            await person_blocked(context.application.user_data.get(person), person)
            await in_store(saved_store.release_reminder, person, opportunity_id)
            log.info("their reminder is kept for when they come back")
        except BadRequest as error:  # e.g. the chat is gone: sending again would not help
            log.warning("Telegram refused a reminder (%s); not sent again", error.message)
        except (RetryAfter, TimedOut, NetworkError) as error:
            await in_store(saved_store.release_reminder, person, opportunity_id)
            log.warning("a reminder did not reach Telegram (%s); next run", type(error).__name__)
        except Exception:
            await in_store(saved_store.release_reminder, person, opportunity_id)
            raise


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ = gettext_for(user_language(update, context))
    await update.effective_message.reply_text(
        _(
            "I can read text and locations. Write what you would like to learn, or share your location."
        )
    )


async def on_mydata(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    stored = await in_store(chat_users.stored_about, update.effective_user.id)
    if stored is None:
        await update.effective_message.reply_text(_("I store nothing about you."))
        return
    lines = [
        _(
            "What I store about you: your Telegram number (to answer you), your language ({language}), "
            "since {since}, last message {seen}. No names and no messages."
        ).format(
            language=stored.language or "-",
            since=format_day(stored.since, lang),
            seen=format_day(stored.last_seen, lang),
        )
    ]
    if stored.saved:
        ngettext = ngettext_for(lang)
        lines.append(
            ngettext(
                "You have saved {n} opportunity; I keep it to remind you.",
                "You have saved {n} opportunities; I keep them to remind you.",
                stored.saved,
            ).format(n=stored.saved)
        )
    lines.append(_("/delete deletes it."))
    await update.effective_message.reply_text("\n".join(lines))


async def on_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await in_store(chat_users.forget, update.effective_user.id)
    context.user_data.clear()
    await update.effective_message.reply_text(
        _("I have deleted everything I stored about you. If you write again, I start afresh.")
    )
    raise ApplicationHandlerStop  # nothing else may store them again for this update


async def person_blocked(user_data: dict[str, Any] | None, telegram_id: int) -> None:
    """Telegram says the person blocked the bot: they are inactive until they write again."""
    await in_store(chat_users.blocked, telegram_id)
    if user_data is not None:
        user_data.pop("seen_at", None)  # their next message reactivates them
    log.info("a user blocked the bot; marked inactive")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(error, Forbidden) and chat is not None:  # the person blocked the bot
        await person_blocked(context.user_data, chat.id)
        return
    if isinstance(error, RetryAfter | TimedOut | NetworkError):
        log.warning("Telegram did not take a reply (%s) after retries", type(error).__name__)
        return
    log.error("handling an update failed: %s", type(error).__name__, exc_info=error)
    if isinstance(update, Update) and update.effective_chat:
        _ = gettext_for(user_language(update, context))
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                _("Sorry, something went wrong on my side. Please try again."),
            )
        except Exception:
            log.warning("could not tell the user about the failure")


async def set_commands(application: Application) -> None:
    for lang in LANGUAGES:
        _ = gettext_for(lang)
        await application.bot.set_my_commands(
            [
                BotCommand("start", _("Start over")),
                BotCommand("help", _("What I can do")),
                BotCommand("near", _("Find something near me")),
                BotCommand("language", _("Change the language")),
                BotCommand("simple", _("Big buttons, one step at a time")),
                BotCommand("saved", _("My saved opportunities")),
                BotCommand("cancel", _("Forget my location and searches")),
                BotCommand("mydata", _("What you store about me")),
                BotCommand("delete", _("Delete what you store about me")),
            ],
            language_code=lang,
        )


def build_application(
    settings: Settings,
    service: CatalogueService,
    interpreter: Interpreter | None = None,
    clock: Clock | None = None,
) -> Application:
    """The bot; `clock` (the service's by default) is the time its actions and reminders read."""
    clock = clock or service.clock
    configure(service, clock)
    knowledge_base = make_knowledge(settings, service)
    knowledge_base.matcher  # noqa: B018 - embedded now (then cached on disk), not at a question
    configure_knowledge(knowledge_base)
    if interpreter is None:
        interpreter = make_interpreter(settings, service.embedder, clock)
    base = settings.telegram_base_url.rstrip("/")
    application = (
        Application.builder()
        .token(settings.telegram_bot_token or "")
        .base_url(base)
        .base_file_url(base.removesuffix("/bot") + "/file/bot")
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)  # people do not wait for each other; actions still queue
        .post_init(set_commands)
        .build()
    )
    application.bot_data["interpreter"] = interpreter
    application.bot_data["admin_ids"] = settings.admin_ids
    application.add_handler(TypeHandler(Update, before_every_update), group=-1)
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("help", on_help))
    application.add_handler(CommandHandler("language", on_language))
    application.add_handler(CommandHandler("near", on_near))
    application.add_handler(CommandHandler("cancel", on_cancel))
    application.add_handler(CommandHandler("mydata", on_mydata))
    application.add_handler(CommandHandler("saved", on_saved))
    application.add_handler(CommandHandler("delete", on_delete), group=-2)
    application.add_handler(CommandHandler("simple", on_simple))
    application.add_handler(CommandHandler("kb", on_kb))
    entry_files = filters.Document.FileExtension("yaml") | filters.Document.FileExtension("yml")
    application.add_handler(MessageHandler(entry_files, on_entry_file))
    application.add_handler(MessageHandler(filters.LOCATION, on_location))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(MessageHandler(~filters.TEXT & ~filters.LOCATION, on_other))
    application.add_error_handler(on_error)
    if application.job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        log.warning("no job queue (python-telegram-bot[job-queue]): reminders are not sent")
    else:
        application.job_queue.run_repeating(
            send_due_reminders, REMINDERS_EVERY, first=REMINDERS_EVERY, name=REMINDERS_JOB
        )
    return application
