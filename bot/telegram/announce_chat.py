"""Announcements in the chat: `/announce`, a guided conversation for an organisation's
administrator (the message, a second language, a link, the audience — a button with what each
reaches, or a topic's or a district's name typed —, the preview as followers will see it, then
send now, schedule or cancel; /cancel leaves at any step); `/announcements`, the latest with
their counts and cancel and withdraw buttons; and the job that queues what is due and edits each
running announcement's one progress message. The use cases (organisations/announcing.py) decide
everything; here is only the talking."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from access.policy import Actor, Capability, Refused
from bot.announcement_cards import announcement_card
from bot.follow_cards import shown, topic_names
from bot.i18n import format_when, gettext_for, ngettext_for
from bot.telegram.common import chat_draft, language_of, send, step_by_step, user_language
from bot.telegram.privileged import actor_of, privileged, refuse
from bot.telegram.state import ColbotContext
from organisations.acting import ActingFor
from organisations.announcing import (
    LANGUAGES,
    OPEN,
    WITHDRAWABLE,
    AnnouncementView,
    Audience,
    Content,
    Counts,
    Invalid,
    check_link,
    telegram_length,
)
from organisations.following import DISTRICT

log = logging.getLogger(__name__)

WRITING, OTHER_LANGUAGE, LINK, AUDIENCE, CONFIRM, WHEN = range(6)
ANNOUNCE_JOB = "announcements"
ANNOUNCE_EVERY = 5.0  # seconds: what is due is queued, and progress shown, this often
DRAFT_KEY = "announce"  # the conversation's answers so far, in the chat's data
TIME_FORMATS = ("%d.%m.%Y %H:%M", "%d. %m. %Y %H:%M", "%Y-%m-%d %H:%M")
SKIP, SEND_NOW, LATER, STOP = "ann:skip", "ann:now", "ann:later", "ann:stop"
CANCEL_PREFIX, WITHDRAW_PREFIX = "anc:", "anw:"
TYPED_SHOWN = 60  # characters of a typed audience that is none, said back


# ---- the conversation ----------------------------------------------------------------------
def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """/announce, step by step; /cancel leaves at any step."""
    return _conversation(~filters.COMMAND & ~filters.TEXT)


def _conversation(other: filters.BaseFilter) -> ConversationHandler:  # type: ignore[type-arg]
    return step_by_step(
        "announce",
        [CommandHandler("announce", on_announce)],
        {
            WRITING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_written),
                MessageHandler(filters.PHOTO | filters.Document.ALL, on_file),
                MessageHandler(other, on_not_text),
            ],
            OTHER_LANGUAGE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_other_language),
                CallbackQueryHandler(on_skip_language, pattern=f"^{SKIP}$"),
                MessageHandler(other, on_not_text),
            ],
            LINK: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_link),
                CallbackQueryHandler(on_skip_link, pattern=f"^{SKIP}$"),
                MessageHandler(other, on_not_text),
            ],
            AUDIENCE: [
                CallbackQueryHandler(on_audience, pattern=r"^ann:aud:\d+$"),
                MessageHandler(~filters.COMMAND, on_audience_typed),
            ],
            CONFIRM: [
                CallbackQueryHandler(on_send_now, pattern=f"^{SEND_NOW}$"),
                CallbackQueryHandler(on_later, pattern=f"^{LATER}$"),
                CallbackQueryHandler(on_stop, pattern=f"^{STOP}$"),
                MessageHandler(~filters.COMMAND, on_confirm_typed),
            ],
            WHEN: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, on_when),
                MessageHandler(other, on_not_text),
            ],
        },
        on_cancel,
        on_other_command,
    )


def _draft(context: ColbotContext) -> dict[str, Any]:
    return chat_draft(context, DRAFT_KEY)


def _languages(lang: str) -> tuple[str, str]:
    """The admin's language first, the other second."""
    first = lang if lang in LANGUAGES else LANGUAGES[0]
    return first, next(other for other in LANGUAGES if other != first)


def _language_name(code: str, lang: str) -> str:
    _ = gettext_for(lang)
    return _("Slovenian") if code == "sl" else _("English")


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    if message is not None:
        await message.get_bot().send_message(
            message.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )


