"""/badges for an organisation's administrators (Capability.AWARD), on the organisation they act
for: its badges (a page of buttons), and for each a claim link (shared by so many people for so
many days, or one per participant; the t.me deep link and its QR code as a PNG), an award to a
person (picked with Telegram's "choose a user" button, typed as a Telegram id or by a forwarded
message; previewed, then delivered through the outbox), claim links for a CSV list of
participants (a CSV of the links back, or the broken row and field named and nothing made), and
who earned it (a page of awards, each with Revoke: a reason, then a confirmation). /cancel
leaves at any step. The use cases (`Services.badges`) check the policy and write the audit
log; here is only the talking."""

from __future__ import annotations

import io
import logging
import re
import zipfile
from html import escape
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from access.policy import Capability
from badges.administering import EARNED_PAGE, PAGE, AdminBadge, EarnedPage
from badges.awarding import REASON_LENGTH, evidence_from_text, storable
from badges.claims import MAX_BATCH, MAX_USES, MAX_VALID_DAYS, ClaimLink, links_csv
from badges.problems import (
    AlreadyHolds,
    AlreadyRevoked,
    BadgeProblem,
    BadInput,
    BotUsernameMissing,
    Fault,
    IssuerMissing,
    NotAllowed,
    ParticipantsError,
    UnknownAward,
    UnknownPerson,
)
from bot.badge_cards import badge_title
from bot.callbacks import Button, Pressed, callback, parse_callback
from bot.i18n import format_day, gettext_for, ngettext_for
from bot.telegram.common import (
    answer_once,
    chat_draft,
    main_keyboard,
    step_by_step,
    user_language,
)
from bot.telegram.privileged import actor_of, privileged, refuse
from bot.telegram.state import ColbotContext
from organisations.acting import ActingFor

log = logging.getLogger(__name__)

CLAIM_KIND, PARTICIPANTS, EVIDENCE_CHOICE, PERSON, AWARD_EVIDENCE, CONFIRM, CSV_FILE, REASON = (
    range(8)
)
END = ConversationHandler.END
DRAFT_KEY = "badges"  # the step's answers so far, in the chat's data
SHARED_USES, SHARED_DAYS = 30, 14  # a shared link's defaults
LINK_DAYS = 14  # one-per-participant links from the chat are valid this long
PARTICIPANT_COUNTS = (10, 20, 30)
MAX_CSV_BYTES = 512 * 1024  # a participants' list sent in the chat
CSV_TYPES = frozenset({"text/csv", "text/comma-separated-values", "application/csv"})
REQUEST_ID = 14  # the "choose a user" button's request (users_shared answers with it)
TELEGRAM_ID = re.compile(r"[0-9]{1,16}")
LINKS_A_MESSAGE = 40
MAX_OFFSET = 100_000


# ---- the conversation ----------------------------------------------------------------------
def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    """/badges and every one of its buttons (they work from any earlier message too), step by
    step; /cancel leaves at any step."""
    text = filters.TEXT & ~filters.COMMAND & ~filters.FORWARDED
    other = ~filters.COMMAND & ~filters.TEXT
    return step_by_step(
        "badges",
        [
            CommandHandler("badges", on_badges),
            CallbackQueryHandler(on_pressed, pattern=f"^{Button.BADGES.value}:"),
        ],
        {
            CLAIM_KIND: [MessageHandler(text, on_numbers)],
            PARTICIPANTS: [MessageHandler(text, on_numbers)],
            EVIDENCE_CHOICE: [MessageHandler(text | other, on_use_buttons)],
            PERSON: [
                MessageHandler(filters.StatusUpdate.USERS_SHARED, on_users_shared),
                MessageHandler(filters.FORWARDED, on_forwarded),
                MessageHandler(text, on_typed_id),
                MessageHandler(other, on_not_a_person),
            ],
            AWARD_EVIDENCE: [
                MessageHandler(text, on_award_evidence),
                MessageHandler(other, on_not_text),
            ],
            CONFIRM: [MessageHandler(text | other, on_use_buttons)],
            CSV_FILE: [
                MessageHandler(filters.Document.ALL, on_csv),
                MessageHandler(text | (other & ~filters.Document.ALL), on_not_csv),
            ],
            REASON: [
                MessageHandler(text, on_reason),
                MessageHandler(other, on_not_text),
            ],
        },
        on_cancel,
        on_other_command,
    )


def _draft(context: ColbotContext) -> dict[str, Any]:
    return chat_draft(context, DRAFT_KEY)


def _new_draft(context: ColbotContext, **values: Any) -> dict[str, Any]:
    context.chat_data[DRAFT_KEY] = dict(values)  # type: ignore[index]
    return context.chat_data[DRAFT_KEY]  # type: ignore[index]


