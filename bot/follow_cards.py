"""Following rendered for people: /follow's menu and lists (topics, districts, organisations,
✅ on what they follow), /following with a remove button each and the switch between instant news
and a weekly digest, a details card's buttons to follow its organiser, topics and district, the
news and digests the outbox sends, and what following said. Telegram and the terminal share it;
no Telegram types."""

from __future__ import annotations

from html import escape

from actions.messages import FollowedNews, OpportunityView
from bot.callbacks import Button, callback
from bot.cards import Choice, Rendered, card_lines
from bot.i18n import gettext_for, ngettext_for
from organisations.following import (
    DISTRICT,
    INSTANT,
    ORGANISATION,
    TOPIC,
    WEEKLY,
    Followable,
    Following,
    stored_key,
)

LETTERS = {ORGANISATION: "o", TOPIC: "t", DISTRICT: "d"}  # a kind in a button's data
KINDS = {letter: kind for kind, letter in LETTERS.items()}
ICONS = {ORGANISATION: "🏢", TOPIC: "🏷", DISTRICT: "📍"}
MENU = "m"  # flist:m: back to /follow's menu
FROM_FOLLOWING = "l"  # unf:…:l: pressed in /following
FROM_CARD = "c"  # fol:…:c: pressed on an opportunity's details card
PAGE = 12  # things to follow on one page of /follow's list
NEWS_CARDS = 10  # opportunities shown in one news message; the rest are counted


def topic_names(lang: str) -> dict[str, str]:
    """The catalogue's most used topics (written in English, in lower case) in `lang`; another
    topic is shown as the catalogue writes it."""
    _ = gettext_for(lang)
    return {
        "art": _("art"),
        "beginners": _("beginners"),
        "community": _("community"),
        "conversation": _("conversation"),
        "crafts": _("crafts"),
        "digital literacy": _("digital literacy"),
        "documents": _("documents"),
        "e-health": _("e-health"),
        "email": _("e-mail"),
        "english language": _("English language"),
        "environment": _("environment"),
        "family": _("family"),
        "health": _("health"),
        "integration": _("integration"),
        "intergenerational": _("intergenerational"),
        "job search": _("job search"),
        "job skills": _("job skills"),
        "media literacy": _("media literacy"),
        "music": _("music"),
        "online": _("online"),
        "online safety": _("online safety"),
        "programming": _("programming"),
        "reading": _("reading"),
        "robotics": _("robotics"),
        "scams": _("scams"),
        "slovenian language": _("Slovenian language"),
        "smartphone": _("smartphone"),
        "social media": _("social media"),
        "sport": _("sport"),
        "stem": _("science and technology"),
        "storytelling": _("storytelling"),
        "sustainability": _("sustainability"),
        "volunteering": _("volunteering"),
        "youth culture": _("youth culture"),
    }


def shown(item: Followable, lang: str) -> str:
    """A followed thing's name to show: a topic in `lang` where known, with a capital."""
    if item.kind != TOPIC:
        return item.name
    name = topic_names(lang).get(item.key, item.name)
    return name[:1].upper() + name[1:]


def follow_menu(lang: str) -> Rendered:
    """/follow: what kind of thing to follow."""
    _ = gettext_for(lang)
    text = "\n".join(
        [
            "🔔 " + _("Follow what interests you, and I will tell you of new opportunities."),
            _("What would you like to follow?"),
        ]
    )
    choices = [
        [Choice("🏷 " + _("Topics"), callback(Button.FOLLOW_LIST, LETTERS[TOPIC], 0))],
        [Choice("📍 " + _("Districts"), callback(Button.FOLLOW_LIST, LETTERS[DISTRICT], 0))],
        [
            Choice(
                "🏢 " + _("Organisations"), callback(Button.FOLLOW_LIST, LETTERS[ORGANISATION], 0)
            )
        ],
    ]
    return Rendered(text, choices)


