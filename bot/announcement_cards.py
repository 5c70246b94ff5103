"""Organisations' announcements as followers get them (and as their administrators preview
them): the organisation's name, the text in the reader's language (else the other), a photo or
a file with the text as its caption, and the link as a button; and the words that replace a
withdrawn one."""

from __future__ import annotations

from html import escape

from bot.cards import Choice, KeptFile, Rendered, pick
from bot.i18n import gettext_for
from organisations.announcing import AnnouncementCard, WithdrawalNote


def header(organisation_name: str) -> str:
    return f"📣 <b>{escape(organisation_name)}</b>\n\n"


def announcement_card(card: AnnouncementCard, lang: str) -> Rendered:
    """One announcement for a person who reads `lang`."""
    _ = gettext_for(lang)
    content = card.content
    html = header(card.organisation_name) + escape(pick(content.texts, lang))
    choices = [[Choice(_("Open the link"), url=content.link)]] if content.link else []
    kept = None
    if content.photo:
        kept = KeptFile("photo", content.photo)
    elif content.document:
        kept = KeptFile("document", content.document)
    return Rendered(html, choices, kept=kept)


def withdrawn_text(note: WithdrawalNote, lang: str) -> str:
    """What a withdrawn announcement says instead, once it can no longer be deleted."""
    _ = gettext_for(lang)
    return header(note.organisation_name) + "<i>" + _("This announcement was withdrawn.") + "</i>"
