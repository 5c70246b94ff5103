"""Telegram handlers of the person's own settings and data: help, the language (remembered
across restarts), what is stored about them (/mydata: a short summary of their choices, saved
opportunities, e-mail address and badges, and everything as a JSON file) and forgetting it
(/delete, /forget: after a question, where one with badges chooses whether those stay
verifiable or are revoked), and polite answers to what the bot cannot read."""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session
from telegram import InputFile, Update
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from actions.messages import Notice
from bot.callbacks import Button, Pressed, callback
from bot.cards import Choice, language_choices, pick
from bot.follow_cards import mydata_lines
from bot.i18n import format_day, gettext_for, ngettext_for
from bot.telegram.common import (
    in_store,
    keyboard_of,
    main_keyboard,
    reply,
    say_plainly,
    user_language,
)
from bot.telegram.state import ColbotContext
from store import people, personal_data

log = logging.getLogger(__name__)
# /delete's buttons (forget:<choice>): delete (no badges), delete keeping or revoking the badges,
# or delete nothing
DELETE, KEEP_BADGES, REVOKE_BADGES, NOT_NOW = "yes", "keep", "revoke", "no"
MYDATA_FILE = "colbot-mydata.json"


async def on_help(update: Update, context: ColbotContext) -> None:
    await reply(update, context, [Notice("help")])


async def on_language(update: Update, context: ColbotContext) -> None:
    _ = gettext_for(user_language(update, context))
    markup = keyboard_of([language_choices()])
    await say_plainly(update, context, _("Choose a language:"), reply_markup=markup)


