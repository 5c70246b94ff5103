"""The Telegram application, wired once from the services: handlers by area, one router for
buttons (the table in bot/callbacks.py), a note of who wrote before every update, flood
control, the error handler, and the jobs (reminders to the outbox, the outbox's drainer, which
also delivers badges)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from telegram import BotCommand, Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from badges.claims import code_from_start
from bot.callbacks import Button, Pressed, parse_callback
from bot.i18n import gettext_for
from bot.services import Services
from bot.telegram import (
    announce_chat,
    badge_admin_chat,
    badge_chat,
    follow_chat,
    knowledge,
    language_privacy,
    org_chat,
    outbox,
    post_chat,
    saved,
    search,
    staff_chat,
    stats_chat,
)
from bot.telegram.common import (
    answer_once,
    in_store,
    keyboard_queries,
    say_plainly,
    user_language,
)
from bot.telegram.digests import DIGESTS_EVERY, DIGESTS_JOB, queue_due_digests
from bot.telegram.in_order import PersonInOrder
from bot.telegram.post_persistence import DraftConversations
from bot.telegram.reminders import REMINDERS_EVERY, REMINDERS_JOB, queue_due_reminders
from bot.telegram.staff_menu import MENUS_JOB
from bot.telegram.state import ColbotContext, FrontData, PersonState
from organisations.invites import code_from_start as invitation_code
from store import people

log = logging.getLogger(__name__)

THROTTLE_MESSAGES = 5  # a person may send this many messages …
THROTTLE_SECONDS = 3.0  # … in this many seconds; more are answered once, politely, and dropped
SEEN_EVERY = 3600.0  # seconds between notes that a person is still here

ButtonHandler = Callable[[Update, ColbotContext, Pressed], Awaitable[str | None]]
BUTTONS: dict[Button, ButtonHandler] = {
    Button.DETAILS: search.on_details,
    Button.MAP: search.on_map,
    Button.MORE: search.on_more,
    Button.SAVE: saved.on_save,
    Button.UNSAVE: saved.on_unsave,
    Button.LANGUAGE: language_privacy.on_language_chosen,
    Button.TOPIC: knowledge.on_topic,
    Button.SIMPLE_MENU: knowledge.on_simple_menu_button,
    Button.INTENT: search.on_offer,
    Button.WALLET: badge_chat.on_wallet_page,
    Button.RESEND: badge_chat.on_resend,
    Button.EXPORT: badge_chat.on_export,
    Button.EXPORT_AS: badge_chat.on_export_as,
    Button.HIDE: badge_chat.on_hide,
    Button.SHOW: badge_chat.on_show,
    Button.GIVE_UP: badge_chat.on_give_up,
    Button.GIVE_UP_SURE: badge_chat.on_give_up_sure,
    Button.KEEP: badge_chat.on_keep,
    Button.APPROVE: badge_chat.on_approve,
    Button.REJECT: badge_chat.on_reject,
    Button.FORGET: language_privacy.on_forget_chosen,
    Button.STATS: stats_chat.on_period,
    Button.FOLLOW_LIST: follow_chat.on_list,
    Button.FOLLOW: follow_chat.on_follow_pressed,
    Button.UNFOLLOW: follow_chat.on_unfollow_pressed,
    Button.FOLLOW_ORGANISER: follow_chat.on_follow_organiser,
    Button.NEWS_MODE: follow_chat.on_news_mode,
    Button.STAFF_REMOVE: staff_chat.on_remove,
    Button.STAFF_REMOVE_SURE: staff_chat.on_remove_sure,
    Button.INVITE_CANCEL: staff_chat.on_cancel_invite,
    Button.INVITE_CANCEL_SURE: staff_chat.on_cancel_invite_sure,
    Button.STAFF_KEEP: staff_chat.on_keep,
    Button.STAFF_INVITE: staff_chat.on_invite,
    Button.ACT_FOR: staff_chat.on_act_for,
    Button.BADGES: badge_admin_chat.on_button,
}


async def before_every_update(update: Update, context: ColbotContext) -> None:
    """Runs before every handler: knows the person (our id, their choices, also after a
    restart), notes at most hourly that they wrote (they are active again), and gives a person
    flooding the bot one polite note and no searches."""
    user, person = update.effective_user, context.user_data
    if user is None or person is None:
        return
    now = time.monotonic()
    if person.person_id is None or now - person.seen_at >= SEEN_EVERY:
        found = await in_store(
            context, people.seen, user.id, context.services.clock(), user.language_code
        )
        first = person.person_id is None  # the first update since the bot started
        if first:
            person.language = found.language
            person.simple = found.simple_mode
        person.person_id, person.seen_at = found.id, now
        if first:
            await badge_chat.recall_awaited_evidence(context)
    person.recent = [t for t in person.recent if now - t < THROTTLE_SECONDS] + [now]
    if len(person.recent) <= THROTTLE_MESSAGES:
        person.told_to_slow_down = False
        return
    if not person.told_to_slow_down:
        person.told_to_slow_down = True
        _ = gettext_for(user_language(update, context))
        await say_plainly(
            update,
            context,
            _("That is a lot of messages at once; I will answer the next ones in a moment."),
        )
    if update.callback_query is not None:
        await answer_once(update, context)
    raise ApplicationHandlerStop


async def on_start(update: Update, context: ColbotContext) -> None:
    """/start: a badge's claim link (`badge-<code>`), a staff invitation (`join-<code>`), an
    organisation's follow link (`follow-<slug>`), or a greeting (and a search's deep link)."""
    code = code_from_start(context.args[0]) if context.args else None
    invitation = invitation_code(context.args[0]) if context.args else None
    slug = follow_chat.follow_slug(context.args[0]) if context.args else None
    if code is not None:
        await badge_chat.on_claim(update, context, code)
    elif invitation is not None:
        await staff_chat.on_join(update, context, invitation)
    elif slug is not None:
        await follow_chat.on_follow_link(update, context, slug)
    else:
        await search.on_start(update, context)


async def on_cancel(update: Update, context: ColbotContext) -> None:
    """/cancel: the badge step under way (evidence, a reason) ends; else the location and
    searches are forgotten."""
    if not await badge_chat.cancel(update, context):
        await search.on_cancel(update, context)


async def on_text(update: Update, context: ColbotContext) -> None:
    """A text: a keyboard button of ours, an administrator's reason or a learner's evidence
    that the bot asked for, or a message in the person's own words."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    text = update.effective_message.text or ""
    if text == _("Language / Jezik"):
        await language_privacy.on_language(update, context)
    elif text == _("My badges"):
        await badge_chat.on_mybadges(update, context)
    elif text in keyboard_queries(lang):
        await search.search(update, context, keyboard_queries(lang)[text])
    elif not await answered_as_asked(update, context, lang, text):
        await search.understand_and_answer(update, context, text)


