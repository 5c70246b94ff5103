"""Every structured message rendered for people who read a language: HTML text with buttons, a
venue, or a document. Telegram, the terminal chat and the outbox all render through here. A
badge delivery, a rejection and an announcement are looked up first (the outbox does, on a store worker) and
rendered from what was found; unlooked-up, they render as nothing."""

from __future__ import annotations

from dataclasses import replace

from actions.messages import (
    AnnouncementSent,
    AnnouncementWithdrawn,
    Answer,
    BadgeEarned,
    BadgeWallet,
    Details,
    EvidenceRejected,
    FollowedNews,
    Message,
    Notice,
    Offer,
    Reminder,
    SavedList,
    StaffJoined,
    StaffRemoved,
    Unsure,
    Venue,
)
from badges.claims import Rejection
from badges.delivery import BadgeDelivery
from bot.announcement_cards import announcement_card
from bot.badge_cards import delivery_card, rejection_card, wallet_card
from bot.cards import (
    Rendered,
    details_card,
    language_choices,
    notice_html,
    offer_card,
    reminder_card,
    result_list_card,
    saved_list,
)
from bot.follow_cards import card_follow_choices, follow_menu, news_card
from bot.i18n import gettext_for
from bot.knowledge_cards import render_answer, render_unsure
from bot.staff_cards import joined_card, removed_card
from organisations.announcing import AnnouncementCard

Renderable = Message | BadgeDelivery | Rejection | AnnouncementCard


def render(
    message: Renderable, lang: str, saved: frozenset[int] = frozenset(), simple: bool = False
) -> list[Rendered]:
    """`message` for people who read `lang`; `saved` holds the ids of what they saved; `simple`:
    the big-button mode (fewer buttons)."""
    if isinstance(message, BadgeDelivery):
        return [delivery_card(message, lang)]
    if isinstance(message, Rejection):
        return [rejection_card(message, lang)]
    if isinstance(message, AnnouncementCard):
        return [announcement_card(message, lang)]
    if isinstance(message, BadgeEarned | EvidenceRejected | AnnouncementSent):  # not looked up
        return []
    if isinstance(message, AnnouncementWithdrawn):  # the outbox deletes or edits, sends nothing
        return []
    if isinstance(message, StaffRemoved):
        return [removed_card(message, lang)]
    if isinstance(message, StaffJoined):
        return [joined_card(message, lang)]
    if isinstance(message, BadgeWallet):
        return [wallet_card(message, lang)]
    if isinstance(message, Notice):
        if message.code == "subscribe":  # what to follow, as buttons
            return [follow_menu(lang)]
        if message.code == "choose_language":
            _ = gettext_for(lang)
            return [Rendered(_("Choose a language:"), [language_choices()])]
        return [Rendered(notice_html(message.code, lang, message.params))]
    if isinstance(message, Venue):
        return [Rendered(venue=message.opportunity)]
    if isinstance(message, SavedList):
        return [saved_list(message, lang)]
    if isinstance(message, Reminder):
        return [reminder_card(message, lang)]
    if isinstance(message, Details):
        card = details_card(message, lang, saved)
        if not simple:  # the simple mode keeps its big buttons few
            follow = card_follow_choices(message.opportunity, lang)
            card = replace(card, choices=[*card.choices, *follow])
        return [card]
    if isinstance(message, FollowedNews):
        return news_card(message, lang)
    if isinstance(message, Answer):
        return render_answer(message, lang)
    if isinstance(message, Unsure):
        return render_unsure(message, lang)
    if isinstance(message, Offer):
        return offer_card(message, lang)
    return [result_list_card(message, lang, saved)]


def render_all(
    messages: list[Renderable],
    lang: str,
    saved: frozenset[int] = frozenset(),
    simple: bool = False,
) -> list[Rendered]:
    """Every reply to one message; a note on the message's language opens the next reply."""
    out: list[Rendered] = []
    preface = ""
    for message in messages:
        if isinstance(message, Notice) and message.code == "guessed_language":
            preface = "<i>" + notice_html(message.code, lang, message.params) + "</i>\n\n"
            continue
        for rendered in render(message, lang, saved, simple):
            if preface and rendered.venue is None:
                rendered = replace(rendered, html=preface + rendered.html)
                preface = ""
            out.append(rendered)
    if preface:
        out.append(Rendered(preface.strip()))
    return out