def _skip_button(lang: str) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    return InlineKeyboardMarkup([[InlineKeyboardButton(_("Skip"), callback_data=SKIP)]])


@privileged(Capability.ANNOUNCE)
async def on_announce(update: Update, context: ColbotContext, acting: ActingFor) -> int:
    """/announce: who it is for, and the first question."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    first, _other = _languages(lang)
    context.chat_data[DRAFT_KEY] = {"org": acting.organisation_id, "first": first, "texts": {}}  # type: ignore[index]
    limit = await context.workers.storing(
        context.services.announcements.text_limit, acting.organisation_id, False
    )
    await _say(
        update,
        _(
            "A new announcement from <b>{organisation}</b> to its followers.\n\n"
            "Write the message in {language} (up to {limit} characters), or send a photo or a "
            "file with the message as its caption. /cancel stops at any step."
        ).format(
            organisation=escape(acting.name),
            language=_language_name(first, lang),
            limit=limit,
        ),
    )
    return WRITING


async def _too_long(update: Update, context: ColbotContext, text: str, photo: bool) -> bool:
    """Says so when `text` is over what the message may hold; whether it was."""
    lang = user_language(update, context)
    limit = await context.workers.storing(
        context.services.announcements.text_limit, _draft(context)["org"], photo
    )
    if telegram_length(text) <= limit:
        return False
    _ = gettext_for(lang)
    await _say(
        update,
        _(
            "That is {length} characters; a message may have at most {limit} here. Please "
            "shorten it and send it again."
        ).format(length=telegram_length(text), limit=limit),
    )
    return True


async def on_written(update: Update, context: ColbotContext) -> int:
    draft = _draft(context)
    text = update.effective_message.text or ""
    has_file = bool(draft.get("photo") or draft.get("document"))
    if await _too_long(update, context, text, has_file):
        return WRITING
    draft["texts"][draft["first"]] = text
    return await _ask_other_language(update, context)


async def on_file(update: Update, context: ColbotContext) -> int:
    """A photo or a file: kept by Telegram's file_id; its caption is the message."""
    draft = _draft(context)
    message = update.effective_message
    lang = user_language(update, context)
    _ = gettext_for(lang)
    if message.photo:
        draft["photo"], draft["document"] = message.photo[-1].file_id, None
    elif message.document:
        draft["document"], draft["photo"] = message.document.file_id, None
    caption = message.caption or ""
    if not caption:
        await _say(update, _("Now write the message to go with it."))
        return WRITING
    if await _too_long(update, context, caption, True):
        return WRITING
    draft["texts"][draft["first"]] = caption
    return await _ask_other_language(update, context)


async def on_not_text(update: Update, context: ColbotContext) -> None:
    """A sticker, a voice message … where the bot asked for text: said, and asked again."""
    _ = gettext_for(user_language(update, context))
    await _say(update, _("I can only use text here. Please write it, or /cancel."))


async def on_other_command(update: Update, context: ColbotContext) -> None:
    _ = gettext_for(user_language(update, context))
    await _say(update, _("You are writing an announcement: finish it, or /cancel first."))


async def _ask_other_language(update: Update, context: ColbotContext) -> int:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    _first, other = _languages(_draft(context)["first"])
    await _say(
        update,
        _("Add a version in {language}? Write it, or press Skip.").format(
            language=_language_name(other, lang)
        ),
        _skip_button(lang),
    )
    return OTHER_LANGUAGE


async def on_other_language(update: Update, context: ColbotContext) -> int:
    draft = _draft(context)
    text = update.effective_message.text or ""
    has_file = bool(draft.get("photo") or draft.get("document"))
    if await _too_long(update, context, text, has_file):
        return OTHER_LANGUAGE
    _first, other = _languages(draft["first"])
    draft["texts"][other] = text
    return await _ask_link(update, context)


async def on_skip_language(update: Update, context: ColbotContext) -> int:
    await update.callback_query.answer()
    return await _ask_link(update, context)


async def _ask_link(update: Update, context: ColbotContext) -> int:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await _say(update, _("Add a link (https://…)? Write it, or press Skip."), _skip_button(lang))
    return LINK