def _drop_draft(context: ColbotContext) -> None:
    context.chat_data.pop(DRAFT_KEY, None)  # type: ignore[union-attr]


def _button(label: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback(Button.BADGES, *parts))


async def _say(update: Update, context: ColbotContext, html: str, markup: Any = None) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(
            chat.id,
            html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            disable_web_page_preview=True,
        )


async def _show(
    update: Update, context: ColbotContext, html: str, markup: InlineKeyboardMarkup | None
) -> None:
    """A page: the pressed message edited to show it, or (for a command) a new message."""
    query = update.callback_query
    if query is not None:
        try:
            await query.edit_message_text(
                html, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
            )
            return
        except BadRequest as error:  # too old to edit, or the same page: said anew
            if "not modified" in error.message.lower():
                return
            log.info("could not show a /badges page in place: %s", error.message)
    await _say(update, context, html, markup)


def _old_button(lang: str) -> str:
    _ = gettext_for(lang)
    return _("This button no longer works. Please search again.")


async def _problem(update: Update, context: ColbotContext, problem: BadgeProblem) -> int:
    """A use case's refusal in words; the step ends and nothing was changed."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    _drop_draft(context)
    if isinstance(problem, NotAllowed):
        await refuse(update, context)
        return END
    if isinstance(problem, UnknownPerson):
        said = _(
            "This person has not written to the bot yet, so I cannot award them the badge. "
            "Send them a claim link instead (the “Claim link” button)."
        )
    elif isinstance(problem, AlreadyHolds):
        said = _("They already hold this badge.")
    elif isinstance(problem, AlreadyRevoked):
        said = _("That award is already revoked.")
    elif isinstance(problem, UnknownAward):
        said = _("That award no longer exists.")
    elif isinstance(problem, IssuerMissing):
        said = _(
            "This badge cannot be issued yet: its issuer is not set up. The platform's "
            "administrator can set it (ISSUER_NAME, ISSUER_URL, ISSUER_EMAIL)."
        )
    elif isinstance(problem, BotUsernameMissing):
        said = _(
            "Claim links need the bot's username; the platform's administrator can set it "
            "(TELEGRAM_BOT_USERNAME)."
        )
    else:  # an unknown badge (an old button), a value out of range
        said = _("That cannot be done: nothing was changed. /badges shows the badges again.")
    await _say(update, context, said, main_keyboard(lang))
    return END


# ---- /badges and the badge's own menu -------------------------------------------------------
@privileged(Capability.AWARD)
async def on_badges(update: Update, context: ColbotContext, organisation: ActingFor) -> int:
    """/badges: the badges of the organisation the administrator acts for."""
    _drop_draft(context)
    return await _list(update, context, organisation.organisation_id, organisation.name, 0)


async def _list(
    update: Update, context: ColbotContext, organisation_id: int, name: str, offset: int
) -> int:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    badges = context.services.badges
    try:
        page = await context.workers.storing(
            badges.organisation_badges, actor_of(update), organisation_id, offset
        )
    except BadgeProblem as problem:
        return await _problem(update, context, problem)
    if not page.total:
        await _say(
            update,
            context,
            _(
                "<b>{organisation}</b> issues no badges yet. A badge comes with an opportunity "
                "that offers one (the catalogue's “badge”)."
            ).format(organisation=escape(name)),
        )
        return END
    head = ngettext(
        "<b>{organisation}</b> issues {n} badge. Choose one:",
        "<b>{organisation}</b> issues {n} badges. Choose one:",
        page.total,
    ).format(organisation=escape(name), n=page.total)
    rows = [
        [_button(f"🏅 {_plain_name(badge, lang)} · {badge.held}", "b", badge.badge_id)]
        for badge in page.badges
    ]
    paging = []
    if page.offset > 0:
        paging.append(_button("‹ " + _("Back"), "pg", max(page.offset - PAGE, 0)))
    if page.offset + len(page.badges) < page.total:
        paging.append(_button(_("More") + " ›", "pg", page.offset + len(page.badges)))
    if paging:
        rows.append(paging)
    await _show(update, context, head, InlineKeyboardMarkup(rows))
    return END


def _plain_name(badge: AdminBadge, lang: str) -> str:
    return (badge.name.get(lang) or next(iter(badge.name.values()), "?"))[:40]


def badge_menu(badge: AdminBadge, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """One badge: how many hold it, and what its administrator can do."""
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    html = (
        badge_title(badge.name, lang)
        + "\n"
        + ngettext(
            "Awarded to {n} person so far.",
            "Awarded to {n} people so far.",
            badge.held,
        ).format(n=badge.held)
    )
    markup = InlineKeyboardMarkup(
        [
            [_button("🔗 " + _("Claim link"), "cl", badge.badge_id)],
            [_button("🎖 " + _("Award to a person"), "aw", badge.badge_id)],
            [_button("📄 " + _("Award from CSV"), "csv", badge.badge_id)],
            [_button("👥 " + _("Who earned it"), "we", badge.badge_id, 0)],
        ]
    )
    return html, markup


async def _badge(update: Update, context: ColbotContext, badge_id: str) -> AdminBadge | None:
    """The pressed badge, if the person may act for it (else a refusal, and None)."""
    try:
        return await context.workers.storing(
            context.services.badges.badge_for_admin, actor_of(update), badge_id
        )
    except BadgeProblem as problem:
        await _problem(update, context, problem)
        return None


# ---- every button ---------------------------------------------------------------------------
@privileged(Capability.AWARD)
async def on_pressed(update: Update, context: ColbotContext, organisation: ActingFor) -> int:
    """A /badges button, past the gate (the policy): its step. The badge or award it names is
    the use case's to check (it may be another organisation's)."""
    query = update.callback_query
    pressed = parse_callback(query.data)
    lang = user_language(update, context)
    await answer_once(update, context)
    if pressed is None or not pressed.parts:
        await _say(update, context, _old_button(lang))
        return END
    step = STEPS.get(pressed.parts[0])
    if step is None:
        await _say(update, context, _old_button(lang))
        return END
    return await step(update, context, pressed, organisation)


async def on_button(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """The button router's entry (bot/callbacks.py's table): a /badges button that reached it
    (the conversation takes them first) is handled the same way."""
    await on_pressed(update, context)
    return None


def _offset_of(pressed: Pressed, index: int) -> int | None:
    if index >= len(pressed.parts):
        return 0
    part = pressed.parts[index]
    if not part.isascii() or not part.isdigit() or int(part) > MAX_OFFSET:
        return None
    return int(part)


def _part(pressed: Pressed, index: int) -> str:
    return pressed.parts[index] if index < len(pressed.parts) else ""


async def step_page(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    offset = _offset_of(pressed, 1)
    if offset is None:
        await _say(update, context, _old_button(user_language(update, context)))
        return END
    return await _list(update, context, organisation.organisation_id, organisation.name, offset)


async def step_badge(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    badge = await _badge(update, context, _part(pressed, 1))
    if badge is None:
        return END
    html, markup = badge_menu(badge, user_language(update, context))
    await _say(update, context, html, markup)
    return END


# ---- claim links ----------------------------------------------------------------------------
async def step_claim(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    """'Claim link': shared (typed numbers, or the defaults) or one per participant."""
    badge = await _badge(update, context, _part(pressed, 1))
    if badge is None:
        return END
    lang = user_language(update, context)
    _ = gettext_for(lang)
    _new_draft(context, badge=badge.badge_id, opportunity=badge.opportunity_id, name=badge.name)
    await _say(
        update,
        context,
        _(
            "A claim link for {badge}.\n\n"
            "<b>Shared</b>: one link for a group. Write how many people may use it and for how "
            "many days, like <code>30 14</code>, or press the button.\n"
            "<b>One per participant</b>: each person gets a link of their own, used once.\n\n"
            "/cancel stops."
        ).format(badge=badge_title(badge.name, lang)),
        InlineKeyboardMarkup(
            [
                [
                    _button(
                        _("Shared: {uses} people, {days} days").format(
                            uses=SHARED_USES, days=SHARED_DAYS
                        ),
                        "sh",
                    )
                ],
                [_button(_("One link per participant"), "pp")],
            ]
        ),
    )
    return CLAIM_KIND


async def step_shared(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    draft = _draft(context)
    if "opportunity" not in draft:
        return await _stale(update, context)
    draft.update(kind="shared", uses=SHARED_USES, days=SHARED_DAYS)
    return await _ask_evidence(update, context)


async def step_per_participant(
    update: Update,
    context: ColbotContext,
    pressed: Pressed,
    organisation: ActingFor,
) -> int:
    draft = _draft(context)
    if "opportunity" not in draft:
        return await _stale(update, context)
    lang = user_language(update, context)
    _ = gettext_for(lang)
    draft["kind"] = "each"
    await _say(
        update,
        context,
        _(
            "How many participants? Write a number from 1 to {most}, or press one. Each link "
            "is valid for {days} days."
        ).format(most=MAX_BATCH, days=LINK_DAYS),
        InlineKeyboardMarkup([[_button(str(n), "pn", n) for n in PARTICIPANT_COUNTS]]),
    )
    return PARTICIPANTS


async def step_participant_count(
    update: Update,
    context: ColbotContext,
    pressed: Pressed,
    organisation: ActingFor,
) -> int:
    draft = _draft(context)
    count = pressed.number(1)
    if draft.get("kind") != "each" or count is None or count > MAX_BATCH:
        return await _stale(update, context)
    draft.update(count=count, days=LINK_DAYS)
    return await _ask_evidence(update, context)


def read_numbers(text: str) -> tuple[int, int | None] | None:
    """ "30 14" (or "30"): a number and, optionally, a number of days; None for anything else."""
    words = text.replace(",", " ").split()
    if not 1 <= len(words) <= 2 or not all(w.isascii() and w.isdigit() for w in words):
        return None
    numbers = [int(w) for w in words]
    return numbers[0], numbers[1] if len(numbers) == 2 else None


async def on_numbers(update: Update, context: ColbotContext) -> int:
    """Typed numbers: a shared link's uses and days, or how many participants (and days)."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    draft = _draft(context)
    if "opportunity" not in draft:
        return await _stale(update, context)
    numbers = read_numbers(update.effective_message.text or "")
    each = draft.get("kind") == "each"
    most = MAX_BATCH if each else MAX_USES
    fine = (
        numbers is not None
        and 1 <= numbers[0] <= most
        and (numbers[1] is None or 1 <= numbers[1] <= MAX_VALID_DAYS)
    )
    if not fine or numbers is None:
        if each:
            said = _("Write a number from 1 to {most}, or /cancel.").format(most=MAX_BATCH)
        else:
            said = _(
                "Write two numbers: how many people (1 to {uses}) and for how many days (1 to "
                "{days}), like 30 14. Or /cancel."
            ).format(uses=MAX_USES, days=MAX_VALID_DAYS)
        await _say(update, context, said)
        return PARTICIPANTS if each else CLAIM_KIND
    if each:
        draft.update(count=numbers[0], days=numbers[1] or LINK_DAYS)
    else:
        draft.update(kind="shared", uses=numbers[0], days=numbers[1] or SHARED_DAYS)
    return await _ask_evidence(update, context)