async def answered_as_asked(update: Update, context: ColbotContext, lang: str, text: str) -> bool:
    """A text the bot asked for: a senior menu's button, an administrator's reason for a
    rejection, a learner's evidence for a badge; False when it is none of these."""
    if await knowledge.simple_menu_text(update, context, lang, text):
        return True
    if await badge_chat.take_reason(update, context, text):
        return True
    return await badge_chat.take_evidence(update, context)


async def on_document(update: Update, context: ColbotContext) -> None:
    """A file: evidence the bot asked for, an administrator's knowledge entry, or something the
    bot cannot read."""
    if await badge_chat.take_evidence(update, context):
        return
    if not await knowledge.on_entry_file(update, context):
        await language_privacy.on_other(update, context)


async def on_media(update: Update, context: ColbotContext) -> None:
    """A photo, a sticker, a voice message: evidence the bot asked for (or a word on what it
    asked for), or something it cannot read."""
    if not await badge_chat.take_evidence(update, context):
        await language_privacy.on_other(update, context)


async def on_button(update: Update, context: ColbotContext) -> None:
    """Every button press goes through here: read by the one table, always answered (a button
    from an old message, a forged one or one without a chat gets a polite word)."""
    query = update.callback_query
    pressed = parse_callback(query.data)
    _ = gettext_for(user_language(update, context))
    if pressed is None or update.effective_chat is None:
        await answer_once(update, context, _("This button no longer works. Please search again."))
        return
    note: str | None = None
    try:
        note = await BUTTONS[pressed.button](update, context, pressed)
    finally:
        await answer_once(update, context, note)  # unless a step answered it already