async def on_link(update: Update, context: ColbotContext) -> int:
    _ = gettext_for(user_language(update, context))
    link = (update.effective_message.text or "").strip()
    try:
        check_link(link)
    except Invalid:
        await _say(
            update,
            _("That is not a web address. Write one like https://example.org, or press Skip."),
        )
        return LINK
    _draft(context)["link"] = link
    return await _ask_audience(update, context)


async def on_skip_link(update: Update, context: ColbotContext) -> int:
    await update.callback_query.answer()
    return await _ask_audience(update, context)


def audience_label(name: str, lang: str, districts: Mapping[str, str] | None = None) -> str:
    """An audience ("followers", "topic:T", "district:D") as people read it: a topic by its name
    in `lang`, a district as the city writes it (`districts`: its key as follows keep it → its
    name), else as kept, with a capital."""
    _ = gettext_for(lang)
    kind, _sep, key = name.partition(":")
    if kind == "topic":
        topic = topic_names(lang).get(key, key)
        return _("Followers of the topic {topic}").format(topic=topic[:1].upper() + topic[1:])
    if kind == "district":
        district = (districts or {}).get(key) or key[:1].upper() + key[1:]
        return _("Followers of the district {district}").format(district=district)
    return _("The organisation's followers")


async def district_names(context: ColbotContext) -> dict[str, str]:
    """The city's districts: their keys as follows keep them → their names."""
    found = await context.workers.storing(context.services.follows.followables, DISTRICT)
    return {district.stored: district.name for district in found}


def _use_the_buttons(update: Update, context: ColbotContext) -> str:
    _ = gettext_for(user_language(update, context))
    return _("Please answer with one of the buttons, or /cancel.")


async def on_audience_typed(update: Update, context: ColbotContext) -> int:
    """A topic's or a district's name typed where the bot asked for the audience: taken, as its
    button would be (organisations.following's `named`: any case, any accents, a topic also by
    its name in either language). Another text, a photo …: said, and asked again."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    message = update.effective_message
    text = (message.text or "").strip() if message is not None else ""
    if not text:
        return await _ask_audience(update, context, _use_the_buttons(update, context))
    names = [topic_names(code) for code in LANGUAGES]
    found = await context.workers.storing(context.services.follows.named, text, names)
    if found is None:
        typed = text if len(text) <= TYPED_SHOWN else text[:TYPED_SHOWN] + "…"
        lead = _("“{name}” is neither a topic nor a district here.").format(name=escape(typed))
        return await _ask_audience(update, context, lead)
    label = audience_label(f"{found.kind}:{shown(found, lang)}", lang)
    return await _compose(update, context, Audience(found.kind, found.stored).name, label)


async def _ask_audience(update: Update, context: ColbotContext, lead: str = "") -> int:
    """Who should get it, each audience a button with how many it reaches (`lead` above)."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    draft = _draft(context)
    actor = actor_of(update)
    service = context.services.announcements
    try:
        choices = await context.workers.storing(service.audiences, actor, draft["org"])
    except Refused:
        await refuse(update, context)
        return ConversationHandler.END
    draft["audiences"] = [audience.name for audience, _n in choices]
    districts = await district_names(context)
    rows = [
        [
            InlineKeyboardButton(
                f"{audience_label(audience.name, lang, districts)} ({n})",
                callback_data=f"ann:aud:{i}",
            )
        ]
        for i, (audience, n) in enumerate(choices)
    ]
    question = "\n".join(
        [_("Who should get it?"), _("You may also type the name of a topic or a district.")]
    )
    await _say(update, f"{lead}\n\n{question}" if lead else question, InlineKeyboardMarkup(rows))
    return AUDIENCE


async def on_audience(update: Update, context: ColbotContext) -> int:
    """The audience chosen by its button."""
    query = update.callback_query
    await query.answer()
    index = int(query.data.rsplit(":", 1)[1])
    audiences = _draft(context).get("audiences") or []
    if index >= len(audiences):
        return AUDIENCE
    return await _compose(update, context, audiences[index])


