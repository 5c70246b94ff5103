"""The command menus of staff and platform administrators: the one table of privileged commands
(command, the capability it needs, what the menu says of it), and each such person's own menu
(setMyCommands with their chat's scope, in each of the city's languages): the menu everyone
sees, and the privileged commands the policy lets them use. Others see only everyone's menu;
a person who loses their role gets it back (deleteMyCommands for their scope). `refresh_menu`
sets one person's menu as the policy says now (after a join, a removal, a new organisation)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from access.policy import Capability
from bot.i18n import gettext_for
from bot.telegram.state import ColbotContext
from organisations.staff import Menu

log = logging.getLogger(__name__)

MENUS_JOB = "staff-menus"  # the job that keeps every menu (staff_chat.keep_menus)


@dataclass(frozen=True)
class StaffCommand:
    command: str
    capability: Capability | None  # None: /org, for those who act for several organisations
    description: str


def staff_commands(lang: str) -> list[StaffCommand]:
    """Every privileged command of the chat, in the menu's order. A command is listed here
    once, with the capability its handler's @privileged gate asks for."""
    _ = gettext_for(lang)
    return [
        StaffCommand("post", Capability.POST, _("Post an opportunity")),
        StaffCommand("myposts", Capability.POST, _("The organisation's opportunities")),
        StaffCommand("stats", Capability.STATS, _("The organisation's numbers")),
        StaffCommand("announce", Capability.ANNOUNCE, _("Send news to the followers")),
        StaffCommand("announcements", Capability.ANNOUNCE, _("The organisation's announcements")),
        StaffCommand("badges", Capability.AWARD, _("Award badges, make claim links")),
        StaffCommand("reviews", Capability.AWARD, _("Evidence waiting for a review")),
        StaffCommand("staff", Capability.STAFF, _("The organisation's staff and invitations")),
        # every role may post: anyone on an organisation's staff (the link is public)
        StaffCommand("followlink", Capability.POST, _("The follow link and its QR code")),
        StaffCommand("neworg", Capability.ORGANISATIONS, _("Create an organisation")),
        StaffCommand("kb", Capability.ORGANISATIONS, _("Edit the knowledge base")),
        StaffCommand("org", None, _("Choose the organisation you act for")),
    ]


def privileged_commands(menu: Menu, lang: str) -> list[StaffCommand]:
    """The privileged commands the person may use, in the menu's order."""
    return [
        row
        for row in staff_commands(lang)
        if (row.capability in menu.capabilities if row.capability else menu.several)
    ]


def commands_for(menu: Menu, everyones: Sequence[BotCommand], lang: str) -> list[BotCommand]:
    """The person's menu: everyone's, then the privileged commands they may use."""
    shown = [BotCommand(row.command, row.description) for row in privileged_commands(menu, lang)]
    return [*everyones, *shown]


async def everyones_menus(bot: Bot, languages: Sequence[str]) -> dict[str, list[BotCommand]]:
    """The menu everyone sees, by language, as the bot set it at its start."""
    return {lang: list(await bot.get_my_commands(language_code=lang)) for lang in languages}


async def show_menu(
    bot: Bot,
    chat_id: int,
    menu: Menu,
    everyones: dict[str, list[BotCommand]],
    default_language: str,
) -> bool:
    """Set (or, without capabilities, reset) one person's menu in every language and for a
    Telegram in another language; False when Telegram refused (a chat the bot never had)."""
    scope = BotCommandScopeChat(chat_id)
    languages = [*everyones, None]
    try:
        for lang in languages:
            if not menu.capabilities:
                await bot.delete_my_commands(scope=scope, language_code=lang)
                continue
            written_in = lang or default_language
            commands = commands_for(menu, everyones.get(written_in, []), written_in)
            await bot.set_my_commands(commands, scope=scope, language_code=lang)
    except TelegramError as error:
        log.info("could not set a staff member's menu: %s", error.message)
        return False
    return True


def _shown(context: ColbotContext) -> dict[int, Menu] | None:
    """What the menus job last set, by Telegram id (None before the job runs)."""
    queue = context.job_queue
    jobs = queue.get_jobs_by_name(MENUS_JOB) if queue is not None else ()
    return jobs[0].data if jobs and isinstance(jobs[0].data, dict) else None


async def refresh_menu(context: ColbotContext, telegram_id: int, menu: Menu | None = None) -> None:
    """One person's menu as the policy says now (`menu`, when just asked): theirs, or
    everyone's again."""
    services = context.services
    if menu is None:
        menu = await context.workers.storing(services.staff.menu, telegram_id)
    everyones = await everyones_menus(context.bot, services.city.languages)
    if await show_menu(context.bot, telegram_id, menu, everyones, services.city.default_language):
        shown = _shown(context)
        if shown is not None:
            shown[telegram_id] = menu