async def _ask_evidence(update: Update, context: ColbotContext) -> int:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await _say(
        update,
        context,
        _(
            "Should people send evidence (a photo, a file, a link or a few words) that you "
            "review before they get the badge?"
        ),
        InlineKeyboardMarkup(
            [
                [_button(_("Yes, ask for evidence"), "ev", "y")],
                [_button(_("No, the link is enough"), "ev", "n")],
            ]
        ),
    )
    return EVIDENCE_CHOICE


async def step_evidence(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    """Evidence or not: the links are made and sent."""
    draft = _draft(context)
    if draft.get("kind") not in ("shared", "each") or _part(pressed, 1) not in ("y", "n"):
        return await _stale(update, context)
    needs_evidence = _part(pressed, 1) == "y"
    badges = context.services.badges
    actor = actor_of(update)
    try:
        if draft["kind"] == "shared":
            made = [
                await context.workers.storing(
                    badges.claim_link,
                    actor,
                    draft["opportunity"],
                    draft["uses"],
                    draft["days"],
                    needs_evidence,
                )
            ]
        else:
            made = await context.workers.storing(
                badges.claim_links,
                actor,
                draft["opportunity"],
                draft["count"],
                draft["days"],
                needs_evidence,
            )
    except BadgeProblem as problem:
        return await _problem(update, context, problem)
    _drop_draft(context)
    await _send_links(update, context, draft["name"], made)
    return END


async def _send_links(
    update: Update, context: ColbotContext, name: dict[str, str], made: list[ClaimLink]
) -> None:
    """The deep link(s), and the QR code(s) to print: one PNG, or a ZIP of one PNG a link."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    zone = context.services.city.zone
    first = made[0]
    until = format_day(first.valid_until.astimezone(zone), lang) if first.valid_until else "—"
    evidence = _(" Evidence is asked for.") if first.needs_evidence else ""
    chat_id = update.effective_chat.id
    if len(made) == 1 and first.max_uses > 1:
        head = ngettext(
            "A shared claim link for {badge}: up to {n} person, valid until {until}.",
            "A shared claim link for {badge}: up to {n} people, valid until {until}.",
            first.max_uses,
        ).format(badge=badge_title(name, lang), n=first.max_uses, until=until)
        await _say(update, context, f"{head}{evidence}\n\n{first.link}", main_keyboard(lang))
        await context.bot.send_document(
            chat_id,
            InputFile(first.qr_png(), filename="claim-link-qr.png"),
            caption=_("The QR code of the link, to print."),
            disable_content_type_detection=True,
        )
        return
    head = ngettext(
        "{n} claim link for {badge}, one per participant, each used once, valid until {until}.",
        "{n} claim links for {badge}, one per participant, each used once, valid until {until}.",
        len(made),
    ).format(n=len(made), badge=badge_title(name, lang), until=until)
    await _say(update, context, head + evidence, main_keyboard(lang))
    lines = [f"{number}. {link.link}" for number, link in enumerate(made, 1)]
    for start in range(0, len(lines), LINKS_A_MESSAGE):
        await _say(update, context, "\n".join(lines[start : start + LINKS_A_MESSAGE]))
    await context.bot.send_document(
        chat_id,
        InputFile(qr_codes_zip(made), filename="claim-links-qr.zip"),
        caption=_("Their QR codes, to print: one PNG a participant, numbered as above."),
        disable_content_type_detection=True,
    )


def qr_codes_zip(made: list[ClaimLink]) -> bytes:
    """The links' QR codes as PNGs in one ZIP, numbered as the links are listed."""
    buffer = io.BytesIO()
    width = len(str(len(made)))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, link in enumerate(made, 1):
            archive.writestr(f"{number:0{width}d}.png", link.qr_png())
    return buffer.getvalue()


# ---- an award to a person -------------------------------------------------------------------
def person_keyboard(lang: str) -> ReplyKeyboardMarkup:
    """Telegram's "choose a user" button (answered with a users_shared message)."""
    _ = gettext_for(lang)
    return ReplyKeyboardMarkup(
        [
            [
                KeyboardButton(
                    "👤 " + _("Choose the person"),
                    request_users=KeyboardButtonRequestUsers(
                        REQUEST_ID, user_is_bot=False, max_quantity=1, request_name=True
                    ),
                )
            ]
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def step_award(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    badge = await _badge(update, context, _part(pressed, 1))
    if badge is None:
        return END
    lang = user_language(update, context)
    _ = gettext_for(lang)
    _new_draft(context, badge=badge.badge_id, opportunity=badge.opportunity_id, name=badge.name)
    await _say(
        update,
        context,
        _(
            "Who gets {badge}? Press “Choose the person” below, write their Telegram id, or "
            "forward me a message of theirs. They must have written to the bot before. /cancel "
            "stops."
        ).format(badge=badge_title(badge.name, lang)),
        person_keyboard(lang),
    )
    return PERSON


async def on_users_shared(update: Update, context: ColbotContext) -> int:
    shared = update.effective_message.users_shared
    if shared is None or shared.request_id != REQUEST_ID or not shared.users:
        return await on_not_a_person(update, context)
    user = shared.users[0]
    name = " ".join(p for p in (user.first_name, user.last_name) if p) or user.username
    return await _chosen(update, context, user.user_id, name)


async def on_forwarded(update: Update, context: ColbotContext) -> int:
    origin = update.effective_message.forward_origin
    if isinstance(origin, MessageOriginUser):
        return await _chosen(update, context, origin.sender_user.id, origin.sender_user.full_name)
    lang = user_language(update, context)
    _ = gettext_for(lang)
    if isinstance(origin, MessageOriginHiddenUser):
        said = _(
            "Their privacy settings hide who they are in forwarded messages. Press “Choose the "
            "person”, or write their Telegram id."
        )
    else:
        said = _("That message is not from a person. Press “Choose the person”, or /cancel.")
    await _say(update, context, said)
    return PERSON


async def on_typed_id(update: Update, context: ColbotContext) -> int:
    text = (update.effective_message.text or "").strip()
    if not TELEGRAM_ID.fullmatch(text) or int(text) == 0:
        lang = user_language(update, context)
        _ = gettext_for(lang)
        await _say(
            update,
            context,
            _(
                "A Telegram id is a number, like 123456789. Press “Choose the person”, forward "
                "a message of theirs, or /cancel."
            ),
        )
        return PERSON
    return await _chosen(update, context, int(text), None)


async def on_not_a_person(update: Update, context: ColbotContext) -> int:
    _ = gettext_for(user_language(update, context))
    await _say(
        update,
        context,
        _("Press “Choose the person”, write their Telegram id, or forward a message of theirs."),
    )
    return PERSON


def _who(telegram_id: int, name: str | None, lang: str) -> str:
    _ = gettext_for(lang)
    if name:
        return _("{name} (Telegram id {id})").format(name=escape(name[:64]), id=telegram_id)
    return _("Telegram id {id}").format(id=telegram_id)


async def _chosen(
    update: Update, context: ColbotContext, telegram_id: int, name: str | None
) -> int:
    """The person is checked (they wrote to the bot, they do not hold it); then evidence."""
    draft = _draft(context)
    if "badge" not in draft:
        return await _stale(update, context)
    lang = user_language(update, context)
    _ = gettext_for(lang)
    badges = context.services.badges
    try:
        await context.workers.storing(
            badges.check_recipient, actor_of(update), draft["badge"], telegram_id
        )
    except BadgeProblem as problem:
        return await _problem(update, context, problem)
    draft.update(telegram_id=telegram_id, who=_who(telegram_id, name, lang), action="award")
    await _say(
        update,
        context,
        _("The badge goes to {who}.").format(who=draft["who"]),
        main_keyboard(lang),
    )
    await _say(
        update,
        context,
        _("Add evidence to the award? Write a few words or a link (https://…), or press Skip."),
        InlineKeyboardMarkup([[_button(_("Skip"), "sk")]]),
    )
    return AWARD_EVIDENCE


async def on_award_evidence(update: Update, context: ColbotContext) -> int:
    draft = _draft(context)
    if draft.get("action") != "award":
        return await _stale(update, context)
    text = update.effective_message.text or ""
    try:
        evidence_from_text(text)
    except BadInput:
        _ = gettext_for(user_language(update, context))
        await _say(
            update,
            context,
            _(
                "Evidence is a few words (at most 2,000 characters) or one link. Write it "
                "again, or press Skip."
            ),
            InlineKeyboardMarkup([[_button(_("Skip"), "sk")]]),
        )
        return AWARD_EVIDENCE
    draft["evidence"] = text.strip()
    return await _preview_award(update, context)


async def step_skip(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    draft = _draft(context)
    if draft.get("action") != "award":
        return await _stale(update, context)
    draft["evidence"] = None
    return await _preview_award(update, context)


def _confirm_buttons(lang: str, yes: str) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    return InlineKeyboardMarkup([[_button(yes, "ok"), _button(_("Cancel"), "no")]])


async def _preview_award(update: Update, context: ColbotContext) -> int:
    draft = _draft(context)
    lang = user_language(update, context)
    _ = gettext_for(lang)
    html = _("Award {badge} to {who}?").format(
        badge=badge_title(draft["name"], lang), who=draft["who"]
    )
    if draft.get("evidence"):
        html += "\n" + _("Evidence: {evidence}").format(evidence=escape(draft["evidence"]))
    html += "\n" + _("They get the badge in their chat.")
    await _say(update, context, html, _confirm_buttons(lang, "✅ " + _("Award")))
    return CONFIRM


async def _award(update: Update, context: ColbotContext, draft: dict[str, Any]) -> int:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    badges = context.services.badges
    try:
        await context.workers.storing(
            badges.award,
            actor_of(update),
            draft["opportunity"],
            draft["telegram_id"],
            draft.get("evidence"),
        )
    except BadgeProblem as problem:
        return await _problem(update, context, problem)
    await _drop_confirm_buttons(update)
    await _say(
        update,
        context,
        "🏅 "
        + _("Awarded: {who} gets the badge in their chat in a moment.").format(who=draft["who"]),
    )
    return END


# ---- a CSV list of participants -------------------------------------------------------------
async def step_csv(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    badge = await _badge(update, context, _part(pressed, 1))
    if badge is None:
        return END
    lang = user_language(update, context)
    _ = gettext_for(lang)
    _new_draft(context, badge=badge.badge_id, opportunity=badge.opportunity_id, name=badge.name)
    await _say(
        update,
        context,
        _(
            "Send the participants for {badge} as a CSV file (at most {size} KB): a header row "
            "with a <code>label</code> column (who each row is) and, if you like, an "
            "<code>email</code> column. Each row gets a claim link of its own, used once and "
            "valid for 30 days; I send them back as a CSV file. If a row is broken, I name it "
            "and make nothing. /cancel stops."
        ).format(badge=badge_title(badge.name, lang), size=MAX_CSV_BYTES // 1024),
    )
    return CSV_FILE


def _is_csv(file_name: str | None, mime_type: str | None) -> bool:
    """A .csv file, or one Telegram says is CSV."""
    return (file_name or "").lower().endswith(".csv") or (mime_type or "").lower() in CSV_TYPES


async def on_csv(update: Update, context: ColbotContext) -> int:
    """The participants' list: claim links for every row, or the broken rows named."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    draft = _draft(context)
    if "opportunity" not in draft:
        return await _stale(update, context)
    document = update.effective_message.document
    if not _is_csv(document.file_name, document.mime_type):
        await _say(
            update,
            context,
            _(
                "That is not a CSV file. Send a .csv file (from a spreadsheet: “Save as CSV”), or /cancel."
            ),
        )
        return CSV_FILE
    if document.file_size and document.file_size > MAX_CSV_BYTES:
        await _say(
            update,
            context,
            _(
                "That file is too large: a list may have at most {size} KB. Split it, or /cancel."
            ).format(size=MAX_CSV_BYTES // 1024),
        )
        return CSV_FILE
    raw = bytes(await (await document.get_file()).download_as_bytearray())
    if len(raw) > MAX_CSV_BYTES:
        await _say(update, context, _("That file is too large. Split it, or /cancel."))
        return CSV_FILE
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        await _say(
            update,
            context,
            _(
                "The file must be UTF-8 text (“CSV UTF-8” in a spreadsheet). Send it again, or /cancel."
            ),
        )
        return CSV_FILE
    badges = context.services.badges
    try:
        links = await context.workers.storing(
            badges.participant_links, actor_of(update), draft["opportunity"], text
        )
    except ParticipantsError as error:
        await _say(update, context, participants_problem(error, lang))
        return CSV_FILE
    except BadgeProblem as problem:
        return await _problem(update, context, problem)
    _drop_draft(context)
    caption = ngettext(
        "{n} claim link for {badge}, one per row, used once and valid for 30 days. Send each "
        "person their own.",
        "{n} claim links for {badge}, one per row, used once and valid for 30 days. Send each "
        "person their own.",
        len(links),
    ).format(n=len(links), badge=badge_title(draft["name"], lang))
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(links_csv(links).encode("utf-8"), filename="claim-links.csv"),
        caption=caption,
        parse_mode=ParseMode.HTML,
        disable_content_type_detection=True,
    )
    return END


def participants_problem(error: ParticipantsError, lang: str) -> str:
    """The broken rows, by line and field; nothing was made."""
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    lines = [_("Nothing was made: the list cannot be used as it is.")]
    for fault in error.faults:
        said = _("Row {line}, field “{field}”").format(
            line=fault.line, field=escape(fault.field[:40])
        )
        lines.append(f"• {said}: {escape(fault_reason(fault, lang)[:160])}")
    if error.more:
        lines.append(
            ngettext("… and {n} more problem.", "… and {n} more problems.", error.more).format(
                n=error.more
            )
        )
    lines.append(_("Fix it and send the file again, or /cancel."))
    return "\n".join(lines)


def fault_reason(fault: Fault, lang: str) -> str:
    """What is wrong with one row of a participants' list, in the reader's language (the use
    case's English words when it names a fault this front does not know)."""
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    params = fault.params
    value = str(params.get("value", ""))
    n = int(params.get("n", 0))
    if fault.code == "too_many":
        return ngettext(
            "a list has at most {n} participant", "a list has at most {n} participants", n
        ).format(n=n)
    if fault.code == "too_long":
        return ngettext(
            "it is longer than {n} character", "it is longer than {n} characters", n
        ).format(n=n)
    if fault.code == "repeats":
        return _("“{value}” is also in row {line}").format(value=value, line=params.get("row"))
    words = {
        "not_csv": _("this is not CSV"),
        "not_utf8": _("this is not UTF-8 text"),
        "empty_list": _("the list is empty: give a header and a row for each person"),
        "no_label_column": _("the header needs a “label” column (who each row is)"),
        "empty": _("it is empty"),
        "not_storable": _("it holds a character that cannot be kept (a control character)"),
        "not_email": _("“{value}” is not an e-mail address").format(value=value),
        "not_date": _("“{value}” is not a date: write it as 2027-06-30").format(value=value),
        "not_future": _("{value} is not in the future: give a later date").format(value=value),
        "no_participant": _("no participant is listed"),
    }
    return words.get(fault.code, fault.message)


async def on_not_csv(update: Update, context: ColbotContext) -> int:
    _ = gettext_for(user_language(update, context))
    await _say(update, context, _("Please send the list as a .csv file, or /cancel."))
    return CSV_FILE


# ---- who earned it, and revoking --------------------------------------------------------------
async def step_earned(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    offset = _offset_of(pressed, 2)
    if offset is None:
        return await _stale(update, context)
    badges = context.services.badges
    try:
        page = await context.workers.storing(
            badges.earned, actor_of(update), _part(pressed, 1), offset
        )
    except BadgeProblem as problem:
        return await _problem(update, context, problem)
    html, markup = earned_page(page, user_language(update, context), context.services.city.zone)
    if offset:
        await _show(update, context, html, markup)
    else:
        await _say(update, context, html, markup)
    return END


def earned_page(page: EarnedPage, lang: str, zone: Any) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of a badge's awards: when, and the holder's public name or the award's id."""
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    badge = page.badge
    if not page.total:
        return _("Nobody has earned {badge} yet.").format(badge=badge_title(badge.name, lang)), None
    lines = [
        ngettext(
            "{badge}: {n} award. A name is shown only if its holder shows it publicly.",
            "{badge}: {n} awards. A name is shown only if its holder shows it publicly.",
            page.total,
        ).format(badge=badge_title(badge.name, lang), n=page.total)
    ]
    rows = []
    for number, award in enumerate(page.awards, page.offset + 1):
        day = format_day(award.issued_at.astimezone(zone), lang)
        who = (
            escape(award.shown_name)
            if award.shown_name
            else _("award {id}").format(id=award.award_id)
        )
        line = f"{number}. {day} · {who}"
        if award.revoked:
            line += " · " + _("revoked")
        else:
            rows.append([_button(f"🚫 {number}. " + _("Revoke"), "rv", award.award_id)])
        lines.append(line)
    paging = []
    shown = len(page.awards)
    if page.offset > 0:
        paging.append(
            _button("‹ " + _("Back"), "we", badge.badge_id, max(page.offset - EARNED_PAGE, 0))
        )
    if page.offset + shown < page.total:
        paging.append(_button(_("More") + " ›", "we", badge.badge_id, page.offset + shown))
    if paging:
        rows.append(paging)
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


async def step_revoke(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    award_id = _part(pressed, 1)
    if not award_id:
        return await _stale(update, context)
    lang = user_language(update, context)
    _ = gettext_for(lang)
    _new_draft(context, action="revoke", award=award_id)
    await _say(
        update,
        context,
        _(
            "Why do you revoke the award {id}? Write the reason in one message (at most {most} "
            "characters): its holder and everyone who checks the badge read it. /cancel stops."
        ).format(id=escape(award_id), most=REASON_LENGTH),
    )
    return REASON


async def on_reason(update: Update, context: ColbotContext) -> int:
    draft = _draft(context)
    if draft.get("action") != "revoke":
        return await _stale(update, context)
    lang = user_language(update, context)
    _ = gettext_for(lang)
    text = update.effective_message.text or ""
    reason = " ".join(text.split())
    try:
        storable(reason, "the reason")
        fine = 0 < len(reason) <= REASON_LENGTH
    except BadInput:
        fine = False
    if not fine:
        await _say(
            update,
            context,
            _(
                "A reason is 1 to {most} characters of plain text. Write it again, or /cancel."
            ).format(most=REASON_LENGTH),
        )
        return REASON
    draft["reason"] = reason
    await _say(
        update,
        context,
        _("Revoke the award {id} with this reason?\n“{reason}”\nThis cannot be undone.").format(
            id=escape(draft["award"]), reason=escape(reason)
        ),
        _confirm_buttons(lang, "🚫 " + _("Revoke")),
    )
    return CONFIRM


async def _revoke(update: Update, context: ColbotContext, draft: dict[str, Any]) -> int:
    lang = user_language(update, context)
    _ = gettext_for(lang)
    badges = context.services.badges
    try:
        await context.workers.storing(
            badges.revoke, actor_of(update), draft["award"], draft["reason"]
        )
    except BadgeProblem as problem:
        return await _problem(update, context, problem)
    await _drop_confirm_buttons(update)
    await _say(
        update,
        context,
        _(
            "Revoked. Its public page and anyone who checks the badge now see that, with the reason."
        ),
    )
    return END


# ---- confirming, cancelling ------------------------------------------------------------------
async def step_confirm(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    draft = context.chat_data.pop(DRAFT_KEY, {})  # type: ignore[union-attr]
    if draft.get("action") == "award" and "telegram_id" in draft and "evidence" in draft:
        return await _award(update, context, draft)
    if draft.get("action") == "revoke" and draft.get("reason"):
        return await _revoke(update, context, draft)
    return await _stale(update, context)


async def step_no(
    update: Update, context: ColbotContext, pressed: Pressed, organisation: ActingFor
) -> int:
    await _drop_confirm_buttons(update)
    return await on_cancel(update, context)


async def _drop_confirm_buttons(update: Update) -> None:
    query = update.callback_query
    if query is None:
        return
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:
        log.info("could not take the buttons off a /badges question: %s", error.message)


async def _stale(update: Update, context: ColbotContext) -> int:
    """A button or an answer for a step that is no longer under way."""
    _drop_draft(context)
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await _say(
        update,
        context,
        _("That step is no longer under way. /badges starts again."),
        main_keyboard(lang),
    )
    return END


async def on_use_buttons(update: Update, context: ColbotContext) -> int | None:
    _ = gettext_for(user_language(update, context))
    await _say(update, context, _("Please press one of the buttons above, or /cancel."))
    return None


async def on_not_text(update: Update, context: ColbotContext) -> int | None:
    _ = gettext_for(user_language(update, context))
    await _say(update, context, _("I can only use text here. Please write it, or /cancel."))
    return None


async def on_other_command(update: Update, context: ColbotContext) -> int | None:
    _ = gettext_for(user_language(update, context))
    await _say(update, context, _("You are in the middle of /badges: finish it, or /cancel first."))
    return None


async def on_cancel(update: Update, context: ColbotContext) -> int:
    """/cancel (or Cancel): the step is dropped; nothing was made or changed."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    _drop_draft(context)
    await _say(update, context, _("Cancelled: nothing was changed."), main_keyboard(lang))
    return END


STEPS = {
    "pg": step_page,
    "b": step_badge,
    "cl": step_claim,
    "sh": step_shared,
    "pp": step_per_participant,
    "pn": step_participant_count,
    "ev": step_evidence,
    "aw": step_award,
    "sk": step_skip,
    "csv": step_csv,
    "we": step_earned,
    "rv": step_revoke,
    "ok": step_confirm,
    "no": step_no,
}