async def _compose(update: Update, context: ColbotContext, audience: str, lead: str = "") -> int:
    """The draft is made for `audience` ("followers", "topic:T", "district:D") and previewed as
    followers will see it; then send now, schedule or cancel (`lead` above the question)."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    draft = _draft(context)
    content = Content(draft["texts"], draft.get("photo"), draft.get("document"), draft.get("link"))
    service = context.services.announcements
    try:
        view = await context.workers.storing(
            service.compose, actor_of(update), draft["org"], content, audience
        )
    except Refused:
        await refuse(update, context)
        return ConversationHandler.END
    except Invalid as problem:
        await _say(update, invalid_text(problem, lang))
        context.chat_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        return ConversationHandler.END
    draft["id"], draft["reach"] = view.id, view.recipients
    card = await context.workers.storing(service.preview, actor_of(update), view.id)
    chat_id = update.effective_chat.id
    await _say(update, _("This is how your followers will see it:"))
    for reader in [code for code in LANGUAGES if code in content.texts]:
        await send(context.bot, chat_id, announcement_card(card, reader), reader)
    return await _ask_confirm(update, context, lead)


async def _ask_confirm(update: Update, context: ColbotContext, lead: str = "") -> int:
    """How many it reaches, and send now, schedule or cancel (`lead` above)."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    recipients = int(_draft(context).get("reach") or 0)
    buttons = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Send now"), callback_data=SEND_NOW)],
            [InlineKeyboardButton(_("Schedule"), callback_data=LATER)],
            [InlineKeyboardButton(_("Cancel"), callback_data=STOP)],
        ]
    )
    ngettext = ngettext_for(lang)
    reach = ngettext("It reaches {n} person.", "It reaches {n} people.", recipients).format(
        n=recipients
    )
    await _say(update, f"{lead}\n\n{reach}" if lead else reach, buttons)
    return CONFIRM


async def on_confirm_typed(update: Update, context: ColbotContext) -> int:
    """A text, a photo … where the bot asked to send, schedule or cancel: said, and asked
    again."""
    return await _ask_confirm(update, context, _use_the_buttons(update, context))


async def on_send_now(update: Update, context: ColbotContext) -> int:
    await update.callback_query.answer()
    return await _send(update, context, None)


async def on_later(update: Update, context: ColbotContext) -> int:
    await update.callback_query.answer()
    _ = gettext_for(user_language(update, context))
    await _say(
        update,
        _("When? Write the date and time in Ljubljana's time, like {example}.").format(
            example=context.services.clock().strftime("%d.%m.%Y 18:00")
        ),
    )
    return WHEN


def parse_when(text: str, zone: Any) -> datetime | None:
    """A date and time as people write them, in the city's time (None: not one)."""
    cleaned = " ".join(text.replace(",", " ").split())
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    return None


async def on_when(update: Update, context: ColbotContext) -> int:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    when = parse_when(update.effective_message.text or "", context.services.city.zone)
    if when is None:
        await _say(
            update, _("I could not read that date and time. Write it like 24.12.2026 18:00.")
        )
        return WHEN
    if when <= context.services.clock():
        await _say(update, _("That time has passed. Please choose a later one."))
        return WHEN
    return await _send(update, context, when)


