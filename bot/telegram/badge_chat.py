"""Telegram handlers of badges: a claim link opened (`/start badge-<code>`), the evidence a claim
asks for (the person's next message) and its review by the organisation's administrators
(approve, or reject with a reason), the learner's own badges (/mybadges: sent again, exported,
hidden or shown, given up) and their e-mail address (/email). Handlers only translate: the
use cases in badges/ (`Services.badges`) decide, and check every privileged step themselves
(access.policy)."""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from access.policy import Actor, Capability
from actions.messages import BadgeWallet
from badges.claims import (
    ClaimStatus,
    Review,
    evidence_of_text,
    evidence_problem,
    reason_problem,
)
from badges.problems import (
    AlreadyRevoked,
    BadgeProblem,
    BadInput,
    BornExpired,
    EvidenceRefused,
    IssuerMissing,
    NotAllowed,
    UnknownAward,
)
from badges.wallet import WalletBadge
from bot.badge_cards import (
    EXPORT_FORMS,
    badge_file_card,
    badge_title,
    claim_outcome_html,
    delivery_card,
    evidence_problem_text,
    export_menu,
    give_up_question,
    name_question,
    reason_problem_text,
    review_card,
)
from bot.callbacks import Pressed
from bot.i18n import format_day, gettext_for, ngettext_for
from bot.render import render_all
from bot.telegram.common import (
    call,
    in_store,
    inline_markup,
    language_of,
    main_keyboard,
    reply,
    say_plainly,
    send,
    user_language,
)
from bot.telegram.privileged import privileged
from bot.telegram.state import AwaitedEvidence, ColbotContext
from organisations.acting import ActingFor
from store import people

log = logging.getLogger(__name__)

MAX_OFFSET = 10_000  # a wallet page further than this is a forged button
REVIEWS_SHOWN = 20  # /reviews sends at most this many


async def say_html(update: Update, context: ColbotContext, html: str, **options: Any) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(
            chat.id, html, parse_mode=ParseMode.HTML, disable_web_page_preview=True, **options
        )


def _actor(update: Update) -> Actor:
    return Actor.on_telegram(update.effective_user.id)


def _badge_gone(lang: str) -> str:
    _ = gettext_for(lang)
    return _("That badge is no longer in your list. /mybadges shows the ones you have.")


def _cannot_issue(lang: str, reviewer: bool = False) -> str:
    """A badge whose issuer is not set up (no profile of its own, no ISSUER_NAME…)."""
    _ = gettext_for(lang)
    if reviewer:
        return _(
            "This badge cannot be issued yet: its issuer is not set up. The platform's "
            "administrator can set it (ISSUER_NAME, ISSUER_URL, ISSUER_EMAIL)."
        )
    return _("Sorry, this badge cannot be issued right now. Please tell the organiser.")


def _old_button(lang: str) -> str:
    _ = gettext_for(lang)
    return _("This button no longer works. Please search again.")


async def _drop_buttons(query: Any) -> None:
    """The pressed message without its buttons (they did their work)."""
    if not isinstance(getattr(query.message, "reply_markup", None), InlineKeyboardMarkup):
        return
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:  # too old to edit, or edited meanwhile
        log.info("could not take the buttons off a message: %s", error.message)


# ---- claim links ---------------------------------------------------------------------------------
async def on_claim(update: Update, context: ColbotContext, code: str) -> None:
    """`/start badge-<code>`: the badge, a request for evidence, or why not, in plain words."""
    lang = user_language(update, context)
    person = context.person
    if person.person_id is None:  # pragma: no cover - before_every_update knows everyone
        _ = gettext_for(lang)
        await say_plainly(
            update, context, _("Sorry, something went wrong on my side. Please try again.")
        )
        return
    badges = context.services.badges
    try:
        outcome = await context.workers.storing(badges.redeem, person.person_id, code)
    except IssuerMissing:
        await say_plainly(update, context, _cannot_issue(lang))
        return
    except BadgeProblem:  # forgotten meanwhile (a /delete in another update)
        _ = gettext_for(lang)
        await say_plainly(
            update, context, _("Sorry, something went wrong on my side. Please try again.")
        )
        return
    if outcome.status is ClaimStatus.NEEDS_EVIDENCE:
        person.evidence_for = AwaitedEvidence(dict(outcome.badge_name))
    elif outcome.status is not ClaimStatus.TOO_MANY_ATTEMPTS:
        person.evidence_for = None
    html = claim_outcome_html(outcome, lang)
    await say_html(update, context, html, reply_markup=main_keyboard(lang))


