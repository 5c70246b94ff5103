"""Telegram handlers of organisations' staff: an invitation opened (`/start join-<code>`: the new
member is told what they may now do), /staff (the organisation's staff, a remove button each,
the invitations still open, a withdraw button each, fresh invitation links), /org (which
organisation to act for), and each staff member's own command menu, set when they join, when
they are removed and by a job that keeps every menu as the policy says (staff_menu.py).
Handlers only translate: the use cases (`Services.staff`) decide and check."""

from __future__ import annotations

import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from access.policy import Capability, Refused, Role
from bot.callbacks import Button, Pressed, callback
from bot.i18n import format_day, gettext_for, ngettext_for
from bot.telegram.common import main_keyboard, say_plainly, user_language
from bot.telegram.privileged import actor_of, privileged, privileged_button, refuse
from bot.telegram.staff_menu import (
    everyones_menus,
    privileged_commands,
    refresh_menu,
    show_menu,
)
from bot.telegram.state import ColbotContext
from organisations.acting import ActingFor, choices
from organisations.invites import JoinStatus, PendingInvite
from organisations.staff import Menu
from organisations.staff_problems import (
    BotUsernameMissing,
    InviteNotPending,
    LastAdministrator,
    NotOnStaff,
    StaffProblem,
)

log = logging.getLogger(__name__)

MENUS_EVERY = 300.0  # seconds between passes that bring every staff menu in line with the policy
STAFF_SHOWN = 40  # /staff lists (and offers to remove) at most this many: one message
INVITES_SHOWN = 20  # and at most this many open invitations (each with a withdraw button)
_TELEGRAM_ID = re.compile(r"[0-9]{1,15}")


def _role_name(role: Role | None, lang: str) -> str:
    _ = gettext_for(lang)
    return _("administrator") if role is Role.ADMIN else _("editor")


def _old_button(lang: str) -> str:
    _ = gettext_for(lang)
    return _("This button no longer works. Please search again.")


# ---- menus ---------------------------------------------------------------------------------------
async def keep_menus(context: ColbotContext) -> None:
    """The menus job: every staff member's and platform administrator's menu as the policy
    says (at the start, then every MENUS_EVERY: the command line's changes show too), and the
    menus of staff removed lately reset. A menu already set as it should be is left alone."""
    services = context.services
    shown: dict[int, Menu] = context.job.data if context.job is not None else {}
    holders = await context.workers.storing(services.staff.menu_holders)
    everyones = None
    for telegram_id in holders:
        menu = await context.workers.storing(services.staff.menu, telegram_id)
        if shown.get(telegram_id) == menu:
            continue
        if everyones is None:
            everyones = await everyones_menus(context.bot, services.city.languages)
        default = services.city.default_language
        if await show_menu(context.bot, telegram_id, menu, everyones, default):
            shown[telegram_id] = menu


# ---- an invitation opened ------------------------------------------------------------------------
def _what_you_can_do(menu: Menu, lang: str) -> str:
    """The new member's commands, one a line (what their menu shows beyond everyone's)."""
    _ = gettext_for(lang)
    rows = privileged_commands(menu, lang)
    if not rows:
        return ""
    lines = [_("What you can do now:")]
    lines += [f"/{row.command} – {row.description}" for row in rows]
    return "\n".join(lines)


def _join_answer(status: JoinStatus, organisation: str, role: str, lang: str) -> str:
    _ = gettext_for(lang)
    if status is JoinStatus.JOINED:
        return _(
            "Welcome to the staff of {organisation}! Your role: {role}. "
            "Your commands are in the menu (the / button)."
        ).format(organisation=organisation, role=role)
    if status is JoinStatus.ROLE_CHANGED:
        return _("Your role in {organisation} is now: {role}.").format(
            organisation=organisation, role=role
        )
    if status is JoinStatus.CANCELLED:
        return _(
            "This invitation was withdrawn by the organisation. If you should still join, "
            "please ask its administrator for a new one."
        )
    if status is JoinStatus.ALREADY:
        return _("You are already on the staff of {organisation} (your role: {role}).").format(
            organisation=organisation, role=role
        )
    if status is JoinStatus.EXPIRED:
        return _(
            "This invitation has expired. Please ask the organisation's administrator for a "
            "new one."
        )
    if status is JoinStatus.USED:
        return _(
            "This invitation has already been used: each one works once. Please ask the "
            "organisation's administrator for a new one."
        )
    return _(
        "I do not know this invitation. Please check that you opened the whole link, or ask "
        "for a new one."
    )