async def _send(update: Update, context: ColbotContext, when: datetime | None) -> int:
    """Send now or at `when`; either way one progress message in this chat, edited as it goes,
    ends with the counts (a scheduled one's is sent when it starts sending: `_show`)."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    draft = context.chat_data.pop(DRAFT_KEY, {})  # type: ignore[union-attr]
    service = context.services.announcements
    chat_id = update.effective_chat.id
    progress: tuple[int, int | None] = (chat_id, None)
    if when is None:
        shown = await context.bot.send_message(
            chat_id, _("Sending… I will keep this message up to date.")
        )
        progress = (chat_id, shown.message_id)
    try:
        view = await context.workers.storing(
            service.send, actor_of(update), draft.get("id"), when, progress
        )
    except Refused:
        await refuse(update, context)
        return ConversationHandler.END
    except Invalid as problem:
        await _say(update, invalid_text(problem, lang))
        return ConversationHandler.END
    if when is not None:
        await _say(
            update,
            _(
                "Scheduled for {when}. When it goes out I will show its progress here; "
                "/announcements shows it, and can cancel it."
            ).format(when=format_when(when, lang)),
        )
    log.info("announcement %d: %s", view.id, "scheduled" if when else "to be sent now")
    return ConversationHandler.END


async def on_stop(update: Update, context: ColbotContext) -> int:
    await update.callback_query.answer()
    return await on_cancel(update, context)


async def on_cancel(update: Update, context: ColbotContext) -> int:
    """/cancel (or the Cancel button): the draft is dropped; nothing was sent."""
    _ = gettext_for(user_language(update, context))
    draft = context.chat_data.pop(DRAFT_KEY, {})  # type: ignore[union-attr]
    if draft.get("id"):
        try:
            await context.workers.storing(
                context.services.announcements.cancel, actor_of(update), draft["id"]
            )
        except (Refused, Invalid):
            log.info("a draft announcement could not be cancelled")
    await _say(update, _("The announcement is cancelled; nothing was sent."))
    return ConversationHandler.END


def invalid_text(problem: Invalid, lang: str) -> str:
    """Why the announcement cannot be so, in words."""
    _ = gettext_for(lang)
    words = {
        "no_text": _("The announcement needs a text."),
        "too_long": _("The text is too long."),
        "bad_link": _("That is not a web address."),
        "past_time": _("That time has passed. Please choose a later one."),
        "not_found": _("That announcement no longer exists."),
    }
    return words.get(problem.code, _("That cannot be done with this announcement any more."))


# ---- /announcements, its buttons -------------------------------------------------------------
def counts_text(counts: Counts, lang: str) -> str:
    """Sent, failed, blocked, could not be confirmed (and what is still to go)."""
    _ = gettext_for(lang)
    parts = [
        _("sent {n}").format(n=counts.sent),
        _("failed {n}").format(n=counts.failed),
        _("blocked {n}").format(n=counts.blocked),
        _("could not be confirmed {n}").format(n=counts.unconfirmed),
    ]
    if counts.pending:
        parts.append(_("still to send {n}").format(n=counts.pending))
    if counts.cancelled:
        parts.append(_("cancelled {n}").format(n=counts.cancelled))
    return ", ".join(parts)


def status_word(status: str, lang: str) -> str:
    _ = gettext_for(lang)
    return {
        "draft": _("draft"),
        "scheduled": _("scheduled"),
        "sending": _("sending"),
        "done": _("sent"),
        "cancelled": _("cancelled"),
        "withdrawn": _("withdrawn"),
    }.get(status, status)


def summary(view: AnnouncementView, lang: str, districts: Mapping[str, str]) -> str:
    text = next(iter(view.content.texts.values()), "")
    first = escape(text[:60] + ("…" if len(text) > 60 else ""))
    when = format_when(view.send_at, lang) if view.send_at else ""
    head = f"<b>#{view.id}</b> · {status_word(view.status, lang)}"
    if when:
        head += f" · {when}"
    return (
        f"{head}\n{audience_label(view.audience, lang, districts)}: {first}\n"
        f"{counts_text(view.counts, lang)}"
    )


@privileged(Capability.ANNOUNCE)
async def on_announcements(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    """/announcements: the latest, each with what can still be done to it."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    service = context.services.announcements
    views = await context.workers.storing(service.recent, actor_of(update), acting.organisation_id)
    if not views:
        await _say(update, _("No announcements yet. /announce writes one."))
        return
    districts = await district_names(context)
    for view in views:
        buttons = []
        if view.status in (*OPEN,):
            buttons.append(
                InlineKeyboardButton(_("Cancel"), callback_data=f"{CANCEL_PREFIX}{view.id}")
            )
        if view.status in WITHDRAWABLE:
            buttons.append(
                InlineKeyboardButton(_("Withdraw"), callback_data=f"{WITHDRAW_PREFIX}{view.id}")
            )
        markup = InlineKeyboardMarkup([buttons]) if buttons else None
        await _say(update, summary(view, lang, districts), markup)