async def on_language_chosen(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """'lang:<code>': the person's language from now on, kept across restarts."""
    lang = pressed.parts[0] if pressed.parts else ""
    if lang not in context.services.city.languages:
        await on_language(update, context)
        return
    person = context.person
    person.language = lang
    person.writes_in = None  # the choice counts until they next write
    if person.person_id is not None:
        await in_store(context, people.choose, person.person_id, lang, None)
    _ = gettext_for(lang)
    await say_plainly(
        update, context, _("I will write in English."), reply_markup=main_keyboard(lang)
    )


async def on_other(update: Update, context: ColbotContext) -> None:
    """A sticker, a voice message, a photo: things the bot cannot read."""
    _ = gettext_for(user_language(update, context))
    await say_plainly(
        update,
        context,
        _(
            "I can read text and locations. Write what you would like to learn, or share your location."
        ),
    )


async def on_unknown_command(update: Update, context: ColbotContext) -> None:
    _ = gettext_for(user_language(update, context))
    await say_plainly(update, context, _("I do not know that command. /help says what I can do."))


async def on_mydata(update: Update, context: ColbotContext) -> None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    person_id = context.person.person_id
    stored = None if person_id is None else await in_store(context, people.stored_about, person_id)
    if stored is None:
        await say_plainly(update, context, _("I store nothing about you."))
        return
    zone = context.services.city.zone
    lines = [
        _(
            "What I store about you: your Telegram number (to answer you), your language ({language}), "
            "since {since}, last message {seen}. No names and no messages."
        ).format(
            language=stored.language or "-",
            since=format_day(stored.since.astimezone(zone), lang),
            seen=format_day(stored.last_seen.astimezone(zone), lang),
        )
    ]
    if stored.simple_mode:
        lines.append(_("You chose the simple mode (big buttons)."))
    if stored.saved:
        ngettext = ngettext_for(lang)
        lines.append(
            ngettext(
                "You have saved {n} opportunity; I keep it to remind you.",
                "You have saved {n} opportunities; I keep them to remind you.",
                stored.saved,
            ).format(n=stored.saved)
        )
    lines += await badge_lines(context, stored, lang)
    lines += mydata_lines(stored.follows, stored.news, lang)
    lines.append(_("/delete deletes it."))
    await say_plainly(update, context, "\n".join(lines))
    await send_my_data(update, context, stored.person_id, lang)


async def send_my_data(update: Update, context: ColbotContext, person_id: int, lang: str) -> None:
    """/mydata's file: everything stored about the person, as JSON (store.personal_data)."""
    chat = update.effective_chat
    now = context.services.clock()
    exported = await in_store(context, personal_data.export, person_id, now)
    if chat is None or exported is None:
        return
    content = json.dumps(exported, ensure_ascii=False, indent=2).encode("utf-8")
    _ = gettext_for(lang)
    await context.bot.send_document(
        chat.id,
        InputFile(content, filename=MYDATA_FILE),
        caption=_("Everything I store about you, as a file (JSON)."),
        disable_content_type_detection=True,
    )


async def badge_lines(
    context: ColbotContext, stored: people.StoredAboutPerson, lang: str
) -> list[str]:
    """/mydata's lines on badges: the e-mail address, each award (its badge, when, whether it
    stands) and the evidence sent; nobody else's."""
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    lines = []
    if stored.email:
        lines.append(_("Your e-mail address for badges: {email}.").format(email=stored.email))
    records = await context.workers.storing(context.services.badges.my_records, stored.person_id)
    if records:
        states = {"active": _("valid"), "expired": _("expired"), "revoked": _("revoked")}
        zone = context.services.city.zone
        lines.append(
            ngettext("Your {n} badge:", "Your {n} badges:", len(records)).format(n=len(records))
        )
        lines += [
            f"• {pick(record.badge_name, lang)} — "
            f"{format_day(record.issued_on.astimezone(zone), lang)} — "
            f"{states.get(record.state, record.state)}"
            for record in records
        ]
    if stored.evidence:
        lines.append(
            ngettext(
                "You sent evidence for a badge {n} time; what you sent is deleted once it is reviewed.",
                "You sent evidence for a badge {n} times; what you sent is deleted once it is reviewed.",
                stored.evidence,
            ).format(n=stored.evidence)
        )
    return lines


def _awards_of(session: Session, telegram_id: int) -> tuple[int, int] | None:
    """Our id of the person with this Telegram id and how many awards they have; None when
    nothing is stored about them."""
    person = people.by_telegram_id(session, telegram_id)
    if person is None:
        return None
    stored = people.stored_about(session, person.id)
    return person.id, stored.awards if stored is not None else 0


async def on_delete(update: Update, context: ColbotContext) -> None:
    """/delete, /forget: asks first (delete, or keep everything), and one who has badges chooses
    whether those stay verifiable or are revoked; the buttons delete (`on_forget_chosen`)."""
    _ = gettext_for(user_language(update, context))
    user = update.effective_user
    found = await in_store(context, _awards_of, user.id) if user is not None else None
    if found is None:
        await forgotten(update, context, _("I store nothing about you."))
    await ask_to_forget(update, context, found[1] if found else 0)
    raise ApplicationHandlerStop  # nothing else answers /delete, nor notes the person


async def ask_to_forget(update: Update, context: ColbotContext, awards: int) -> None:
    """Whether to delete everything (and, with `awards`, what becomes of the badges), or not."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    keep = [Choice(_("Do not delete anything"), callback(Button.FORGET, NOT_NOW))]
    if awards > 0:
        ngettext = ngettext_for(lang)
        question = [
            ngettext(
                "Before I delete everything: you have {n} badge. What becomes of it?",
                "Before I delete everything: you have {n} badges. What becomes of them?",
                awards,
            ).format(n=awards),
            _(
                "They can stay verifiable: whoever you showed them to can still check them, but "
                "they are no longer linked to you here. Or they are revoked: whoever checks them "
                "sees they were withdrawn."
            ),
        ]
        choices = [
            [Choice(_("Delete; badges stay verifiable"), callback(Button.FORGET, KEEP_BADGES))],
            [Choice(_("Delete and revoke my badges"), callback(Button.FORGET, REVOKE_BADGES))],
            keep,
        ]
    else:
        question = [
            _(
                "Shall I delete everything I store about you: your choices, saved opportunities "
                "and what you follow? It cannot be undone."
            )
        ]
        choices = [[Choice(_("Delete everything"), callback(Button.FORGET, DELETE))], keep]
    await say_plainly(update, context, "\n".join(question), reply_markup=keyboard_of(choices))


async def on_forget_chosen(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """'forget:yes|keep|revoke|no': /delete's answer: the deletion (with what becomes of the
    person's badges), or nothing deleted."""
    choice = pressed.parts[0] if pressed.parts else ""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    if choice not in (DELETE, KEEP_BADGES, REVOKE_BADGES, NOT_NOW):
        await say_plainly(update, context, _("This button no longer works. Please search again."))
        return
    query = update.callback_query
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:
        log.info("could not take the buttons off /delete's question: %s", error.message)
    if choice == NOT_NOW:
        await say_plainly(update, context, _("I have deleted nothing; everything stays as it was."))
        return
    user = update.effective_user
    if choice == DELETE and user is not None:  # an old question: they may have badges since
        found = await in_store(context, _awards_of, user.id)
        if found is not None and found[1] > 0:
            await ask_to_forget(update, context, found[1])
            return
    person_id = context.person.person_id
    if person_id is not None:
        revoke = choice == REVOKE_BADGES
        await in_store(context, people.forget, person_id, revoke, context.services.clock())
        context.services.badges.publisher.changed()  # their public pages answer so at once
    said = _("I have deleted everything I stored about you. If you write again, I start afresh.")
    if choice == REVOKE_BADGES:
        said += "\n" + _("Your badges are revoked.")
    elif choice == KEEP_BADGES:
        said += "\n" + _("Your badges stay verifiable, no longer linked to you.")
    await forgotten(update, context, said)


async def forgotten(update: Update, context: ColbotContext, said: str) -> None:
    """Nothing of the person is kept in memory either; `said` tells them so."""
    user = update.effective_user
    if user is not None and user.id in context.application.user_data:
        context.application.drop_user_data(user.id)
    await say_plainly(update, context, said)
    raise ApplicationHandlerStop  # nothing else may store them again for this update
