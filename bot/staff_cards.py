"""Staff news as the bot words it, in the person's language: a removed person told they no longer
act for the organisation, and the maker of an invitation told who took it (the first name
Telegram gave, escaped, nothing else)."""

from __future__ import annotations

from html import escape

from actions.messages import StaffJoined, StaffRemoved
from bot.cards import Rendered
from bot.i18n import gettext_for


def role_name(role: str | None, lang: str) -> str:
    _ = gettext_for(lang)
    return _("administrator") if role == "admin" else _("editor")


def removed_card(message: StaffRemoved, lang: str) -> Rendered:
    _ = gettext_for(lang)
    text = _(
        "You are no longer on the staff of {organisation}, so you no longer act for it. "
        "Its commands have left your menu. Everything else works as before."
    ).format(organisation=escape(message.organisation))
    return Rendered(text)


def joined_card(message: StaffJoined, lang: str) -> Rendered:
    _ = gettext_for(lang)
    name = escape(message.first_name) or _("Someone")
    text = _(
        "{name} opened your invitation and is now on the staff of {organisation} as {role}. "
        "/staff lists the staff."
    ).format(
        name=f"<b>{name}</b>",
        organisation=escape(message.organisation),
        role=role_name(message.role, lang),
    )
    return Rendered(text)
