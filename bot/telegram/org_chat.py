"""Organisations run from the chat: `/neworg`, a short guided conversation for platform
administrators (the slug, the name, then the web site and the e-mail address or /skip; one line
`/neworg SLUG Name of the centre` answers the first two; /cancel leaves at any step) that creates
the organisation through the same use case as `python -m bot admin org add` and says what to do
next; and `/followlink`, the follow link of the organisation a staff member acts for and its QR
code (the same as `admin follow-link SLUG --qr`). The use cases (`Services.staff`) decide and
check; here is only the talking."""

from __future__ import annotations

from typing import Any

from telegram import InputFile, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from access.policy import Capability, Refused
from bot.i18n import gettext_for, ngettext_for
from bot.telegram.common import chat_draft, say_plainly, step_by_step, user_language
from bot.telegram.privileged import actor_of, platform_only, privileged, refuse
from bot.telegram.staff_menu import refresh_menu
from bot.telegram.state import ColbotContext
from openbadges import images
from organisations import registry
from organisations.acting import ActingFor, choices
from organisations.staff_problems import (
    BadInput,
    BotUsernameMissing,
    Fault,
    UnknownOrganisation,
)

SLUG, NAME, URL, EMAIL = range(4)
STEPS = {"slug": SLUG, "name": NAME, "url": URL, "email": EMAIL}  # asked in this order
DRAFT_KEY = "neworg"  # the answers so far, in the chat's data
SHOWN = 70  # at most this many characters of a refused value are quoted back
LIMITS = {
    "slug": 63,
    "name": registry.NAME_LENGTH,
    "url": registry.URL_LENGTH,
    "email": registry.EMAIL_LENGTH,
}


# ---- /neworg -------------------------------------------------------------------------------
def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """/neworg, step by step; /cancel leaves at any step."""
    written = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND & ~filters.TEXT
    return step_by_step(
        "neworg",
        [CommandHandler("neworg", on_neworg)],
        {
            SLUG: [MessageHandler(written, on_slug), MessageHandler(other, on_not_text)],
            NAME: [MessageHandler(written, on_name), MessageHandler(other, on_not_text)],
            URL: [
                MessageHandler(written, on_url),
                CommandHandler("skip", on_skip),
                MessageHandler(other, on_not_text),
            ],
            EMAIL: [
                MessageHandler(written, on_email),
                CommandHandler("skip", on_skip),
                MessageHandler(other, on_not_text),
            ],
        },
        on_cancel,
        on_other_command,
    )


def _draft(context: ColbotContext) -> dict[str, Any]:
    return chat_draft(context, DRAFT_KEY)


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


@platform_only
async def on_neworg(update: Update, context: ColbotContext) -> int:
    """/neworg [SLUG [Name of the organisation]]: what is not given is asked for."""
    words = _text(update).split(maxsplit=2)
    context.chat_data[DRAFT_KEY] = {}  # type: ignore[index]
    if len(words) > 1:
        if not await _take_slug(update, context, words[1]):
            return SLUG
        if len(words) > 2:
            _draft(context)["name"] = words[2]
    return await _next_step(update, context)


async def _take_slug(update: Update, context: ColbotContext, slug: str) -> bool:
    """The slug, checked at once as the use case will check it; False (said why) when not."""
    actor = actor_of(update)
    assert actor is not None  # platform_only refused updates without a person
    try:
        checked = await context.workers.storing(context.services.staff.check_new_slug, actor, slug)
    except BadInput as problem:
        # the explanation says what an address looks like: the question is not repeated
        await _say(update, context, problem_text(problem, slug, user_language(update, context)))
        return False
    _draft(context)["slug"] = checked
    return True


async def _next_step(update: Update, context: ColbotContext) -> int:
    """Asks for the first value not given yet; with all given, creates the organisation."""
    draft = _draft(context)
    for field, state in STEPS.items():
        if field not in draft:
            await _ask(update, context, state)
            return state
    return await _create(update, context)


async def _ask(update: Update, context: ColbotContext, state: int) -> None:
    _ = gettext_for(user_language(update, context))
    questions = {
        SLUG: _(
            "A new organisation. Send its address (slug): lowercase letters a–z, digits and "
            "hyphens, e.g. mc-siska. Its follow link is made from it. /cancel stops at any step."
        ),
        NAME: _(
            "Send the organisation's name as learners will see it, e.g. Mladinski center Šiška."
        ),
        URL: _("Its web site (http:// or https://)? Send it, or /skip."),
        EMAIL: _("Its public e-mail address? Send it, or /skip."),
    }
    await _say(update, context, questions[state])


async def _say(update: Update, context: ColbotContext, text: str) -> None:
    await say_plainly(update, context, text, disable_web_page_preview=True)


async def on_slug(update: Update, context: ColbotContext) -> int:
    if not await _take_slug(update, context, _text(update)):
        return SLUG
    return await _next_step(update, context)


async def on_name(update: Update, context: ColbotContext) -> int:
    _draft(context)["name"] = _text(update)
    return await _next_step(update, context)


async def on_url(update: Update, context: ColbotContext) -> int:
    _draft(context)["url"] = _text(update)
    return await _next_step(update, context)


async def on_email(update: Update, context: ColbotContext) -> int:
    _draft(context)["email"] = _text(update)
    return await _next_step(update, context)


async def on_skip(update: Update, context: ColbotContext) -> int:
    """/skip: no web site, or no e-mail address (whichever was asked)."""
    draft = _draft(context)
    draft["url" if "url" not in draft else "email"] = None
    return await _next_step(update, context)