@privileged(Capability.ANNOUNCE)
async def on_cancel_button(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    await _after(update, context, "cancel")


@privileged(Capability.ANNOUNCE)
async def on_withdraw_button(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    await _after(update, context, "withdraw")


async def _after(update: Update, context: ColbotContext, what: str) -> None:
    query = update.callback_query
    lang = user_language(update, context)
    _ = gettext_for(lang)
    try:
        announcement_id = int(query.data.split(":", 1)[1])
    except ValueError:
        await query.answer(_("This button no longer works."))
        return
    service = context.services.announcements
    actor: Actor | None = actor_of(update)
    try:
        if what == "cancel":
            await context.workers.storing(service.cancel, actor, announcement_id)
            note = _("Cancelled: what was not sent yet will not be.")
        else:
            n = await context.workers.storing(service.withdraw, actor, announcement_id)
            note = ngettext_for(lang)(
                "Withdrawing it from {n} chat.", "Withdrawing it from {n} chats.", n
            ).format(n=n)
    except Refused:
        await refuse(update, context)
        return
    except Invalid as problem:
        await query.answer(invalid_text(problem, lang)[:200])
        return
    await query.answer(note[:200])
    await _say(update, note)


def list_handlers() -> list[Any]:
    """/announcements and its buttons."""
    return [
        CommandHandler("announcements", on_announcements),
        CallbackQueryHandler(on_cancel_button, pattern=rf"^{CANCEL_PREFIX}\d+$"),
        CallbackQueryHandler(on_withdraw_button, pattern=rf"^{WITHDRAW_PREFIX}\d+$"),
    ]


# ---- the job: queue what is due, show progress ---------------------------------------------
def progress_text(view: AnnouncementView, lang: str, finished: bool) -> str:
    _ = gettext_for(lang)
    counts = view.counts
    if finished:
        head = _("Announcement #{id} is sent.").format(id=view.id)
    else:
        done = view.recipients - counts.pending
        head = _("Announcement #{id}: {done} of {total} done…").format(
            id=view.id, done=done, total=view.recipients
        )
    return f"{head}\n{counts_text(counts, lang)}"


async def announcements_job(context: ColbotContext) -> None:
    """Queue what is due (the outbox's drainer sends it), edit each running announcement's
    progress message (at most every ANNOUNCE_EVERY seconds), and give the final counts."""
    service = context.services.announcements
    for announcement_id in await context.workers.storing(service.due):
        queued = await context.workers.storing(service.queue, announcement_id)
        log.info("announcement %d: %d messages queued", announcement_id, queued)
    shown: dict[int, str] = context.job.data if isinstance(context.job.data, dict) else {}  # type: ignore[union-attr]
    for view in await context.workers.storing(service.running):
        await _show(context, view, False, shown)
    for view in await context.workers.storing(service.settle):
        await _show(context, view, True, shown)
        shown.pop(view.id, None)


async def _show(
    context: ColbotContext, view: AnnouncementView, finished: bool, shown: dict[int, str]
) -> None:
    """The announcement's progress in its progress chat: the message there edited, or, for one
    that was scheduled, sent first (and remembered, to be edited from then on)."""
    chat_id, message_id = view.progress_chat_id, view.progress_message_id
    if chat_id is None:
        return
    person = context.application.user_data.get(chat_id)  # private chat: the chat is the person
    lang = person.language if person and person.language else await language_of(context, chat_id)
    text = progress_text(view, lang, finished)
    if shown.get(view.id) == text:
        return
    try:
        if message_id is None:
            sent = await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
            await context.workers.storing(
                context.services.announcements.show_progress_in,
                view.id,
                chat_id,
                sent.message_id,
            )
        else:
            await context.bot.edit_message_text(
                text, chat_id, message_id, parse_mode=ParseMode.HTML
            )
        shown[view.id] = text
    except Forbidden:  # the administrator blocked the bot: not tried again at every run
        log.info("an announcement's progress chat is closed to the bot; no more progress there")
        await context.workers.storing(
            context.services.announcements.show_progress_in, view.id, None, None
        )
    except BadRequest as error:
        log.info("could not show an announcement's progress: %s", error.message)
    except TelegramError:
        log.info("could not show an announcement's progress now; next time")
