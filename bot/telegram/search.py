"""Telegram handlers of searching: a message understood and answered, the shared location, the
/start deep link, and the buttons of a result list (details, the map, more results)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update

from actions.messages import Message, Notice
from actions.policy import asker_slots
from bot.callbacks import Pressed
from bot.i18n import gettext_for
from bot.logs import CONVERSATION_LOGGER
from bot.telegram.common import call, main_keyboard, reply, say_plainly, sender, user_language
from bot.telegram.state import ColbotContext
from nlu.interpretation import Interpretation

conversation_log = logging.getLogger(CONVERSATION_LOGGER)


def remember_searches(
    context: ColbotContext, messages: list[Message], slots: dict[str, Any]
) -> None:
    for message in messages:
        search_id = getattr(message, "search_id", None)
        if search_id:
            context.person.remember_search(search_id, slots)


async def search(update: Update, context: ColbotContext, text: str) -> None:
    slots: dict[str, Any] = {"query": text, **context.person.location_slots()}
    messages = await call(context, "action_search", slots, text)
    remember_searches(context, messages, slots)
    await reply(update, context, messages)


async def on_start(update: Update, context: ColbotContext) -> None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await say_plainly(
        update,
        context,
        _("Hello! I am colbot, the City of Learning bot.")
        + "\n"
        + _(
            "Write what you would like to learn and I will find courses, workshops and clubs near you."
        ),
        reply_markup=main_keyboard(lang),
    )
    if context.args:  # deep link: t.me/<bot>?start=robotika-siska
        await search(update, context, " ".join(context.args).replace("-", " ").replace("_", " "))


async def on_near(update: Update, context: ColbotContext) -> None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await say_plainly(
        update,
        context,
        _("Share your location with the 📍 button and I will show what is nearest."),
        reply_markup=main_keyboard(lang),
    )


async def on_cancel(update: Update, context: ColbotContext) -> None:
    context.person.near = None
    context.person.searches.clear()
    _ = gettext_for(user_language(update, context))
    await say_plainly(update, context, _("Done: I have forgotten your location and searches."))


async def understand_and_answer(update: Update, context: ColbotContext, text: str) -> None:
    """A message in the person's own words: understood, answered by the dialogue."""
    conversation_log.debug("%s wrote: %s", sender(context), text)
    services = context.services
    slots = {**context.person.location_slots(), **context.person.simple_slots()}
    person = sender(context)

    def understand_and_respond() -> tuple[Interpretation, list[Message]]:
        interpretation = services.interpreter.parse(text)
        return interpretation, services.dialogue.respond(interpretation, slots, person)

    understood, messages = await context.workers.searching(understand_and_respond, who=person)
    if understood.language_sure:  # the answer, and what follows, in the message's language
        context.person.writes_in = understood.language
    remember_searches(context, messages, {"query": text, **slots, **asker_slots(understood)})
    await reply(update, context, messages)


async def on_offer(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """'do:<intent>': what the policy offered below a search, now asked for."""
    intent = pressed.parts[0] if pressed.parts else ""
    dialogue = context.services.dialogue
    messages = await context.workers.searching(dialogue.run_offered, intent, sender(context))
    await reply(update, context, messages or [Notice("old_button")])


async def on_location(update: Update, context: ColbotContext) -> None:
    location = update.effective_message.location
    context.person.near = (location.latitude, location.longitude)
    await search(update, context, "")


async def on_more(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """'More results': the next page of a search the person made since the bot started."""
    search_id = pressed.parts[0] if pressed.parts else ""
    offset = pressed.number(1) if len(pressed.parts) > 1 and pressed.parts[1] != "0" else 0
    slots = dict(context.person.searches.get(search_id) or {})
    if not slots or offset is None:
        _ = gettext_for(user_language(update, context))
        await say_plainly(update, context, _("That search has expired; please search again."))
        return
    slots["search_offset"] = offset
    await reply(update, context, await call(context, "action_more_results", slots))


async def on_details(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    await opportunity_action(update, context, pressed, "action_details")


async def on_map(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    await opportunity_action(update, context, pressed, "action_show_on_map")


async def opportunity_action(
    update: Update, context: ColbotContext, pressed: Pressed, action: str
) -> None:
    opportunity_id = pressed.number()
    if opportunity_id is None:
        await reply(update, context, [Notice("gone")])
        return
    await reply(update, context, await call(context, action, {"opportunity_id": opportunity_id}))
