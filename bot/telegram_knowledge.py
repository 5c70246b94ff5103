"""Telegram handlers of the plain-language answers: topics chosen by button, the simple mode
for seniors (big buttons, one step at a time), and administrators editing entries by sending
YAML files. Handlers only translate; the actions and the knowledge service do the work."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from telegram import InputFile, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import ContextTypes

from actions.knowledge_actions import ActionKnowledgeEntry
from actions.runtime import knowledge
from bot.i18n import gettext_for, ngettext_for
from knowledge.entries import WHOLE_ENTRY, WHOLE_FILE, EntryError

MAX_ENTRY_BYTES = 64 * 1024


def simple_menu(lang: str) -> list[tuple[str, str]]:
    """The senior menu: a big button's label and the entry it opens, in plain words."""
    _ = gettext_for(lang)
    return [
        ("📱 " + _("Smartphone"), "digital-smartphone-basics"),
        ("🏛 " + _("e-uprava (e-government)"), "digital-e-uprava"),
        ("🏦 " + _("Online bank"), "digital-online-banking"),
        ("🇸🇮 " + _("Slovenian language"), "slovenian-levels"),
        ("🩺 " + _("zVEM (e-health)"), "digital-zvem"),
        ("⚠️ " + _("Scams"), "digital-scams"),
    ]


def leave_simple_label(lang: str) -> str:
    _ = gettext_for(lang)
    return "⬅️ " + _("Usual mode")


def simple_keyboard(lang: str) -> ReplyKeyboardMarkup:
    rows = [[KeyboardButton(label)] for label, _entry in simple_menu(lang)]
    rows.append([KeyboardButton(leave_simple_label(lang))])
    return ReplyKeyboardMarkup(rows, resize_keyboard=False, is_persistent=True)


def simple_slots(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    return {"simple": True} if context.user_data.get("simple") else {}


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.application.bot_data.get("admin_ids", ())


async def show_simple_menu(update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str) -> None:
    _ = gettext_for(lang)
    context.user_data["simple"] = True
    await context.bot.send_message(
        update.effective_chat.id,
        _("Choose a topic. Press one big button.") + "\n" + _("You can also write your question."),
        reply_markup=simple_keyboard(lang),
    )


async def simple_menu_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, lang: str, text: str
) -> bool:
    """Answers a press of a senior-menu button; False when the text is not one."""
    from bot.telegram_bot import call, main_keyboard, reply

    if text == leave_simple_label(lang):
        context.user_data.pop("simple", None)
        _ = gettext_for(lang)
        await context.bot.send_message(
            update.effective_chat.id,
            _("Back to the usual mode. /simple brings the big buttons back."),
            reply_markup=main_keyboard(lang),
        )
        return True
    entry_id = dict(simple_menu(lang)).get(text)
    if entry_id is None:
        return False
    from bot.telegram_bot import location_slots

    slots = {"entry_id": entry_id, "simple": True, **location_slots(context)}
    await reply(
        update, context, await call(ActionKnowledgeEntry(), slots, str(update.effective_chat.id))
    )
    return True


async def on_knowledge_callback(
    update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str, rest: str
) -> None:
    """'kb:<entry>' opens a topic offered; 'simple:menu' shows the senior menu again."""
    from bot.telegram_bot import call, location_slots, reply, user_language

    if kind == "simple":
        await show_simple_menu(update, context, user_language(update, context))
        return
    slots = {"entry_id": rest, **location_slots(context), **simple_slots(context)}
    await reply(
        update, context, await call(ActionKnowledgeEntry(), slots, str(update.effective_chat.id))
    )


# ---- administrators ------------------------------------------------------------------------
def entry_problem(error: EntryError, lang: str) -> str:
    """Why an entry was refused, in the administrator's language: the file, the field, the fault."""
    translate, translate_plural = gettext_for(lang), ngettext_for(lang)
    if isinstance(error.message, tuple):
        problem = translate_plural(*error.message, error.params["n"])
    else:
        problem = translate(error.message)
    problem = problem.format(**error.params)
    if error.field in (WHOLE_FILE, WHOLE_ENTRY):
        return f"{error.where}: {problem}"
    _ = translate
    return _("{where}, field '{field}': {problem}").format(
        where=error.where, field=error.field, problem=problem
    )


async def on_kb(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/kb lists the entries; /kb ID sends one as a YAML file to edit and send back."""
    from bot.telegram_bot import user_language

    _ = gettext_for(user_language(update, context))
    if not is_admin(update, context):
        await update.effective_message.reply_text(_("This command is for administrators."))
        return
    loop = asyncio.get_running_loop()
    entries = await loop.run_in_executor(None, lambda: knowledge().entries())
    wanted = (context.args or [""])[0]
    if not wanted:
        listing = "\n".join(f"{e.id} — {e.title['sl']}" for e in entries)
        await update.effective_message.reply_text(
            _("Knowledge entries:")
            + "\n"
            + listing
            + "\n\n"
            + _("/kb ID sends one to edit; send the edited .yaml file back to save it.")
        )
        return
    entry = next((e for e in entries if e.id == wanted), None)
    if entry is None:
        await update.effective_message.reply_text(_("There is no entry {id}.").format(id=wanted))
        return
    document = InputFile(io.BytesIO(entry.to_yaml().encode()), filename=f"{entry.id}.yaml")
    await context.bot.send_document(update.effective_chat.id, document)


async def on_entry_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An administrator sends an edited entry (.yaml): checked whole, then used at once."""
    from bot.telegram_bot import on_other, user_language

    if not is_admin(update, context):
        await on_other(update, context)
        return
    lang = user_language(update, context)
    _ = gettext_for(lang)
    document = update.effective_message.document
    if document.file_size and document.file_size > MAX_ENTRY_BYTES:
        await update.effective_message.reply_text(_("That file is too large for an entry."))
        return
    raw = await (await document.get_file()).download_as_bytearray()
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        await update.effective_message.reply_text(_("The file must be UTF-8 text (YAML)."))
        return
    loop = asyncio.get_running_loop()
    try:
        entry, created = await loop.run_in_executor(
            None,
            lambda: knowledge().edit(text, update.effective_user.id, document.file_name or "entry"),
        )
    except EntryError as error:
        problem = entry_problem(error, lang)
        await update.effective_message.reply_text(
            _("Nothing was saved: {problem}").format(problem=problem)
        )
        return
    said = _("Added entry {id}.") if created else _("Saved entry {id}.")
    await update.effective_message.reply_text(
        said.format(id=entry.id) + " " + _("I answer with it from now on.")
    )