async def person_blocked(context: ColbotContext, person_id: int | None) -> None:
    """Telegram says the person blocked the bot: they are inactive until they write again."""
    if person_id is not None:
        await in_store(context, people.blocked, person_id, context.services.clock())
    log.info("a person blocked the bot; marked inactive")


async def on_error(update: object, context: ColbotContext) -> None:
    error = context.error
    person = context.user_data if isinstance(context.user_data, PersonState) else None
    if isinstance(error, Forbidden) and person is not None:  # the person blocked the bot
        await person_blocked(context, person.person_id)
        person.seen_at = float("-inf")  # their next message reactivates them
        return
    if isinstance(error, RetryAfter | TimedOut | NetworkError):
        log.warning("Telegram did not take a reply (%s) after retries", type(error).__name__)
        return
    log.error("handling an update failed: %s", type(error).__name__, exc_info=error)
    if isinstance(update, Update) and update.effective_chat:
        _ = gettext_for(user_language(update, context))
        try:
            await say_plainly(
                update, context, _("Sorry, something went wrong on my side. Please try again.")
            )
        except Exception:
            log.warning("could not tell the person about the failure")


def commands(lang: str) -> list[BotCommand]:
    _ = gettext_for(lang)
    return [
        BotCommand("start", _("Start over")),
        BotCommand("help", _("What I can do")),
        BotCommand("near", _("Find something near me")),
        BotCommand("language", _("Change the language")),
        BotCommand("simple", _("Big buttons, one step at a time")),
        BotCommand("saved", _("My saved opportunities")),
        BotCommand("mybadges", _("My badges")),
        BotCommand("follow", _("Follow topics, districts, organisations")),
        BotCommand("following", _("What I follow, and how I hear of it")),
        BotCommand("email", _("My e-mail address for badges")),
        BotCommand("cancel", _("Forget my location and searches")),
        BotCommand("mydata", _("What you store about me")),
        BotCommand("delete", _("Delete what you store about me")),
        BotCommand("forget", _("Delete what you store about me")),  # the same as /delete
    ]


async def post_init(application: Application) -> None:
    await outbox.start(application.bot_data.outbox)
    for lang in application.bot_data.services.city.languages:
        await application.bot.set_my_commands(commands(lang), language_code=lang)


async def post_shutdown(application: Application) -> None:
    await outbox.stop(application.bot_data.outbox)
    await application.bot_data.workers.shutdown()