async def _create(update: Update, context: ColbotContext) -> int:
    """The organisation, created by the use case (audited there); a value it refuses is
    explained and asked for again."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    draft = _draft(context)
    actor = actor_of(update)
    assert actor is not None
    staff = context.services.staff
    try:
        made = await context.workers.storing(
            staff.create_organisation,
            actor,
            draft["slug"],
            draft["name"],
            draft["url"],
            draft["email"],
        )
    except Refused:  # no longer a platform administrator
        context.chat_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
        await refuse(update, context)
        return ConversationHandler.END
    except BadInput as problem:
        field = problem.field if problem.field in STEPS else "slug"
        await _say(update, context, problem_text(problem, draft.pop(field, None) or "", lang))
        return await _next_step(update, context)
    context.chat_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
    found = await context.workers.storing(
        choices, context.services.organisations, actor, Capability.STAFF
    )
    made_id = next((m.organisation_id for m in found if m.slug == made.slug), None)
    if made_id is not None:
        context.person.acting_for = made_id  # /staff and /followlink act for it now
    if actor.telegram_id is not None:  # a second organisation brings /org to the menu
        await refresh_menu(context, actor.telegram_id)
    # the answer comes last: the conversation ends as it is read (a command sent at once is not
    # taken for a step)
    await _say(
        update,
        context,
        _(
            "{name} is created; its address is {slug}.\n"
            "You now act for it. Next, invite its staff: /staff makes a one-time invitation link "
            "for its first administrator (send it only to them). /followlink gives its follow "
            "link and QR code for learners."
        ).format(name=made.name, slug=made.slug),
    )
    return ConversationHandler.END


def problem_text(problem: BadInput, value: str, lang: str) -> str:
    """Why the use case refused a value, in the person's language (`value`: as they gave it)."""
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    shown = value.strip()[:SHOWN]
    field, fault = problem.field, problem.fault
    if fault is Fault.LONG and field in LIMITS:
        limit = LIMITS[field]
        return ngettext(
            "That is too long: at most {n} character.",
            "That is too long: at most {n} characters.",
            limit,
        ).format(n=limit)
    words = {
        ("slug", Fault.FORM): _(
            "“{value}” cannot be an organisation's address: use lowercase letters a–z, digits "
            "and hyphens (at most 63, no hyphen first or last), e.g. mc-siska."
        ),
        ("slug", Fault.CITY): _("“{value}” is the city's own address. Please choose another."),
        ("slug", Fault.TAKEN): _(
            "Another organisation already has the address {value}. Please choose another."
        ),
        (None, Fault.TAKEN): _(
            "An organisation with this address or name already exists. Please choose another "
            "address."
        ),
        ("name", Fault.TAKEN): _(
            "An organisation named {value} already exists. Please choose another name."
        ),
        ("url", Fault.FORM): _(
            "That is not a web address: it must begin with http:// or https://, e.g. "
            "https://www.example.si."
        ),
        ("email", Fault.FORM): _("That is not an e-mail address (e.g. info@example.si)."),
    }
    if fault is Fault.CONTROL:
        return _("That holds characters that cannot be stored. Please write it again.")
    if fault is Fault.REQUIRED:
        return _("That cannot be empty. Please write it again.")
    said = words.get((field, fault)) or _("That cannot be accepted. Please write it again.")
    return said.format(value=shown)


async def on_not_text(update: Update, context: ColbotContext) -> None:
    _ = gettext_for(user_language(update, context))
    await _say(update, context, _("Please answer in words, or /cancel."))


async def on_other_command(update: Update, context: ColbotContext) -> None:
    _ = gettext_for(user_language(update, context))
    await _say(
        update,
        context,
        _("You are creating an organisation: answer the question, or /cancel first."),
    )


async def on_cancel(update: Update, context: ColbotContext) -> int:
    """/cancel: the answers are dropped; nothing was created."""
    _ = gettext_for(user_language(update, context))
    context.chat_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]
    await _say(update, context, _("The new organisation is cancelled; nothing was created."))
    return ConversationHandler.END


# ---- /followlink ---------------------------------------------------------------------------
@privileged(Capability.POST)  # every role may post: anyone on some organisation's staff
async def on_followlink(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    """/followlink: the organisation's follow link (public: any of its staff may hand it out),
    and its QR code as a PNG to print."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    try:
        link = await context.workers.storing(context.services.staff.follow_link, acting.slug)
    except BotUsernameMissing:
        await _say(
            update,
            context,
            _(
                "The follow link needs the bot's username (TELEGRAM_BOT_USERNAME). Please tell "
                "the platform's administrator."
            ),
        )
        return
    except UnknownOrganisation:  # gone meanwhile
        await refuse(update, context)
        return
    text = _(
        "The follow link of {organisation}: whoever opens it (or scans its QR code) follows the "
        "organisation and hears of its new opportunities and news.\n{link}"
    ).format(organisation=acting.name, link=link)
    if acting.choices > 1:
        text += "\n" + _("/org chooses another organisation.")
    await _say(update, context, text)
    chat = update.effective_chat
    assert chat is not None  # privileged() answered in this chat
    await context.bot.send_document(
        chat.id,
        InputFile(images.qr_png(link), filename=f"follow-{acting.slug}-qr.png"),
        caption=_("The QR code of the link, to print."),
        disable_content_type_detection=True,
    )
