"""Telegram handlers of the plain-language answers: topics chosen by button, the simple mode for
seniors (big buttons, one step at a time, remembered across restarts), and administrators
editing entries by sending YAML files. Handlers only translate; the dialogue and the knowledge
service do the work."""

from __future__ import annotations

import io

from telegram import InputFile, KeyboardButton, ReplyKeyboardMarkup, Update

from bot.callbacks import Pressed
from bot.i18n import gettext_for, ngettext_for
from bot.telegram.common import (
    call,
    in_store,
    is_admin,
    main_keyboard,
    reply,
    say_plainly,
    user_language,
)
from bot.telegram.privileged import platform_only
from bot.telegram.state import ColbotContext
from knowledge.entries import WHOLE_ENTRY, WHOLE_FILE, EntryError
from store import people

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


async def choose_simple(context: ColbotContext, simple: bool) -> None:
    """The simple mode on or off, kept so that it survives a restart."""
    person = context.person
    person.simple = simple
    if person.person_id is not None:
        await in_store(context, people.choose, person.person_id, None, simple)


async def show_simple_menu(update: Update, context: ColbotContext, lang: str) -> None:
    _ = gettext_for(lang)
    await choose_simple(context, True)
    await say_plainly(
        update,
        context,
        _("Choose a topic. Press one big button.") + "\n" + _("You can also write your question."),
        reply_markup=simple_keyboard(lang),
    )


async def on_simple(update: Update, context: ColbotContext) -> None:
    """/simple: big clear buttons, one step at a time: the mode for seniors."""
    await show_simple_menu(update, context, user_language(update, context))


async def simple_menu_text(update: Update, context: ColbotContext, lang: str, text: str) -> bool:
    """Answers a press of a senior-menu button; False when the text is not one."""
    if text == leave_simple_label(lang):
        await choose_simple(context, False)
        _ = gettext_for(lang)
        await say_plainly(
            update,
            context,
            _("Back to the usual mode. /simple brings the big buttons back."),
            reply_markup=main_keyboard(lang),
        )
        return True
    entry_id = dict(simple_menu(lang)).get(text)
    if entry_id is None:
        return False
    slots = {"entry_id": entry_id, "simple": True, **context.person.location_slots()}
    await reply(update, context, await call(context, "action_knowledge_entry", slots))
    return True


async def on_simple_menu_button(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """'simple:menu': the senior menu again."""
    await show_simple_menu(update, context, user_language(update, context))


async def on_topic(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """'kb:<entry>': a topic the bot offered when it was unsure."""
    entry_id = pressed.parts[0] if pressed.parts else ""
    slots = {
        "entry_id": entry_id,
        **context.person.location_slots(),
        **context.person.simple_slots(),
    }
    await reply(update, context, await call(context, "action_knowledge_entry", slots))


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


@platform_only
async def on_kb(update: Update, context: ColbotContext) -> None:
    """/kb lists the entries; /kb ID sends one as a YAML file to edit and send back."""
    _ = gettext_for(user_language(update, context))
    knowledge = context.services.knowledge
    entries = await context.workers.searching(knowledge.entries)
    wanted = (context.args or [""])[0]
    if not wanted:
        listing = "\n".join(f"{e.id} — {e.title['sl']}" for e in entries)
        await say_plainly(
            update,
            context,
            _("Knowledge entries:")
            + "\n"
            + listing
            + "\n\n"
            + _("/kb ID sends one to edit; send the edited .yaml file back to save it."),
        )
        return
    entry = next((e for e in entries if e.id == wanted), None)
    if entry is None:
        await say_plainly(update, context, _("There is no entry {id}.").format(id=wanted[:64]))
        return
    document = InputFile(io.BytesIO(entry.to_yaml().encode()), filename=f"{entry.id}.yaml")
    await context.bot.send_document(update.effective_chat.id, document)


async def on_entry_file(update: Update, context: ColbotContext) -> bool:
    """An administrator sends an edited entry (.yaml): checked whole, then used at once. False
    when the sender is no administrator (the file is then not ours to read)."""
    if not is_admin(update, context):
        return False
    lang = user_language(update, context)
    _ = gettext_for(lang)
    document = update.effective_message.document
    if document.file_size and document.file_size > MAX_ENTRY_BYTES:
        await say_plainly(update, context, _("That file is too large for an entry."))
        return True
    raw = await (await document.get_file()).download_as_bytearray()
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        await say_plainly(update, context, _("The file must be UTF-8 text (YAML)."))
        return True
    knowledge = context.services.knowledge
    try:
        entry, created = await context.workers.searching(
            knowledge.edit, text, update.effective_user.id, document.file_name or "entry"
        )
    except EntryError as error:
        problem = entry_problem(error, lang)
        await say_plainly(
            update, context, _("Nothing was saved: {problem}").format(problem=problem)
        )
        return True
    said = _("Added entry {id}.") if created else _("Saved entry {id}.")
    await say_plainly(
        update, context, said.format(id=entry.id) + " " + _("I answer with it from now on.")
    )
    return True
