"""Replies rendered for people: HTML text and buttons in the user's language, from the
structured messages actions give. Telegram and the terminal share this; only their widgets
differ (inline buttons there, numbered choices here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from babel import Locale, UnknownLocaleError

from actions.messages import (
    BADGES_ISSUED_AGAIN,
    Details,
    Message,
    Notice,
    Offer,
    OpportunityView,
    Reminder,
    ResultList,
    SavedList,
)
from bot.callbacks import Button, callback
from bot.i18n import format_km, format_price, format_when, gettext_for, ngettext_for


@dataclass(frozen=True)
class Choice:
    label: str
    action: str = ""  # callback data, written by bot.callbacks.callback
    url: str = ""  # or the address the button opens


@dataclass(frozen=True)
class Attachment:
    """A file to send as a document, as it is (never recompressed)."""

    content: bytes
    file_name: str


@dataclass(frozen=True)
class KeptFile:
    """A file Telegram already keeps, sent again by its file_id: a photo or a document."""

    kind: str  # "photo" | "document"
    file_id: str


@dataclass(frozen=True)
class Rendered:
    """One message to send: HTML text with choices, a venue, or a document (or a photo or a
    document Telegram keeps) with the HTML as its caption."""

    html: str = ""
    choices: list[list[Choice]] = field(default_factory=list)
    venue: OpportunityView | None = None
    document: Attachment | None = None
    kept: KeptFile | None = None


def language_choices() -> list[Choice]:
    """One button a language, each named in its own language."""
    return [
        Choice("Slovenščina", callback(Button.LANGUAGE, "sl")),
        Choice("English", callback(Button.LANGUAGE, "en")),
    ]


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


def save_choice(opportunity_id: int, saved: bool, lang: str, number: int | None = None) -> Choice:
    """The button that saves an opportunity, or removes it once saved: "⭐ 2"/"🗑 2" in a list,
    worded in a card of its own."""
    _ = gettext_for(lang)
    action = callback(Button.UNSAVE if saved else Button.SAVE, opportunity_id)
    if number is not None:
        return Choice(f"🗑 {number}" if saved else f"⭐ {number}", action)
    return Choice("🗑 " + _("Remove from saved") if saved else "⭐ " + _("Save / remind me"), action)


def toggled_choice(label: str, opportunity_id: int, saved: bool, lang: str) -> Choice:
    """The save button that replaces one labelled `label` after a press: numbered if it was."""
    number = label.rsplit(" ", 1)[-1]
    return save_choice(opportunity_id, saved, lang, int(number) if number.isdigit() else None)


def saved_html(params: dict, lang: str) -> str:
    """What saving said, and when (or why not) the reminder comes."""
    _ = gettext_for(lang)
    title = "<b>" + escape(pick(params.get("title") or {}, lang)) + "</b>"
    if params.get("new"):
        head = "⭐ " + _("Saved: {title}.").format(title=title)
    else:
        head = _("You had already saved it: {title}.").format(title=title)
    reminder = params.get("reminder")
    if reminder == "set" and params.get("remind_at"):
        when = format_when(datetime.fromisoformat(params["remind_at"]), lang)
        line = _("I will send you a reminder on {when}.").format(when=when)
    elif reminder == "sent":
        line = _("I have already sent you the reminder.")
    elif reminder == "soon" and params.get("starts_at"):
        when = format_when(datetime.fromisoformat(params["starts_at"]), lang)
        line = _("It starts soon ({when}), too soon for a reminder.").format(when=when)
    elif reminder == "started":
        line = _("It has already started, so there will be no reminder.")
    else:
        line = _("It has no start date (it runs all the time), so there will be no reminder.")
    return "\n".join([head, line, _("/saved lists what you saved.")])


def toast(message: Message, lang: str) -> str:
    """A short answer to a button press (Telegram shows it for a moment, 200 characters)."""
    _ = gettext_for(lang)
    if isinstance(message, Notice) and message.code == "saved":
        return "⭐ " + _("Saved") if message.params.get("new") else _("Already saved")
    if isinstance(message, Notice):
        return notice_html(message.code, lang, message.params)[:200]
    return ""


def notice_html(code: str, lang: str, params: dict | None = None) -> str:
    _ = gettext_for(lang)
    if code == "saved":
        return saved_html(params or {}, lang)
    if code == BADGES_ISSUED_AGAIN:
        n = int((params or {}).get("n", 1))
        ngettext = ngettext_for(lang)
        return ngettext(
            "🔄 Your badge was issued again. Here is its new file: it replaces the one you "
            "had, which verifiers would no longer accept.",
            "🔄 Your {n} badges were issued again. Here are their new files: they replace the "
            "ones you had, which verifiers would no longer accept.",
            n,
        ).format(n=n)
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
        "old_button": _("This button no longer works. Please search again."),
        "entry_gone": _("That answer is no longer here. Write your question in your own words."),
        "unsaved": _("Removed from your saved opportunities."),
        "not_saved": _("That one was not among your saved opportunities."),
        "none_saved": _(
            "You have not saved anything yet. Press ⭐ on an opportunity to save it: "
            "I will remind you the day before it starts."
        ),
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
        "no_badges": _(
            "You have no badges yet. The organisers of courses and workshops award them: when you "
            "finish, they give you a link or a QR code, and the badge comes here."
        ),
        "no_more_badges": _("There are no more badges."),
        "claim_badge": _(
            "To claim a badge, scan the QR code the organiser shows you, or open the link they "
            "send you: it opens this chat and the badge comes here. /mybadges lists your badges."
        ),
        "subscribe": _(
            "Follow topics, districts or organisations with /follow, and I will tell you of new "
            "opportunities."
        ),
        "out_of_scope": _(
            "I can only help with learning: courses, workshops, clubs and volunteering. "
            "Write what you would like to learn."
        ),
        "guessed_language": _("Your message seems to be in {language}.").format(
            language=language_name((params or {}).get("language", ""), lang)
        )
        + " "
        + (
            _("I answer in Slovenian; /language changes it.")
            if lang == "sl"
            else _("I answer in English; /language changes it.")
        ),
    }
    return conversation.get(code, escape(code))


def offer_card(message: Offer, lang: str) -> list[Rendered]:
    """Below a search: the other thing the message may have meant, one button away."""
    _ = gettext_for(lang)
    labels = {
        "help": "❓ " + _("What can you do?"),
        "my_badges": "🏅 " + _("My badges"),
        "claim_badge": "🏅 " + _("Claim a badge"),
        "subscribe": "🔔 " + _("News of new opportunities"),
        "change_language": "🌐 " + _("Language / Jezik"),
    }
    label = labels.get(message.intent)
    if label is None:  # an intent this version does not offer
        return []
    return [
        Rendered(
            _("Or did you mean this?"), [[Choice(label, callback(Button.INTENT, message.intent))]]
        )
    ]


def language_name(code: str, lang: str) -> str:
    """A language's name in `lang` ("ukrajinščina", "Ukrainian"); B/C/S named as one."""
    if code == "sh":
        _ = gettext_for(lang)
        return _("Bosnian, Croatian or Serbian")
    try:
        return Locale.parse(code).get_display_name(lang) or code
    except (ValueError, UnknownLocaleError):
        return code