def follow_list(
    kind: str, items: list[Followable], followed: set[str], offset: int, lang: str
) -> Rendered:
    """One page of the things of `kind` to follow; `followed` holds the tokens of what the
    person follows (✅, and pressing it again stops following)."""
    _ = gettext_for(lang)
    heads = {
        TOPIC: _("Press a topic to follow it; ✅ marks what you follow."),
        DISTRICT: _("Press a district to follow it; ✅ marks what you follow."),
        ORGANISATION: _("Press an organisation to follow it; ✅ marks what you follow."),
    }
    offset = max(0, min(offset, max(len(items) - 1, 0) // PAGE * PAGE))
    letter = LETTERS[kind]
    buttons = []
    for item in items[offset : offset + PAGE]:
        if item.token in followed:
            action = callback(Button.UNFOLLOW, letter, item.token, offset)
            buttons.append(Choice("✅ " + shown(item, lang), action))
        else:
            action = callback(Button.FOLLOW, letter, item.token, offset)
            buttons.append(Choice(shown(item, lang), action))
    width = 1 if kind == ORGANISATION else 2  # organisations have long names
    choices = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    pager = []
    if offset > 0:
        pager.append(Choice("◀", callback(Button.FOLLOW_LIST, letter, max(0, offset - PAGE))))
    if offset + PAGE < len(items):
        pager.append(Choice("▶", callback(Button.FOLLOW_LIST, letter, offset + PAGE)))
    if pager:
        choices.append(pager)
    choices.append([Choice("⬅️ " + _("Back"), callback(Button.FOLLOW_LIST, MENU, 0))])
    text = f"{ICONS[kind]} {heads[kind]}"
    if not items:
        text = _("There is nothing to follow here yet.")
    return Rendered(text, choices)


def news_line(news: str, lang: str) -> str:
    _ = gettext_for(lang)
    if news == WEEKLY:
        return _("I send you news of it once a week, on Saturday morning.")
    return _("I send you news of it at once, when something new comes.")


def following_card(following: Following, lang: str) -> Rendered:
    """/following: what the person follows, a button to stop each, and how they hear of it."""
    _ = gettext_for(lang)
    if not following.items:
        return Rendered(
            _(
                "You follow nothing yet. /follow shows what you can follow: topics, districts "
                "and organisations."
            )
        )
    lines = ["🔔 " + _("What you follow:")]
    lines += [f"{ICONS.get(f.kind, '•')} {escape(shown(f, lang))}" for f in following.items]
    lines += ["", news_line(following.news, lang)]
    choices = [
        [
            Choice(
                "✖ " + shown(item, lang),
                callback(Button.UNFOLLOW, LETTERS[item.kind], item.token, FROM_FOLLOWING),
            )
        ]
        for item in following.items
        if item.kind in LETTERS
    ]
    if following.news == WEEKLY:
        switch = Choice("🔔 " + _("News at once instead"), callback(Button.NEWS_MODE, INSTANT))
    else:
        switch = Choice("📰 " + _("A weekly digest instead"), callback(Button.NEWS_MODE, WEEKLY))
    choices.append([switch])
    return Rendered("\n".join(lines), choices)


def followed_html(outcome: str, name: str, lang: str) -> str:
    """What following said: followed now, already, or not found (organisations.Followed)."""
    _ = gettext_for(lang)
    if outcome == "new":
        return "\n".join(
            [
                "🔔 "
                + _("You now follow {name}. I will tell you when there is something new.").format(
                    name="<b>" + escape(name) + "</b>"
                ),
                _("/following lists what you follow."),
            ]
        )
    if outcome == "already":
        return _("You already follow {name}.").format(name="<b>" + escape(name) + "</b>")
    return _(
        "I do not know that organisation; perhaps the link is old. /follow shows what you can "
        "follow."
    )


def follow_toast(outcome: str, name: str, lang: str) -> str:
    """A button's short answer (200 characters at most)."""
    _ = gettext_for(lang)
    texts = {
        "new": "🔔 " + _("You follow {name}.").format(name=name),
        "already": _("You already follow {name}.").format(name=name),
        "removed": _("You no longer follow {name}.").format(name=name),
    }
    return texts.get(outcome, _("That is no longer here."))[:200]


def follow_organiser_choice(opportunity_id: int, lang: str) -> Choice:
    """A card's button: follow the organisation that offers it."""
    _ = gettext_for(lang)
    return Choice(
        "🔔 " + _("Follow the organiser"), callback(Button.FOLLOW_ORGANISER, opportunity_id)
    )


def card_follow_choices(view: OpportunityView, lang: str) -> list[list[Choice]]:
    """A details card's follow buttons: its organiser; its main topics (one row); its district.
    A topic's and a district's button is /follow's (`fol:<t|d>:<token>:c`), answered on the card
    (FROM_CARD) rather than in a list."""
    rows: list[list[Choice]] = []
    if view.organisation:
        rows.append([follow_organiser_choice(view.id, lang)])
    topics = [Followable(TOPIC, stored_key(TOPIC, t), t) for t in view.topics]
    if topics:
        rows.append([card_follow_choice(item, lang) for item in topics])
    if view.district and view.district.strip():
        district = " ".join(view.district.split())
        rows.append([card_follow_choice(Followable(DISTRICT, district, district), lang)])
    return rows


def card_follow_choice(item: Followable, lang: str) -> Choice:
    """🔔 and the topic's or district's icon and name: pressed, it is followed."""
    action = callback(Button.FOLLOW, LETTERS[item.kind], item.token, FROM_CARD)
    return Choice(f"🔔 {ICONS[item.kind]} {shown(item, lang)}", action)


def news_card(message: FollowedNews, lang: str) -> list[Rendered]:
    """New opportunities that match what the person follows, at once or in their digest;
    nothing when none is left (all withdrawn since)."""
    if not message.cards:
        return []
    _ = gettext_for(lang)
    ngettext = ngettext_for(lang)
    count = len(message.cards)
    if message.digest:
        head = (
            "📰 <b>"
            + _("Your weekly digest")
            + "</b>\n"
            + ngettext(
                "{n} new opportunity matches what you follow.",
                "{n} new opportunities match what you follow.",
                count,
            ).format(n=count)
        )
    else:
        head = "🔔 <b>" + _("New, from what you follow") + "</b>"
    parts = [head]
    choices: list[list[Choice]] = []
    for number, view in enumerate(message.cards[:NEWS_CARDS], start=1):
        parts.append("")
        parts.extend(card_lines(view, lang, number if count > 1 else None))
        label = f"ℹ️ {number}" if count > 1 else "ℹ️ " + _("Details")
        choices.append([Choice(label, callback(Button.DETAILS, view.id))])
    if count > NEWS_CARDS:
        more = count - NEWS_CARDS
        parts += [
            "",
            _("… and {n} more.").format(n=more),
        ]
    parts += ["", _("/following: what you follow, and how often I write.")]
    return [Rendered("\n".join(parts), choices)]


def mydata_lines(follows: tuple[tuple[str, str], ...], news: str, lang: str) -> list[str]:
    """/mydata's lines (plain text) on following: each thing followed as it is stored, and
    the news chosen."""
    if not follows:
        return []
    _ = gettext_for(lang)
    names = {
        ORGANISATION: _("organisation"),
        TOPIC: _("topic"),
        DISTRICT: _("district"),
    }
    listed = ", ".join(f"{key} ({names.get(kind, kind)})" for kind, key in follows)
    return [_("You follow: {listed}.").format(listed=listed), news_line(news, lang)]