def build_application(services: Services) -> Application:
    """The bot over `services` (its knowledge base is embedded now, then cached on disk)."""
    services.knowledge.matcher  # noqa: B018 - embedded now, not at a question
    base = services.settings.telegram_base_url.rstrip("/")
    base_file = base.removesuffix("/bot") + "/file/bot"
    token = services.settings.telegram_bot_token or ""
    context_types = ContextTypes(context=ColbotContext, bot_data=FrontData, user_data=PersonState)
    sender = outbox.make_sender(token, base, base_file, services.settings.outbox_rate)
    application = (
        Application.builder()
        .token(token)
        .base_url(base)
        .base_file_url(base_file)
        .context_types(context_types)
        .rate_limiter(outbox.SharedPaceLimiter(sender.pacer))  # replies and outbox: one pace
        .concurrent_updates(PersonInOrder())  # people do not wait for each other; each
        # person's updates are handled in the order they sent them
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .persistence(DraftConversations(services.posts))  # /post after a restart
        .build()
    )
    application.bot_data.services = services
    application.bot_data.outbox = sender
    add = application.add_handler
    add(TypeHandler(Update, before_every_update), group=-1)
    add(CommandHandler(["delete", "forget"], language_privacy.on_delete), group=-2)
    post_chat.add_to(application)  # before the rest: an editor's answers are not searches
    add(announce_chat.conversation())  # before the others: its steps take texts and files
    add(badge_admin_chat.conversation())  # /badges: its steps take texts, files, people
    add(org_chat.conversation())  # /neworg: its steps take texts
    add(CommandHandler("start", on_start))
    add(CommandHandler("help", language_privacy.on_help))
    add(CommandHandler("language", language_privacy.on_language))
    add(CommandHandler("near", search.on_near))
    add(CommandHandler("cancel", on_cancel))
    add(CommandHandler("mydata", language_privacy.on_mydata))
    add(CommandHandler("saved", saved.on_saved))
    add(CommandHandler("mybadges", badge_chat.on_mybadges))
    add(CommandHandler("follow", follow_chat.on_follow))
    add(CommandHandler("following", follow_chat.on_following))
    add(CommandHandler("email", badge_chat.on_email))
    add(CommandHandler("reviews", badge_chat.on_reviews))
    add(CommandHandler("staff", staff_chat.on_staff))
    add(CommandHandler("org", staff_chat.on_org))
    add(CommandHandler("followlink", org_chat.on_followlink))
    add(CommandHandler("simple", knowledge.on_simple))
    add(CommandHandler("kb", knowledge.on_kb))
    for handler in announce_chat.list_handlers():
        add(handler)
    add(CommandHandler("stats", stats_chat.on_stats))
    add(MessageHandler(filters.COMMAND, language_privacy.on_unknown_command))
    add(MessageHandler(filters.Document.ALL, on_document))
    add(MessageHandler(filters.LOCATION, search.on_location))
    add(MessageHandler(filters.TEXT, on_text))
    add(CallbackQueryHandler(on_button))
    add(MessageHandler(~filters.TEXT & ~filters.LOCATION, on_media))
    application.add_error_handler(on_error)
    if application.job_queue is None:  # pragma: no cover - the job-queue extra is a dependency
        log.warning("no job queue (python-telegram-bot[job-queue]): the outbox is not sent")
    else:
        application.job_queue.run_repeating(
            queue_due_reminders, REMINDERS_EVERY, first=REMINDERS_EVERY, name=REMINDERS_JOB
        )
        application.job_queue.run_repeating(
            queue_due_digests, DIGESTS_EVERY, first=DIGESTS_EVERY, name=DIGESTS_JOB
        )
        application.job_queue.run_repeating(
            announce_chat.announcements_job,
            announce_chat.ANNOUNCE_EVERY,
            first=announce_chat.ANNOUNCE_EVERY,
            name=announce_chat.ANNOUNCE_JOB,
            data={},  # what each progress message shows now
        )
        application.job_queue.run_repeating(
            outbox.drain_outbox,
            outbox.DRAIN_EVERY,
            first=outbox.DRAIN_EVERY,
            name=outbox.OUTBOX_JOB,
            # a run still sending (a slow answer) lets the next one start and return at once,
            # instead of the scheduler skipping it with a warning
            job_kwargs={"max_instances": 2},
        )
        application.job_queue.run_repeating(  # staff menus: at the start, then to keep them so
            staff_chat.keep_menus,
            staff_chat.MENUS_EVERY,
            first=0,
            name=MENUS_JOB,
            data={},
        )
    return application
