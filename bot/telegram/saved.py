"""Telegram handlers of saving: ⭐ saves an opportunity (and says when the reminder comes), 🗑
removes it and the pressed button turns into the other one; /saved lists what was saved."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from actions.messages import Notice
from bot.callbacks import Button, Pressed, callback
from bot.cards import toast, toggled_choice
from bot.telegram.common import call, reply, user_language
from bot.telegram.state import ColbotContext

log = logging.getLogger(__name__)


async def on_saved(update: Update, context: ColbotContext) -> None:
    await reply(update, context, await call(context, "action_list_saved", {}))


async def on_save(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """⭐: save; the toast to show."""
    return await save_or_remove(update, context, pressed, save=True)


async def on_unsave(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """🗑: remove from the saved ones; the toast to show."""
    return await save_or_remove(update, context, pressed, save=False)


async def save_or_remove(
    update: Update, context: ColbotContext, pressed: Pressed, save: bool
) -> str | None:
    opportunity_id = pressed.number()
    lang = user_language(update, context)
    if opportunity_id is None or context.person.person_id is None:
        return toast(Notice("gone"), lang)
    action = "action_save_opportunity" if save else "action_remove_saved"
    messages = await call(context, action, {"opportunity_id": opportunity_id})
    context.person.saved_ids = None  # read again at the next list
    saved = bool(messages) and isinstance(messages[0], Notice) and messages[0].code == "saved"
    if save and not saved:  # no longer in the catalogue: the toast says so
        return toast(messages[0], lang) if messages else None
    await show_saved_state(update.callback_query, opportunity_id, saved, lang)
    if saved:
        await reply(update, context, messages)
    return toast(messages[0], lang) if messages else None


async def show_saved_state(query: Any, opportunity_id: int, saved: bool, lang: str) -> None:
    """Turn the pressed message's save button for `opportunity_id` into ⭐ or 🗑."""
    markup = getattr(query.message, "reply_markup", None)
    if not isinstance(markup, InlineKeyboardMarkup):
        return
    ours = {callback(Button.SAVE, opportunity_id), callback(Button.UNSAVE, opportunity_id)}
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
