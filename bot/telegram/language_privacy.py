"""Telegram handlers of the person's own settings and data: help, the language (remembered
across restarts), what is stored about them (/mydata) and forgetting it (/delete), and polite
answers to what the bot cannot read."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from actions.messages import Notice
from bot.callbacks import Pressed
from bot.cards import language_choices
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
from store import people


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
    lines.append(_("/delete deletes it."))
    await say_plainly(update, context, "\n".join(lines))


async def on_delete(update: Update, context: ColbotContext) -> None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    person_id = context.person.person_id
    if person_id is not None:
        await in_store(context, people.forget, person_id)
    if context.user_data is not None:
        context.application.drop_user_data(update.effective_user.id)
    await say_plainly(
        update,
        context,
        _("I have deleted everything I stored about you. If you write again, I start afresh."),
    )
    raise ApplicationHandlerStop  # nothing else may store them again for this update
