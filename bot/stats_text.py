"""An organisation's numbers (organisations.stats.StatsReport) as a short text in the reader's
language: the period, one line per count with the language's plural forms, the items most
shown, and a reminder that the counts name nobody. The chat and the command line both say it
so."""

from __future__ import annotations

from collections.abc import Callable

from babel.dates import format_interval
from babel.numbers import format_decimal

from bot.cards import pick
from bot.i18n import gettext_for, ngettext_for
from organisations.stats import Period, StatsReport
from store import usage


def number(n: int, lang: str) -> str:
    return format_decimal(n, locale=lang)


def period_words(period: Period, lang: str) -> str:
    """ "17.–23. nov. 2026 (zadnjih 7 dni)": the days, and the period's name when it has one."""
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    days = format_interval(period.since, period.until, "yMMMd", locale=lang)
    if period.preset == "year":
        return days + " (" + _("this year") + ")"
    if period.preset is not None:
        named = ngettext("last {n} day", "last {n} days", period.days)
        return f"{days} ({named.format(n=number(period.days, lang))})"
    return days


def count_lines(totals: dict[str, int], lang: str) -> list[str]:
    """One line per metric that counted something, in the order of store.usage.METRICS."""
    ngettext = ngettext_for(lang)
    words: dict[str, Callable[[int], str]] = {
        usage.SHOWN: lambda n: ngettext(
            "Shown in search results {n} time", "Shown in search results {n} times", n
        ),
        usage.VIEWED: lambda n: ngettext("Details opened {n} time", "Details opened {n} times", n),
        usage.SAVED: lambda n: ngettext("Saved {n} time", "Saved {n} times", n),
        usage.FOLLOWED: lambda n: ngettext("{n} new follower", "{n} new followers", n),
        usage.CLAIMED: lambda n: ngettext(
            "Badge claim links used {n} time", "Badge claim links used {n} times", n
        ),
        usage.AWARDED: lambda n: ngettext("{n} badge awarded", "{n} badges awarded", n),
        usage.REACHED: lambda n: ngettext(
            "{n} announcement delivered", "{n} announcements delivered", n
        ),
    }
    return [
        "• " + words[metric](totals[metric]).format(n=number(totals[metric], lang))
        for metric in usage.METRICS
        if totals.get(metric) and metric in words
    ]


def item_line(place: int, title: str, counts: dict[str, int], lang: str) -> str:
    _ = gettext_for(lang)
    line = _("{place}. {title}: shown {shown}, opened {viewed}, saved {saved}").format(
        place=place,
        title=title,
        shown=number(counts.get(usage.SHOWN, 0), lang),
        viewed=number(counts.get(usage.VIEWED, 0), lang),
        saved=number(counts.get(usage.SAVED, 0), lang),
    )
    if counts.get(usage.AWARDED):
        line += _(", badges awarded {n}").format(n=number(counts[usage.AWARDED], lang))
    return line


def summary(report: StatsReport, lang: str) -> str:
    """The report as a few plain lines (no markup: titles are shown as they were written)."""
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    lines = [
        _("Numbers for {name}, {period}:").format(
            name=report.name, period=period_words(report.period, lang)
        )
    ]
    counted = count_lines(report.totals, lang)
    lines += counted or [_("Nothing was counted in this period.")]
    lines.append(_("Followers now: {n}").format(n=number(report.followers, lang)))
    if report.items:
        lines += ["", _("Items most shown:")]
        lines += [
            item_line(place, pick(item.title, lang) or "—", item.counts, lang)
            for place, item in enumerate(report.items, start=1)
        ]
        if report.more_items:
            lines.append(
                ngettext("… and {n} more item.", "… and {n} more items.", report.more_items).format(
                    n=number(report.more_items, lang)
                )
            )
    lines += ["", _("Counts only: they do not say who searched, opened, saved or follows.")]
    return "\n".join(lines)