async def on_join(update: Update, context: ColbotContext, code: str) -> None:
    """`/start join-<code>`: the person joins the organisation's staff (and gets its commands
    in their menu), or is told plainly why not."""
    lang = user_language(update, context)
    user = update.effective_user
    if user is None:
        return
    staff = context.services.staff
    outcome = await context.workers.storing(staff.accept, user.id, code, user.first_name)
    menu = None
    if outcome.status is JoinStatus.TOO_MANY_ATTEMPTS:
        waited = outcome.retry_after.total_seconds() if outcome.retry_after else 0
        minutes = max(1, round(waited / 60))
        ngettext = ngettext_for(lang)
        text = ngettext(
            "That was too many wrong codes. Please try again in {n} minute.",
            "That was too many wrong codes. Please try again in {n} minutes.",
            minutes,
        ).format(n=minutes)
    else:
        role = _role_name(outcome.role, lang)
        text = _join_answer(outcome.status, outcome.organisation or "", role, lang)
        if outcome.status in (JoinStatus.JOINED, JoinStatus.ROLE_CHANGED):
            menu = await context.workers.storing(staff.menu, user.id)
            text += "\n\n" + _what_you_can_do(menu, lang)
    await say_plainly(update, context, text.strip(), reply_markup=main_keyboard(lang))
    if outcome.status in (JoinStatus.JOINED, JoinStatus.ROLE_CHANGED, JoinStatus.ALREADY):
        context.person.acting_for = None  # they act for the first they may until /org
        await refresh_menu(context, user.id, menu)


# ---- /staff --------------------------------------------------------------------------------------
@privileged(Capability.STAFF)
async def on_staff(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    """/staff: the organisation's staff, a remove button each, and invitation buttons."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    actor = actor_of(update)
    assert actor is not None  # privileged() refused updates without a person
    service = context.services.staff
    try:
        staff = await context.workers.storing(service.staff, actor, acting.organisation_id)
        invitations = await context.workers.storing(
            service.pending_invites, actor, acting.organisation_id
        )
    except Refused:
        await refuse(update, context)
        return
    zone = context.services.city.zone
    lines = [_("The staff of {organisation}:").format(organisation=acting.name)]
    rows: list[list[InlineKeyboardButton]] = []
    for entry in staff[:STAFF_SHOWN]:
        since = format_day(entry.since.astimezone(zone), lang)
        you = " " + _("(you)") if entry.telegram_id == actor.telegram_id else ""
        lines.append(
            _("• {person}: {role}, since {day}").format(
                person=entry.telegram_id, role=_role_name(entry.role, lang), day=since
            )
            + you
        )
        if entry.telegram_id is not None:
            data = callback(Button.STAFF_REMOVE, acting.organisation_id, entry.telegram_id)
            label = _("Remove {person}").format(person=entry.telegram_id)
            rows.append([InlineKeyboardButton("🚫 " + label, callback_data=data)])
    if not staff:
        lines.append(_("Nobody yet."))
    elif len(staff) > STAFF_SHOWN:
        ngettext = ngettext_for(lang)
        more = len(staff) - STAFF_SHOWN
        lines.append(
            ngettext(
                "…and {n} more person (the command line lists everyone).",
                "…and {n} more people (the command line lists everyone).",
                more,
            ).format(n=more)
        )
    lines += _invitation_lines(
        invitations, acting.organisation_id, actor.telegram_id, rows, zone, lang
    )
    lines.append(
        _(
            "People are named by their Telegram id. Invite someone with a one-time link; "
            "send it only to them."
        )
    )
    if acting.choices > 1:
        lines.append(_("/org chooses another organisation."))
    rows.append(
        [
            InlineKeyboardButton(
                "➕ " + _("Invite an editor"),
                callback_data=callback(Button.STAFF_INVITE, acting.organisation_id, "editor"),
            ),
            InlineKeyboardButton(
                "➕ " + _("Invite an administrator"),
                callback_data=callback(Button.STAFF_INVITE, acting.organisation_id, "admin"),
            ),
        ]
    )
    await say_plainly(update, context, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


def _invitation_lines(
    invitations: list[PendingInvite],
    organisation_id: int,
    me: int | None,
    rows: list[list[InlineKeyboardButton]],
    zone: ZoneInfo,
    lang: str,
) -> list[str]:
    """/staff's paragraph of open invitations (what each is for, who made it, until when; never
    a code), numbered, with a withdraw button each added to `rows`."""
    _ = gettext_for(lang)
    if not invitations:
        return ["", _("No invitations are open."), ""]
    lines = ["", _("Invitations not used yet:")]
    for number, invitation in enumerate(invitations[:INVITES_SHOWN], start=1):
        if invitation.created_by is None:
            maker = _("the platform's administrator")
        elif invitation.created_by == me:
            maker = _("you")
        else:
            maker = str(invitation.created_by)
        day = format_day(invitation.expires_at.astimezone(zone), lang)
        lines.append(
            _("{number}. {role}, made by {maker}, valid until {day}").format(
                number=number, role=_role_name(invitation.role, lang), maker=maker, day=day
            )
        )
        data = callback(Button.INVITE_CANCEL, organisation_id, invitation.id)
        label = _("Withdraw invitation {number}").format(number=number)
        rows.append([InlineKeyboardButton("✖ " + label, callback_data=data)])
    if len(invitations) > INVITES_SHOWN:
        more = len(invitations) - INVITES_SHOWN
        ngettext = ngettext_for(lang)
        lines.append(
            ngettext(
                "…and {n} more invitation (the command line lists them all).",
                "…and {n} more invitations (the command line lists them all).",
                more,
            ).format(n=more)
        )
    lines.append("")
    return lines


def _named(pressed: Pressed) -> tuple[int, str] | None:
    """The organisation id and the second part of a staff button; None for a forged one."""
    organisation_id = pressed.number(0)
    if organisation_id is None or len(pressed.parts) != 2:
        return None
    return organisation_id, pressed.parts[1]


@privileged_button(Capability.STAFF)
async def on_invite(
    update: Update, context: ColbotContext, pressed: Pressed, acting: ActingFor
) -> str | None:
    """➕: a fresh one-time invitation link for an editor or an administrator."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    named = _named(pressed)
    if named is None or named[1] not in (Role.ADMIN.value, Role.EDITOR.value):
        return _old_button(lang)
    organisation_id, role = named
    actor = actor_of(update)
    assert actor is not None
    staff = context.services.staff
    try:
        made = await context.workers.storing(staff.invite, actor, organisation_id, role)
    except Refused:
        await refuse(update, context)
        return None
    except BotUsernameMissing:
        await say_plainly(
            update,
            context,
            _(
                "Invitations need the bot's username (TELEGRAM_BOT_USERNAME). Please tell the "
                "platform's administrator."
            ),
        )
        return None
    except StaffProblem:  # the organisation is gone
        return _old_button(lang)
    day = format_day(made.expires_at.astimezone(context.services.city.zone), lang)
    if made.role is Role.ADMIN:
        said = _(
            "A one-time invitation to join {organisation} as an administrator, valid until "
            "{day}. Send it only to the person who should join:"
        )
    else:
        said = _(
            "A one-time invitation to join {organisation} as an editor, valid until {day}. "
            "Send it only to the person who should join:"
        )
    text = said.format(organisation=made.organisation, day=day) + "\n" + made.link
    await say_plainly(update, context, text, disable_web_page_preview=True)
    return None


