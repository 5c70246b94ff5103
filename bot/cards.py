"""Replies rendered for people: HTML text and buttons in the user's language, from the
structured messages actions give. Telegram and the terminal share this; only their widgets
differ (inline buttons there, numbered choices here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from babel import Locale, UnknownLocaleError

from actions.messages import Details, Message, Notice, OpportunityView, ResultList, Venue
from bot.i18n import format_km, format_price, format_when, gettext_for, ngettext_for


@dataclass(frozen=True)
class Choice:
    label: str
    action: str  # callback data: "more:<search>:<offset>", "det:<id>", "map:<id>"


@dataclass(frozen=True)
class Rendered:
    """One message to send: HTML text with choices, or a venue."""

    html: str = ""
    choices: list[list[Choice]] = field(default_factory=list)
    venue: OpportunityView | None = None


def pick(texts: dict[str, str], lang: str) -> str:
    """A bilingual text in `lang`, falling back to the other language."""
    other = "en" if lang == "sl" else "sl"
    return texts.get(lang) or texts.get(other) or ""


def card_lines(view: OpportunityView, lang: str, number: int | None = None) -> list[str]:
    _ = gettext_for(lang)
    title = escape(pick(view.title, lang) or view.key)
    head = f"<b>{number}. {title}</b>" if number is not None else f"<b>{title}</b>"
    lines = [head]
    if view.organisation:
        lines.append(escape(view.organisation))
    if view.online:
        lines.append("💻 " + _("online"))
    elif view.district or view.address:
        where = ", ".join(escape(p) for p in (view.district, view.address) if p)
        if view.distance_km is not None:
            where += " · " + format_km(view.distance_km, lang)
        lines.append("📍 " + where)
    if view.starts_at:
        lines.append("🗓 " + format_when(datetime.fromisoformat(view.starts_at), lang))
    elif pick(view.schedule, lang):
        lines.append("🗓 " + escape(pick(view.schedule, lang)))
    price = format_price(view.price_eur, lang)
    if price:
        lines.append("💶 " + price)
    if view.languages:
        lines.append("🗣 " + ", ".join(escape(code) for code in view.languages))
    return lines


def notice_html(code: str, lang: str, params: dict | None = None) -> str:
    _ = gettext_for(lang)
    texts = {
        "empty_query": _(
            "Write what you would like to learn, for example: robotics, Slovenian course, smartphone."
        ),
        "no_words": _("I can only read words. Write what you would like to learn."),
        "outside_slovenia": _(
            "That place is outside Slovenia, so distances are large; showing what fits best."
        ),
        "not_found": _("Nothing found. Try other words, or a place like 'v Šiški'."),
        "no_more": _("There are no more results."),
        "gone": _("This opportunity is no longer in the catalogue."),
        "no_place": _("This one takes place online, so it has no place on a map.")
        if (params or {}).get("online")
        else _("The organiser has not given a place for this one yet."),
    }
    if code in texts:
        return texts[code]
    conversation = {
        "greet": _(
            "Hello! Write what you would like to learn, or share your location to see what is near."
        ),
        "goodbye": _("Goodbye, and good luck with your learning!"),
        "help": _(
            "Write what you would like to learn, in your own words: "
            "'robotika v Šiški', 'free Slovenian course', 'kako uporabljam e-upravo'."
        )
        + "\n"
        + _(
            "Share your location (📍) to see what is nearest. "
            "/language changes the language, /cancel forgets your location."
        ),
        "no_badges": _("You have no badges yet. Badges you earn will appear here."),
        "claim_badge": _(
            "Badges are awarded by the organisers of a course or workshop; once they award yours, "
            "I will bring it here. Ask them if you finished and have not received it."
        ),
        "subscribe": _(
            "I cannot send news of new opportunities yet. Until then, write to me whenever you look for something."
        ),
        "out_of_scope": _(
            "I can only help with learning: courses, workshops, clubs and volunteering. "
            "Write what you would like to learn."
        ),
        "guessed_language": _(
            "Your message seems to be in {language}. I answer in English; /language changes it."
        ).format(language=language_name((params or {}).get("language", ""), lang)),
    }
    return conversation.get(code, escape(code))


def language_name(code: str, lang: str) -> str:
    """A language's name in `lang` ("ukrajinščina", "Ukrainian"); B/C/S named as one."""
    if code == "sh":
        _ = gettext_for(lang)
        return _("Bosnian, Croatian or Serbian")
    try:
        return Locale.parse(code).get_display_name(lang) or code
    except (ValueError, UnknownLocaleError):
        return code


def render(message: Message, lang: str) -> list[Rendered]:
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    if isinstance(message, Notice):
        if message.code == "choose_language":
            choices = [[Choice("Slovenščina", "lang:sl"), Choice("English", "lang:en")]]
            return [Rendered(_("Choose a language:"), choices)]
        return [Rendered(notice_html(message.code, lang, message.params))]
    if isinstance(message, Venue):
        return [Rendered(venue=message.opportunity)]
    if isinstance(message, Details):
        view = message.opportunity
        lines = card_lines(view, lang)
        if pick(view.description, lang):
            lines += ["", escape(pick(view.description, lang))]
        if pick(view.badge, lang):
            lines += ["", "🏅 " + _("Badge: {name}").format(name=escape(pick(view.badge, lang)))]
        if view.url:
            label = _("More and sign-up")
            lines += ["", f'<a href="{escape(view.url, quote=True)}">{label}</a>']
        choices = (
            [[Choice("🗺 " + _("Show on map"), f"map:{view.id}")]] if view.lat is not None else []
        )
        return [Rendered("\n".join(lines), choices)]
    assert isinstance(message, ResultList)
    parts = [notice_html(code, lang) for code in message.notices]
    if not message.cards:
        return [Rendered("\n".join(parts) or notice_html("not_found", lang))]
    if message.place:
        parts.append(_("Near {place}:").format(place=escape(message.place)))
    parts.append(
        ngettext("{n} opportunity found", "{n} opportunities found", message.total).format(
            n=message.total
        )
    )
    choices: list[list[Choice]] = []
    for number, view in enumerate(message.cards, start=message.offset + 1):
        parts.append("")
        parts.extend(card_lines(view, lang, number))
        row = [Choice(f"ℹ️ {number}", f"det:{view.id}")]
        if view.lat is not None and not view.online:
            row.append(Choice(f"🗺 {number}", f"map:{view.id}"))
        choices.append(row)
    shown = message.offset + len(message.cards)
    if shown < message.total:
        choices.append(
            [Choice(_("More results") + " ▶", f"more:{message.search_id}:{message.offset}")]
        )
    return [Rendered("\n".join(parts), choices)]


def render_all(messages: list[Message], lang: str) -> list[Rendered]:
    """Every reply to one message; a note on the message's language opens the next reply."""
    out: list[Rendered] = []
    preface = ""
    for message in messages:
        if isinstance(message, Notice) and message.code == "guessed_language":
            preface = "<i>" + notice_html(message.code, lang, message.params) + "</i>\n\n"
            continue
        for rendered in render(message, lang):
            if preface and rendered.venue is None:
                rendered = Rendered(preface + rendered.html, rendered.choices)
                preface = ""
            out.append(rendered)
    if preface:
        out.append(Rendered(preface.strip()))
    return out
