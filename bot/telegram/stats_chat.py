"""Telegram handlers of an organisation's numbers: /stats (the last 7 days, or the dates written
after it: /stats 2026-01-01 2026-03-31) and the buttons that choose another period. Only for
staff who may see them (the privileged gate); the answer is counts only."""

from __future__ import annotations

import logging
from datetime import date

from telegram import Update
from telegram.error import BadRequest

from access.policy import Actor, Capability, Refused
from bot.callbacks import Button, Pressed, callback
from bot.cards import Choice
from bot.i18n import gettext_for
from bot.stats_text import summary
from bot.telegram.common import keyboard_of, say_plainly, user_language
from bot.telegram.privileged import privileged, refuse
from bot.telegram.state import ColbotContext
from organisations.acting import ActingFor
from organisations.stats import BadPeriod, Period

log = logging.getLogger(__name__)


def period_buttons(lang: str) -> list[list[Choice]]:
    _ = gettext_for(lang)
    return [
        [
            Choice(_("7 days"), callback(Button.STATS, "7d")),
            Choice(_("30 days"), callback(Button.STATS, "30d")),
            Choice(_("This year"), callback(Button.STATS, "year")),
        ]
    ]


def written_period(words: list[str], today: date) -> Period:
    """The period written after /stats: nothing (the last 7 days), a number of days, or two
    dates (2026-01-01 2026-03-31); BadPeriod for anything else."""
    if not words:
        return Period.named("7d", today)
    if len(words) == 1 and words[0].isascii() and words[0].isdigit():
        return Period.last_days(int(words[0]), today)
    if len(words) == 2:
        try:
            since, until = (date.fromisoformat(word) for word in words)
        except ValueError as error:
            raise BadPeriod(str(error)) from None
        return Period.between(since, until)
    raise BadPeriod("nothing, a number of days, or two dates")


async def report_text(
    update: Update, context: ColbotContext, acting: ActingFor, period: Period
) -> str | None:
    """The organisation's numbers over `period` in the person's language (None: refused)."""
    actor = Actor.on_telegram(update.effective_user.id)
    stats = context.services.stats
    try:
        report = await context.workers.storing(stats.report, actor, acting.organisation_id, period)
    except Refused:  # the role was taken away between the gate and the report
        await refuse(update, context)
        return None
    return summary(report, user_language(update, context))


@privileged(Capability.STATS)
async def on_stats(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    """/stats: the numbers, with buttons for another period."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    try:
        period = written_period(list(context.args or []), context.services.stats.today())
    except BadPeriod:
        await say_plainly(
            update,
            context,
            _(
                "Write /stats alone for the last 7 days, /stats 30 for the last 30 days, or two "
                "dates: /stats 2026-01-01 2026-03-31."
            ),
        )
        return
    text = await report_text(update, context, acting, period)
    if text is not None:
        await say_plainly(update, context, text, reply_markup=keyboard_of(period_buttons(lang)))


async def on_period(update: Update, context: ColbotContext, pressed: Pressed) -> str | None:
    """'stats:<7d|30d|year>': the same numbers over another period, in the same message."""
    preset = pressed.parts[0] if pressed.parts else ""

    @privileged(Capability.STATS)
    async def show(update: Update, context: ColbotContext, acting: ActingFor) -> None:
        lang = user_language(update, context)
        try:
            period = Period.named(preset, context.services.stats.today())
        except BadPeriod:
            _ = gettext_for(lang)
            await say_plainly(
                update, context, _("This button no longer works. Please search again.")
            )
            return
        text = await report_text(update, context, acting, period)
        if text is None:
            return
        markup = keyboard_of(period_buttons(lang))
        try:
            await update.callback_query.edit_message_text(text, reply_markup=markup)
        except BadRequest as error:  # unchanged, or too old to edit: say it anew
            if "not modified" not in error.message.lower():
                log.info("could not edit the numbers: %s", error.message)
                await say_plainly(update, context, text, reply_markup=markup)

    await show(update, context)
    return None
