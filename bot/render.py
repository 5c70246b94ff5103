"""Search results as plain text in the user's language (terminal and command line)."""

from __future__ import annotations

from bot.i18n import format_km, format_price, format_when, gettext_for, ngettext_for
from index.search import SearchResult
from index.service import Found


def notice_text(notice: str, lang: str) -> str:
    _ = gettext_for(lang)
    texts = {
        "empty_query": _(
            "Write what you would like to learn, for example: robotics, Slovenian course, smartphone."
        ),
        "no_words": _("I can only read words. Write what you would like to learn."),
        "outside_slovenia": _(
            "That place is outside Slovenia, so distances are large; showing what fits best."
        ),
    }
    return texts.get(notice, notice)


def result_lines(result: SearchResult, found: list[Found], lang: str) -> list[str]:
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    lines = [notice_text(n, lang) for n in result.notices]
    if not found:
        if not result.notices:
            lines.append(_("Nothing found. Try other words, or a place like 'v Šiški'."))
        return lines
    if result.place is not None:
        lines.append(_("Near {place}:").format(place=result.place.name))
    lines.append(
        ngettext("{n} opportunity found", "{n} opportunities found", result.total).format(
            n=result.total
        )
    )
    for number, item in enumerate(found, start=1):
        o = item.opportunity
        title = o.text("title", lang) or o.external_id
        organisation = f" — {o.organisation.name}" if o.organisation else ""
        lines.append(f"{number}. {title}{organisation}")
        facts = []
        if o.online:
            facts.append(_("online"))
        elif o.district or o.address:
            facts.append(", ".join(p for p in (o.district, o.address) if p))
        if item.hit.distance_km is not None:
            facts.append(format_km(item.hit.distance_km, lang))
        if o.starts_at:
            facts.append(format_when(o.starts_at, lang))
        elif o.text("schedule", lang):
            facts.append(o.text("schedule", lang) or "")
        price = format_price(o.price_eur, lang)
        if price:
            facts.append(price)
        if o.languages:
            facts.append("/".join(o.languages))
        lines.append("   " + " · ".join(facts))
    return lines