# ---- evidence ------------------------------------------------------------------------------------
def _evidence_in(message: Any) -> tuple[str, str | None, str | None, str | None, int | None] | None:
    """What a message offers as evidence: (kind, text, url, file id, size); None when it offers
    nothing the review can use (a sticker, a voice message, a location)."""
    if message.photo:
        largest = message.photo[-1]
        return "photo", None, None, largest.file_id, largest.file_size
    if message.document is not None:
        document = message.document
        return "file", None, None, document.file_id, document.file_size
    if message.text:
        kind, text, url = evidence_of_text(message.text)
        return kind, text, url, None, None
    return None


async def recall_awaited_evidence(context: ColbotContext) -> None:
    """After a restart: the claim that waited for this person's evidence, from the database
    (asked once, at the person's first update since the bot started)."""
    person = context.person
    if person.person_id is not None and person.evidence_for is None:
        name = await context.workers.storing(
            context.services.badges.awaited_evidence, person.person_id
        )
        if name is not None:
            person.evidence_for = AwaitedEvidence(name)


async def take_evidence(update: Update, context: ColbotContext) -> bool:
    """The person's message as the evidence their claim waits for; False when no claim waits.
    Evidence that cannot be taken is refused politely, nothing is kept, and the claim still
    waits."""
    person = context.person
    awaited = person.evidence_for
    if awaited is None or person.person_id is None:
        return False
    lang = user_language(update, context)
    _ = gettext_for(lang)
    offered = _evidence_in(update.effective_message)
    if offered is None:
        await say_plainly(update, context, evidence_problem_text("empty", lang))
        return True
    kind, text, url, file_id, size = offered
    problem = evidence_problem(kind, text, url, file_id, size)
    if problem is not None:
        await say_plainly(update, context, evidence_problem_text(problem.code, lang))
        return True
    badges = context.services.badges
    try:
        outcome = await context.workers.storing(
            badges.submit_evidence, person.person_id, None, kind, text, url, file_id, size
        )
    except EvidenceRefused as refused:
        await say_plainly(update, context, evidence_problem_text(refused.code, lang))
        return True
    except IssuerMissing:
        person.evidence_for = None
        await say_plainly(update, context, _cannot_issue(lang))
        return True
    except BadgeProblem:  # forgotten meanwhile
        person.evidence_for = None
        await say_plainly(
            update, context, _("Sorry, something went wrong on my side. Please try again.")
        )
        return True
    person.evidence_for = None
    if outcome.status is ClaimStatus.PENDING_REVIEW and outcome.submission_id is not None:
        await say_html(
            update,
            context,
            _(
                "Thank you! I have sent your evidence for the badge {badge} to the organiser. "
                "When they approve it, the badge comes here."
            ).format(badge=badge_title(awaited.badge_name, lang)),
        )
        await tell_reviewers(context, outcome.submission_id)
        return True
    await say_html(update, context, claim_outcome_html(outcome, lang))
    return True


async def tell_reviewers(context: ColbotContext, submission_id: int) -> None:
    """Everyone who may review the evidence gets it with approve and reject; one who cannot be
    reached (never started the bot, blocked it) is skipped: /reviews lists what waits."""
    found = await context.workers.storing(context.services.badges.for_review, submission_id)
    if found is None:
        return
    review, reviewers = found
    for telegram_id in reviewers:
        lang = await language_of(context, telegram_id)
        try:
            await send_review(context, telegram_id, review, lang)
        except TelegramError as error:
            log.info("could not show evidence to a reviewer: %s", error.message)


