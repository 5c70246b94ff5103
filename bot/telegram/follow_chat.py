"""Telegram handlers of following: /follow (topics, districts and organisations of the city as
buttons, ✅ on what the person follows), /following (a remove button each, and the switch between
instant news and a weekly digest), a details card's buttons that follow its organiser, topics
and district, and an organisation's follow link (`/start follow-<slug>`, also its QR code). The
use cases are organisations.following's; here is only what the chat shows."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.error import BadRequest

from bot.callbacks import Pressed
from bot.cards import Rendered
from bot.follow_cards import (
    FROM_CARD,
    FROM_FOLLOWING,
    KINDS,
    MENU,
    follow_list,
    follow_menu,
    follow_toast,
    followed_html,
    following_card,
    shown,
)
from bot.telegram.common import inline_markup, send, user_language
from bot.telegram.state import ColbotContext
from organisations.following import DISTRICT, FollowService

log = logging.getLogger(__name__)
FOLLOW_LINK = re.compile(r"follow-([a-z0-9][a-z0-9-]{0,62})")  # /start follow-<slug>


def follows(context: ColbotContext) -> FollowService:
    return context.services.follows


async def answer(update: Update, context: ColbotContext, rendered: Rendered) -> None:
    chat = update.effective_chat
    if chat is not None:
        await send(context.bot, chat.id, rendered, user_language(update, context))


async def replace_with(update: Update, rendered: Rendered) -> None:
    """Show `rendered` in the pressed message instead (a list's page, /following again)."""
    query = update.callback_query
    try:
        await query.edit_message_text(
            rendered.html, parse_mode="HTML", reply_markup=inline_markup(rendered)
        )
    except BadRequest as error:  # unchanged, too old to edit, or deleted
        log.info("could not update a follow list: %s", error.message)


# ---- /follow -------------------------------------------------------------------------------------
async def on_follow(update: Update, context: ColbotContext) -> None:
    """/follow: what kind of thing to follow."""
    await answer(update, context, follow_menu(user_language(update, context)))


async def list_page(context: ColbotContext, kind: str, offset: int, lang: str) -> Rendered:
    """One page of /follow's list of `kind`, with ✅ on what the person follows."""
    service = follows(context)
    person_id = context.person.person_id

    def read() -> tuple[list, set[str]]:
        items = service.active_districts() if kind == DISTRICT else service.followables(kind)
        mine = service.following(person_id).items if person_id is not None else []
        return items, {f.token for f in mine if f.kind == kind}

    items, followed = await context.workers.storing(read)
    return follow_list(kind, items, followed, offset, lang)


def _offset(pressed: Pressed, index: int) -> int:
    part = pressed.parts[index] if len(pressed.parts) > index else "0"
    return int(part) if part.isdigit() and len(part) <= 6 else 0


async def on_list(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """'flist:<o|t|d|m>:<offset>': a page of a list, or the menu again."""
    lang = user_language(update, context)
    letter = pressed.parts[0] if pressed.parts else ""
    if letter == MENU or letter not in KINDS:
        await replace_with(update, follow_menu(lang))
        return None
    await replace_with(update, await list_page(context, KINDS[letter], _offset(pressed, 1), lang))
    return None


async def on_follow_pressed(update: Update, context: ColbotContext, pressed: Pressed) -> str:
    """'fol:<o|t|d>:<token>:<offset>': follow it; the list shows ✅ on it. 'fol:<t|d>:<token>:c':
    a details card's topic or district, followed as the organiser's button follows (the card
    stays; a message says so the first time)."""
    lang = user_language(update, context)
    person_id = context.person.person_id
    kind = KINDS.get(pressed.parts[0]) if len(pressed.parts) >= 2 else None
    if kind is None or person_id is None:
        return follow_toast("gone", "", lang)
    service = follows(context)

    def follow() -> tuple[str, str]:
        found = service.by_token(kind, pressed.parts[1])
        if found is None:
            return "gone", ""
        result = service.follow(person_id, kind, found.key)
        return result.outcome.value, shown(found, lang)

    outcome, name = await context.workers.storing(follow)
    if len(pressed.parts) > 2 and pressed.parts[2] == FROM_CARD:
        if outcome == "new":
            await answer(update, context, Rendered(followed_html("new", name, lang)))
    else:
        await replace_with(update, await list_page(context, kind, _offset(pressed, 2), lang))
    return follow_toast(outcome, name, lang)


async def on_unfollow_pressed(update: Update, context: ColbotContext, pressed: Pressed) -> str:
    """'unf:<o|t|d>:<token>:<offset|l>': stop following it; the list or /following shows it."""
    lang = user_language(update, context)
    person_id = context.person.person_id
    kind = KINDS.get(pressed.parts[0]) if len(pressed.parts) >= 2 else None
    if kind is None or person_id is None:
        return follow_toast("gone", "", lang)
    service = follows(context)
    removed = await context.workers.storing(
        service.unfollow_token, person_id, kind, pressed.parts[1]
    )
    if len(pressed.parts) > 2 and pressed.parts[2] == FROM_FOLLOWING:
        following = await context.workers.storing(service.following, person_id)
        await replace_with(update, following_card(following, lang))
    else:
        await replace_with(update, await list_page(context, kind, _offset(pressed, 2), lang))
    name = shown(removed, lang) if removed else ""
    return follow_toast("removed" if removed else "gone", name, lang)


# ---- /following ----------------------------------------------------------------------------------
async def on_following(update: Update, context: ColbotContext) -> None:
    """/following: what the person follows, and how they hear of it."""
    lang = user_language(update, context)
    person_id = context.person.person_id
    if person_id is None:
        return
    following = await context.workers.storing(follows(context).following, person_id)
    await answer(update, context, following_card(following, lang))


async def on_news_mode(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """'news:<instant|weekly>': how they hear of what they follow; /following shows it."""
    lang = user_language(update, context)
    person_id = context.person.person_id
    mode = pressed.parts[0] if pressed.parts else ""
    service = follows(context)
    if person_id is None or not await context.workers.storing(service.set_news, person_id, mode):
        return follow_toast("gone", "", lang)
    following = await context.workers.storing(service.following, person_id)
    await replace_with(update, following_card(following, lang))
    return None


# ---- a card's button, a follow link ------------------------------------------------------------
async def on_follow_organiser(update: Update, context: ColbotContext, pressed: Pressed) -> str:
    """'forg:<opportunity id>': follow the organisation that offers it."""
    lang = user_language(update, context)
    person_id, opportunity_id = context.person.person_id, pressed.number()
    if person_id is None or opportunity_id is None:
        return follow_toast("gone", "", lang)
    result = await context.workers.storing(
        follows(context).follow_organiser, person_id, opportunity_id
    )
    name = result.followed.name if result.followed else ""
    if result.outcome.value == "new":
        await answer(update, context, Rendered(followed_html("new", name, lang)))
    return follow_toast(result.outcome.value, name, lang)


def follow_slug(argument: str) -> str | None:
    """The slug of a follow link's start parameter (`follow-<slug>`), or None."""
    match = FOLLOW_LINK.fullmatch(argument)
    return match.group(1) if match else None


async def on_follow_link(update: Update, context: ColbotContext, slug: str) -> None:
    """/start follow-<slug>: follow that organisation (an unknown one gets a polite word)."""
    lang = user_language(update, context)
    person_id = context.person.person_id
    if person_id is None:
        return
    result = await context.workers.storing(follows(context).follow, person_id, "organisation", slug)
    name = result.followed.name if result.followed else ""
    await answer(update, context, Rendered(followed_html(result.outcome.value, name, lang)))