def _telegram_id(part: str) -> int | None:
    return int(part) if _TELEGRAM_ID.fullmatch(part) and int(part) > 0 else None


@privileged_button(Capability.STAFF)
async def on_remove(
    update: Update, context: ColbotContext, pressed: Pressed, acting: ActingFor
) -> str | None:
    """🚫: asks first (removing someone takes their access at once)."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    named = _named(pressed)
    removed_id = _telegram_id(named[1]) if named is not None else None
    if named is None or removed_id is None:
        return _old_button(lang)
    sure = callback(Button.STAFF_REMOVE_SURE, named[0], removed_id)
    keep = callback(Button.STAFF_KEEP, named[0])
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🚫 " + _("Yes, remove"), callback_data=sure),
                InlineKeyboardButton(_("No, keep"), callback_data=keep),
            ]
        ]
    )
    await say_plainly(
        update,
        context,
        _("Remove {person} from the staff? They lose access at once.").format(person=removed_id),
        reply_markup=markup,
    )
    return None


@privileged_button(Capability.STAFF)
async def on_keep(
    update: Update, context: ColbotContext, pressed: Pressed, acting: ActingFor
) -> str | None:
    """ "No, keep": nothing changes."""
    await drop_buttons(update.callback_query)
    _ = gettext_for(user_language(update, context))
    return _("Nothing changed.")


async def drop_buttons(query: Any) -> None:
    """The pressed question without its buttons (it is answered)."""
    if query is None or not isinstance(
        getattr(query.message, "reply_markup", None), InlineKeyboardMarkup
    ):
        return
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:  # too old to edit, or edited meanwhile
        log.info("could not take the buttons off a message: %s", error.message)


@privileged_button(Capability.STAFF)
async def on_remove_sure(
    update: Update, context: ColbotContext, pressed: Pressed, acting: ActingFor
) -> str | None:
    """ "Yes, remove": the person is taken off the organisation's staff (and their menu is
    everyone's again)."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    named = _named(pressed)
    removed_id = _telegram_id(named[1]) if named is not None else None
    if named is None or removed_id is None:
        return _old_button(lang)
    await drop_buttons(update.callback_query)
    actor = actor_of(update)
    assert actor is not None
    staff = context.services.staff
    try:
        removed = await context.workers.storing(staff.remove, actor, named[0], removed_id)
    except Refused:
        await refuse(update, context)
        return None
    except NotOnStaff:
        await say_plainly(
            update, context, _("{person} is no longer on the staff.").format(person=removed_id)
        )
        return None
    except LastAdministrator:
        await say_plainly(
            update,
            context,
            _(
                "{person} is the organisation's only administrator. Invite another "
                "administrator first."
            ).format(person=removed_id),
        )
        return None
    except StaffProblem:  # the organisation is gone
        return _old_button(lang)
    await say_plainly(
        update,
        context,
        _("{person} is no longer on the staff of {organisation}.").format(
            person=removed_id, organisation=removed.organisation
        ),
    )
    await refresh_menu(context, removed_id)
    if removed_id == actor.telegram_id:
        context.person.acting_for = None
    return None