async def send_review(context: ColbotContext, chat_id: int, review: Review, lang: str) -> None:
    """The evidence (a photo or a file forwarded by its Telegram file id, or the text or link
    itself) with approve and reject."""
    card = review_card(review, lang, context.services.city.zone)
    markup = inline_markup(card)
    bot = context.bot
    if review.kind == "photo" and review.telegram_file_id:
        await bot.send_photo(
            chat_id,
            review.telegram_file_id,
            caption=card.html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    elif review.kind == "file" and review.telegram_file_id:
        await bot.send_document(
            chat_id,
            review.telegram_file_id,
            caption=card.html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    else:
        await send(bot, chat_id, card, lang)


@privileged(Capability.AWARD)
async def on_reviews(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    """/reviews: the evidence waiting for this administrator's review, each with its buttons."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    badges = context.services.badges
    waiting = await context.workers.storing(badges.pending_reviews, _actor(update), REVIEWS_SHOWN)
    if not waiting:
        await say_plainly(update, context, _("No evidence waits for your review."))
        return
    for review in waiting:
        await send_review(context, update.effective_chat.id, review, lang)


def _refusal(lang: str) -> str:
    _ = gettext_for(lang)
    return _("Only the organisation's administrators can review evidence.")


def _reviewed_already(lang: str) -> str:
    _ = gettext_for(lang)
    return _("This evidence has already been reviewed.")


def _born_expired(lang: str, expired_at: datetime, zone: tzinfo) -> str:
    """Evidence approved after the day the participants' list set for the award to expire."""
    _ = gettext_for(lang)
    return _(
        "The participants' list set this badge to expire on {day}, and that day has passed: "
        "approved now, the learner would get an expired badge, so nothing was awarded. You can "
        "still reject the evidence with a reason for the learner."
    ).format(day=format_day(expired_at.astimezone(zone), lang))


async def on_approve(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """✅ on evidence: the learner gets the badge (through the outbox)."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    submission_id = pressed.number()
    if submission_id is None:
        return _old_button(lang)
    badges = context.services.badges
    try:
        await context.workers.storing(badges.approve, _actor(update), submission_id)
    except NotAllowed:
        await say_plainly(update, context, _refusal(lang))
        return None
    except IssuerMissing:
        await say_plainly(update, context, _cannot_issue(lang, reviewer=True))
        return None
    except BornExpired as late:  # the participants' list's expiry passed before the review
        said = _born_expired(lang, late.expired_at, context.services.city.zone)
        await say_plainly(update, context, said)
        return None
    except BadInput:
        await say_plainly(update, context, _reviewed_already(lang))
        return None
    await _drop_buttons(update.callback_query)
    await say_plainly(
        update, context, "✅ " + _("Approved: the learner gets the badge in a moment.")
    )
    return None


async def on_reject(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """❌ on evidence: the administrator's next message is the reason the learner reads."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    submission_id = pressed.number()
    if submission_id is None:
        return _old_button(lang)
    badges = context.services.badges
    try:
        await context.workers.storing(badges.review, _actor(update), submission_id)
    except NotAllowed:
        await say_plainly(update, context, _refusal(lang))
        return None
    except BadInput:
        await say_plainly(update, context, _reviewed_already(lang))
        return None
    context.person.rejecting = submission_id
    await say_plainly(
        update,
        context,
        _(
            "Why is it not enough? Write the reason in one message: the learner reads it. /cancel stops."
        ),
    )
    return None


async def take_reason(update: Update, context: ColbotContext, text: str) -> bool:
    """An administrator's message as the reason for the rejection they chose; False when they
    are giving no reason."""
    person = context.person
    submission_id = person.rejecting
    if submission_id is None:
        return False
    lang = user_language(update, context)
    _ = gettext_for(lang)
    problem = reason_problem(text)
    if problem is not None:
        await say_plainly(update, context, reason_problem_text(problem.code, lang))
        return True
    badges = context.services.badges
    try:
        await context.workers.storing(badges.reject, _actor(update), submission_id, text)
    except EvidenceRefused as refused:
        await say_plainly(update, context, reason_problem_text(refused.code, lang))
        return True
    except NotAllowed:
        person.rejecting = None
        await say_plainly(update, context, _refusal(lang))
        return True
    except BadInput:
        person.rejecting = None
        await say_plainly(update, context, _reviewed_already(lang))
        return True
    person.rejecting = None
    await say_plainly(
        update,
        context,
        "❌ " + _("Rejected. I am telling the learner why; they may send new evidence."),
    )
    return True


async def cancel(update: Update, context: ColbotContext) -> bool:
    """/cancel while a claim waits for evidence, or while a reason is awaited: that ends; False
    when neither was under way."""
    person = context.person
    if person.evidence_for is None and person.rejecting is None:
        return False
    _ = gettext_for(user_language(update, context))
    if person.rejecting is not None:
        said = _("Done: the evidence stays waiting for a review.")
    else:
        said = _(
            "Done: I no longer wait for evidence. Open the badge link again when you are ready."
        )
        if person.person_id is not None:
            await context.workers.storing(
                context.services.badges.stop_awaiting_evidence, person.person_id
            )
    person.evidence_for = person.rejecting = None
    await say_plainly(update, context, said)
    return True


# ---- the learner's own badges ----------------------------------------------------------------------
async def on_mybadges(update: Update, context: ColbotContext) -> None:
    await reply(update, context, await call(context, "action_my_badges", {}))


def _offset(pressed: Pressed, index: int) -> int | None:
    if index >= len(pressed.parts):
        return 0
    part = pressed.parts[index]
    if not part.isascii() or not part.isdigit() or int(part) > MAX_OFFSET:
        return None
    return int(part)


async def on_wallet_page(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """'More badges': the next page of the learner's badges."""
    offset = _offset(pressed, 0)
    if offset is None:
        await say_plainly(update, context, _old_button(user_language(update, context)))
        return
    messages = await call(context, "action_my_badges", {"wallet_offset": offset})
    await reply(update, context, messages)


def _award(pressed: Pressed) -> str:
    return pressed.parts[0] if pressed.parts else ""


async def on_resend(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """📩: the baked badge again, as it was delivered."""
    lang = user_language(update, context)
    badges, person_id = context.services.badges, context.person.person_id
    found = None
    if person_id is not None:
        found = await context.workers.storing(badges.delivery, _award(pressed), person_id)
    if found is None:
        await say_plainly(update, context, _badge_gone(lang))
        return
    await send(context.bot, update.effective_chat.id, delivery_card(found, lang), lang)


async def _their_badge(
    update: Update, context: ColbotContext, award_id: str, lang: str
) -> WalletBadge | None:
    """One badge of the person who pressed, or None after saying it is no longer theirs."""
    person_id = context.person.person_id
    try:
        if person_id is None:
            raise UnknownAward("nobody")
        return await context.workers.storing(context.services.badges.my_badge, person_id, award_id)
    except UnknownAward:
        await say_plainly(update, context, _badge_gone(lang))
        return None


async def on_export(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """📤: the forms the badge can be exported as."""
    lang = user_language(update, context)
    badge = await _their_badge(update, context, _award(pressed), lang)
    if badge is None:
        return
    card = export_menu(badge.badge_name, badge.award_id, lang)
    await send(context.bot, update.effective_chat.id, card, lang)


async def on_export_as(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """One export: the baked PNG, the credential as a .jwt file, or the PNG baked with it."""
    lang = user_language(update, context)
    form = pressed.parts[0] if pressed.parts else ""
    award_id = pressed.parts[1] if len(pressed.parts) > 1 else ""
    badges, person_id = context.services.badges, context.person.person_id
    if form not in EXPORT_FORMS:
        await say_plainly(update, context, _old_button(lang))
        return
    try:
        if person_id is None:
            raise UnknownAward("nobody")
        found = await context.workers.storing(badges.my_file, person_id, award_id, form)
    except (UnknownAward, AlreadyRevoked):
        await say_plainly(update, context, _badge_gone(lang))
        return
    await send(context.bot, update.effective_chat.id, badge_file_card(found, lang), lang)


async def on_hide(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """🙈: off its public page (it stays verifiable); `bhide:<award>:<offset>:name`: the
    learner's name off it."""
    if _what(pressed) == "name":
        return await _name_on_page(update, context, pressed, shown=False)
    return await _show_or_hide(update, context, pressed, hidden=True)


async def on_show(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """👁: on its public page again; 👤 (`bshow:<award>:<offset>:ask`): whether their name is
    to be shown there, and (`bshow:<award>:<offset>:name`) their answer: yes."""
    what = _what(pressed)
    if what == "ask":
        return await _ask_about_name(update, context, pressed)
    if what == "name":
        return await _name_on_page(update, context, pressed, shown=True)
    return await _show_or_hide(update, context, pressed, hidden=False)


def _what(pressed: Pressed) -> str:
    return pressed.parts[2] if len(pressed.parts) > 2 else ""


def _first_name(update: Update) -> str:
    user = update.effective_user
    return (user.first_name if user is not None else "") or ""


async def _ask_about_name(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """👤: the name the public page would show (their first name on Telegram) and a button to
    show it, or, when it is shown, a button to take it off."""
    lang = user_language(update, context)
    offset = _offset(pressed, 1)
    badge = await _their_badge(update, context, _award(pressed), lang)
    if badge is None or offset is None:
        return
    card = name_question(
        badge.badge_name, badge.award_id, offset, badge.shows_name, _first_name(update), lang
    )
    await send(context.bot, update.effective_chat.id, card, lang)


async def _name_on_page(
    update: Update, context: ColbotContext, pressed: Pressed, shown: bool
) -> str | None:
    """The learner's choice: their first name on Telegram on the badge's public page, or no
    name there."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    badges, person_id = context.services.badges, context.person.person_id
    name = _first_name(update) if shown else None
    try:
        if person_id is None:
            raise UnknownAward("nobody")
        await context.workers.storing(badges.show_name, person_id, _award(pressed), name)
    except UnknownAward:
        await say_plainly(update, context, _badge_gone(lang))
        return None
    except BadInput:  # no first name, or one that cannot be kept
        await say_plainly(update, context, _("Your name on Telegram cannot be shown there."))
        return None
    await _drop_buttons(update.callback_query)
    if shown:
        return "👤 " + _("Your name is on its public page")
    return "🙈 " + _("Your name is off its public page")


async def _show_or_hide(
    update: Update, context: ColbotContext, pressed: Pressed, hidden: bool
) -> str | None:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    badges, person_id = context.services.badges, context.person.person_id
    offset = _offset(pressed, 1)
    try:
        if person_id is None or offset is None:
            raise UnknownAward("nobody")
        await context.workers.storing(badges.hide, person_id, _award(pressed), hidden)
    except UnknownAward:
        await say_plainly(update, context, _badge_gone(lang))
        return None
    await _show_page_again(update, context, offset, lang)
    if hidden:
        return "🙈 " + _("Hidden from its public page")
    return "👁 " + _("Shown on its public page again")


async def _show_page_again(update: Update, context: ColbotContext, offset: int, lang: str) -> None:
    """The pressed list of badges, as it is now."""
    messages = await call(context, "action_my_badges", {"wallet_offset": offset})
    if not messages or not isinstance(messages[0], BadgeWallet):
        return
    [page] = render_all(messages[:1], lang)
    try:
        await update.callback_query.edit_message_text(
            page.html,
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(page),
            disable_web_page_preview=True,
        )
    except BadRequest as error:  # too old to edit, or edited meanwhile
        log.info("could not show the badges again: %s", error.message)


async def on_give_up(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """🗑: asks first."""
    lang = user_language(update, context)
    badge = await _their_badge(update, context, _award(pressed), lang)
    if badge is None:
        return
    card = give_up_question(badge.badge_name, badge.award_id, lang)
    await send(context.bot, update.effective_chat.id, card, lang)


async def on_give_up_sure(update: Update, context: ColbotContext, pressed: Pressed) -> None:
    """'Yes, give it up': revoked, and no longer theirs."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    badges, person_id = context.services.badges, context.person.person_id
    award_id = _award(pressed)
    try:
        if person_id is None:
            raise UnknownAward("nobody")
        badge = await context.workers.storing(badges.my_badge, person_id, award_id)
        await context.workers.storing(badges.give_up, person_id, award_id)
    except UnknownAward:
        await say_plainly(update, context, _badge_gone(lang))
        return
    await _drop_buttons(update.callback_query)
    await say_html(
        update,
        context,
        _("You have given up the badge {badge}.").format(badge=badge_title(badge.badge_name, lang)),
    )


async def on_keep(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """'No, keep it'."""
    await _drop_buttons(update.callback_query)
    _ = gettext_for(user_language(update, context))
    return _("You keep it.")


# ---- e-mail ----------------------------------------------------------------------------------------
OFF = frozenset({"off", "remove", "delete", "izbriši", "izbrisi", "odstrani"})


async def on_email(update: Update, context: ColbotContext) -> None:
    """/email shows the address badges name the learner by; `/email ADDRESS` sets it, `/email
    off` removes it; their badges are issued again each time."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    person_id = context.person.person_id
    if person_id is None:  # pragma: no cover - before_every_update knows everyone
        return
    given = " ".join(context.args or []).strip()
    if not given:
        stored = await in_store(context, people.stored_about, person_id)
        if stored is not None and stored.email:
            said = _("Your badges name you by {email} (kept as a hash in them).").format(
                email=stored.email
            )
            said += "\n" + _("/email off removes it; /email NEW@ADDRESS changes it.")
        else:
            said = _(
                "You have not given an e-mail address. With one, badge wallets that match on "
                "e-mail accept your badges: write /email name@example.org"
            )
        await say_plainly(update, context, said)
        return
    badges = context.services.badges
    address = None if given.lower() in OFF else given
    try:
        reissued = await context.workers.storing(badges.set_email, person_id, address)
    except BadInput:
        await say_plainly(
            update,
            context,
            _(
                "“{given}” does not look like an e-mail address. Write it like this: /email name@example.org"
            ).format(given=given[:60]),
        )
        return
    if address is None:
        said = _("I have removed your e-mail address.")
        if reissued:
            said += " " + ngettext(
                "Your {n} badge is issued again without it.",
                "Your {n} badges are issued again without it.",
                reissued,
            ).format(n=reissued)
    else:
        stored = await in_store(context, people.stored_about, person_id)
        shown = stored.email if stored is not None and stored.email else address
        said = _("Saved: {email}. Badges you earn name you by it (kept as a hash).").format(
            email=shown
        )
        if reissued:
            said += " " + ngettext(
                "Your {n} badge is issued again with it.",
                "Your {n} badges are issued again with it.",
                reissued,
            ).format(n=reissued)
        said += "\n" + _("/email off removes it.")
    await say_plainly(update, context, said)
