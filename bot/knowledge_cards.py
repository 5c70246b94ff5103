"""Plain-language answers rendered for people: the answer in short lines, its source, and the
matching courses; or, when the bot is unsure, the closest topics and whom to ask."""

from __future__ import annotations

from datetime import date
from html import escape

from babel.dates import format_date

from actions.messages import Answer, Unsure
from bot.callbacks import Button, callback
from bot.cards import Choice, Rendered, card_lines, pick
from bot.i18n import gettext_for

SIMPLE_COURSES = 2  # a senior's view: fewer things at once


def _lines(text: str) -> list[str]:
    return [escape(line.strip()) for line in text.splitlines() if line.strip()]


def render_answer(message: Answer, lang: str) -> list[Rendered]:
    _ = gettext_for(lang)
    lines = [f"<b>{escape(pick(message.title, lang))}</b>", ""]
    lines += _lines(pick(message.text, lang))
    if pick(message.next_step, lang):
        lines += ["", "➡️ " + escape(pick(message.next_step, lang))]
    written = format_date(date.fromisoformat(message.written), "long", locale=lang)
    link = f'<a href="{escape(message.source_url, quote=True)}">{escape(message.source_name)}</a>'
    lines += ["", "📚 " + _("Source: {source}, written {date}.").format(source=link, date=written)]
    courses = message.courses[:SIMPLE_COURSES] if message.simple else message.courses
    choices: list[list[Choice]] = []
    if courses:
        lines += ["", "<b>" + _("Where you can learn this:") + "</b>"]
        for number, view in enumerate(courses, start=1):
            lines.append("")
            lines.extend(card_lines(view, lang, number))
            label = f"ℹ️ {pick(view.title, lang)}" if message.simple else f"ℹ️ {number}"
            choices.append([Choice(label[:60], callback(Button.DETAILS, view.id))])
    if not message.simple and len(choices) > 1:  # compact: the detail buttons side by side
        choices = [[row[0] for row in choices]]
    if message.simple:
        choices.append(
            [Choice("⬅️ " + _("Back to the topics"), callback(Button.SIMPLE_MENU, "menu"))]
        )
    return [Rendered("\n".join(lines), choices)]


def contact_lines(contact: dict[str, str], lang: str) -> list[str]:
    _ = gettext_for(lang)
    name, phone, email = contact.get("name"), contact.get("phone"), contact.get("email")
    if not (phone or email):
        return [_("You can also ask a librarian at your nearest public library; they will help.")]
    lines = [_("You can also ask a person:") + (f" {escape(name)}" if name else "")]
    if phone:
        lines.append("☎️ " + escape(phone))
    if email:
        lines.append("✉️ " + escape(email))
    return lines


def render_unsure(message: Unsure, lang: str) -> list[Rendered]:
    _ = gettext_for(lang)
    lines = [_("I am not sure I understood. Is your question about one of these?")]
    choices = [
        [Choice("❓ " + pick(topic.title, lang)[:58], callback(Button.TOPIC, topic.entry_id))]
        for topic in message.topics
    ]
    if not choices:
        lines = [_("I am not sure I understood.")]
    lines += ["", *contact_lines(message.contact, lang)]
    return [Rendered("\n".join(lines), choices)]