def _invite_id(pressed: Pressed) -> tuple[int, int] | None:
    """The organisation id and invitation id of a withdraw button; None for a forged one."""
    named = _named(pressed)
    if named is None or not _TELEGRAM_ID.fullmatch(named[1]):
        return None
    return named[0], int(named[1])


@privileged_button(Capability.STAFF)
async def on_cancel_invite(
    update: Update, context: ColbotContext, pressed: Pressed, acting: ActingFor
) -> str | None:
    """✖: asks first (the link stops working at once)."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    named = _invite_id(pressed)
    if named is None:
        return _old_button(lang)
    sure = callback(Button.INVITE_CANCEL_SURE, *named)
    keep = callback(Button.STAFF_KEEP, named[0])
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("✖ " + _("Yes, withdraw"), callback_data=sure),
                InlineKeyboardButton(_("No, keep"), callback_data=keep),
            ]
        ]
    )
    await say_plainly(
        update,
        context,
        _("Withdraw this invitation? Its link stops working at once."),
        reply_markup=markup,
    )
    return None


@privileged_button(Capability.STAFF)
async def on_cancel_invite_sure(
    update: Update, context: ColbotContext, pressed: Pressed, acting: ActingFor
) -> str | None:
    """ "Yes, withdraw": the invitation is withdrawn; whoever opens its link is told so."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    named = _invite_id(pressed)
    if named is None:
        return _old_button(lang)
    await drop_buttons(update.callback_query)
    actor = actor_of(update)
    assert actor is not None
    staff = context.services.staff
    try:
        cancelled = await context.workers.storing(staff.cancel_invite, actor, *named)
    except Refused:
        await refuse(update, context)
        return None
    except InviteNotPending:
        await say_plainly(
            update,
            context,
            _("That invitation is no longer open: it was used, withdrawn or has expired."),
        )
        return None
    except StaffProblem:  # the organisation is gone
        return _old_button(lang)
    if cancelled.role is Role.ADMIN:
        said = _("The invitation for an administrator of {organisation} is withdrawn.")
    else:
        said = _("The invitation for an editor of {organisation} is withdrawn.")
    text = said.format(organisation=cancelled.organisation) + " " + _("Its link no longer works.")
    await say_plainly(update, context, text)
    return None


# ---- /org ----------------------------------------------------------------------------------------
@privileged(Capability.POST)  # every role may post: anyone on some organisation's staff
async def on_org(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    """/org: which organisation the person acts for, with a button for each they may."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    if acting.choices < 2:
        await say_plainly(
            update, context, _("You act for {organisation}.").format(organisation=acting.name)
        )
        return
    actor = actor_of(update)
    assert actor is not None
    found = await context.workers.storing(
        choices, context.services.organisations, actor, Capability.POST
    )
    rows = [
        [
            InlineKeyboardButton(
                ("✅ " if m.organisation_id == acting.organisation_id else "") + m.name,
                callback_data=callback(Button.ACT_FOR, m.organisation_id),
            )
        ]
        for m in found
    ]
    await say_plainly(
        update,
        context,
        _("You act for {organisation}. Choose another:").format(organisation=acting.name),
        reply_markup=InlineKeyboardMarkup(rows),
    )


@privileged_button(Capability.POST)
async def on_act_for(
    update: Update, context: ColbotContext, pressed: Pressed, acting: ActingFor
) -> str | None:
    """A /org button: the person acts for that organisation from now on."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    organisation_id = pressed.number(0)
    if organisation_id is None:
        return _old_button(lang)
    actor = actor_of(update)
    assert actor is not None
    found = await context.workers.storing(
        choices, context.services.organisations, actor, Capability.POST
    )
    chosen = next((m for m in found if m.organisation_id == organisation_id), None)
    if chosen is None:
        await refuse(update, context)
        return None
    context.person.acting_for = chosen.organisation_id
    await say_plainly(
        update, context, _("You now act for {organisation}.").format(organisation=chosen.name)
    )
    return None