def saved_list(message: SavedList, lang: str) -> Rendered:
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    count = len(message.items)
    header = ngettext("{n} saved opportunity", "{n} saved opportunities", count)
    parts = ["⭐ " + header.format(n=count)]
    choices: list[list[Choice]] = []
    for number, item in enumerate(message.items, start=1):
        view = item.opportunity
        parts.append("")
        parts.extend(card_lines(view, lang, number))
        if item.remind_at:
            when = format_when(datetime.fromisoformat(item.remind_at), lang)
            parts.append("⏰ " + _("Reminder: {when}").format(when=when))
        row = [Choice(f"ℹ️ {number}", callback(Button.DETAILS, view.id))]
        if view.lat is not None and not view.online:
            row.append(Choice(f"🗺 {number}", callback(Button.MAP, view.id)))
        row.append(save_choice(view.id, True, lang, number))
        choices.append(row)
    return Rendered("\n".join(parts), choices)


def reminder_card(message: Reminder, lang: str) -> Rendered:
    _ = gettext_for(lang)
    view = message.opportunity
    title = escape(pick(view.title, lang) or view.key)
    heads = {
        "today": _("Today: {title}"),
        "tomorrow": _("Tomorrow: {title}"),
    }
    head = heads.get(message.day, _("Reminder: {title}")).format(title=title)
    lines = ["⏰ <b>" + head + "</b>", *card_lines(view, lang)[1:]]
    row = [Choice("ℹ️ " + _("Details"), callback(Button.DETAILS, view.id))]
    if view.lat is not None and not view.online:
        row.append(Choice("🗺 " + _("Show on map"), callback(Button.MAP, view.id)))
    return Rendered("\n".join(lines), [row])


def details_card(message: Details, lang: str, saved: frozenset[int]) -> Rendered:
    _ = gettext_for(lang)
    view = message.opportunity
    lines = card_lines(view, lang)
    if pick(view.description, lang):
        lines += ["", escape(pick(view.description, lang))]
    if pick(view.badge, lang):
        lines += ["", "🏅 " + _("Badge: {name}").format(name=escape(pick(view.badge, lang)))]
    if view.url:
        label = _("More and sign-up")
        lines += ["", f'<a href="{escape(view.url, quote=True)}">{label}</a>']
    choices = []
    if view.lat is not None:
        choices.append([Choice("🗺 " + _("Show on map"), callback(Button.MAP, view.id))])
    choices.append([save_choice(view.id, view.id in saved, lang)])
    return Rendered("\n".join(lines), choices)


def result_list_card(message: ResultList, lang: str, saved: frozenset[int]) -> Rendered:
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    parts = [notice_html(code, lang) for code in message.notices]
    if not message.cards:
        return Rendered("\n".join(parts) or notice_html("not_found", lang))
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
        row = [Choice(f"ℹ️ {number}", callback(Button.DETAILS, view.id))]
        if view.lat is not None and not view.online:
            row.append(Choice(f"🗺 {number}", callback(Button.MAP, view.id)))
        row.append(save_choice(view.id, view.id in saved, lang, number))
        choices.append(row)
    shown = message.offset + len(message.cards)
    if shown < message.total:
        more = callback(Button.MORE, message.search_id, message.offset)
        choices.append([Choice(_("More results") + " ▶", more)])
    return Rendered("\n".join(parts), choices)
