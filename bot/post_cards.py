"""What /post, /myposts and a programme's upload say to an organisation's staff, in their
language: each step's question and buttons, what is wrong with an answer, the preview (the
learners' own details card), the list of the organisation's items, an upload's faults."""

from __future__ import annotations

from html import escape

from actions.messages import Details, OpportunityView
from bot.callbacks import Button, callback
from bot.cards import Choice, Rendered, details_card, pick
from bot.i18n import format_day, gettext_for
from organisations.drafts import STEPS
from organisations.posting import DraftView, PostsPage
from organisations.problems import PostProblem
from store.catalogue_import import CatalogueError
from store.models import AUDIENCES, KINDS

MAX_SHOWN_ERRORS = 10  # an upload's faults listed in the chat (the rest counted)


def kind_label(kind: str, lang: str) -> str:
    _ = gettext_for(lang)
    labels = {
        "course": _("Course"),
        "workshop": _("Workshop"),
        "event": _("Event"),
        "volunteering": _("Volunteering"),
        "programme": _("Programme"),
        "club": _("Club"),
        "internship": _("Internship"),
        "project": _("Project"),
    }
    return labels.get(kind, kind)


def audience_label(audience: str, lang: str) -> str:
    _ = gettext_for(lang)
    labels = {
        "youth": _("Young people"),
        "seniors": _("Seniors"),
        "migrants": _("Migrants"),
        "adults": _("Adults"),
        "children": _("Children"),
        "families": _("Families"),
        "everyone": _("Everyone"),
    }
    return labels.get(audience, audience)


def step_label(step: str, lang: str) -> str:
    _ = gettext_for(lang)
    labels = {
        "languages": _("Languages"),
        "title": _("Title"),
        "description": _("Description"),
        "kind": _("Kind"),
        "when": _("When"),
        "where": _("Where"),
        "audience": _("For whom"),
        "topics": _("Topics"),
        "price": _("Price"),
        "link": _("Link"),
        "badge": _("Badge"),
    }
    return labels.get(step, step)


def in_language(code: str | None, lang: str) -> str:
    _ = gettext_for(lang)
    return _("in Slovenian") if code == "sl" else _("in English")


def problem_text(problem: PostProblem, lang: str) -> str:
    """What is wrong with the answer, in the editor's language."""
    _ = gettext_for(lang)
    params = problem.params
    texts = {
        "empty": _("Please write something."),
        "too_long": _("That is too long: at most {limit} characters, please."),
        "too_many": _("That is too many: at most {limit}, please."),
        "bad_date": _("I cannot read that date. Write it like 12. 1. 2027 17:00."),
        "bad_time": _("I cannot read that time. Write it like 17:00."),
        "time_missing": _("Please add the time, e.g. 12. 1. 2027 17:00."),
        "past_date": _("That date is in the past. Please give a date that is still ahead."),
        "end_before_start": _("The end is before the start. Please check the times."),
        "place_not_found": _(
            "I do not know the place “{place}”. Write a district (e.g. Šiška), an address with "
            "a house number, or share a location."
        ),
        "not_in_slovenia": _("That location is not in Slovenia. Please share another one."),
        "location_not_asked": _("A location is only asked for at the “where” step."),
        "unknown_choice": _("Please choose one of the buttons."),
        "not_optional": _("This step cannot be skipped."),
        "bad_price": _("Please write an amount in euros, e.g. 12.50, or press Free."),
        "bad_link": _("A link must start with https:// or http://."),
        "not_ready": _("The step “{field}” is still unanswered."),
        "at_preview": _("The post is ready: publish it, edit it or discard it with the buttons."),
        "no_draft": _("There is no draft any more. Send /post to write a new one."),
        "invalid": _("Something in the post cannot be published ({field}). Please edit it."),
    }
    text = texts.get(problem.code, _("That answer cannot be used. Please try again."))
    shown = dict(params)
    if "field" in shown:
        shown["field"] = step_label(str(shown["field"]), lang)
    return text.format(**shown) if shown else text


def post_button(what: str, value: str | int | None = None) -> str:
    return callback(Button.POST, what) if value is None else callback(Button.POST, what, value)


def prompt(view: DraftView, lang: str) -> Rendered:
    """The question of the draft's step, with its buttons."""
    _ = gettext_for(lang)
    step, data = view.step, view.data
    skip = [Choice(_("Skip"), post_button("skip"))]
    if step == "languages":
        return Rendered(
            _("In which language(s) will you write the post for {organisation}?").format(
                organisation=escape(view.organisation)
            ),
            [
                [
                    Choice("Slovenščina", post_button("lang", "sl")),
                    Choice("English", post_button("lang", "en")),
                ],
                [Choice(_("Both"), post_button("lang", "both"))],
            ],
        )
    if step == "title":
        return Rendered(
            _("Write the title {language} (at most 300 characters).").format(
                language=in_language(view.language, lang)
            )
        )
    if step == "description":
        return Rendered(
            _("Write the description {language}: what happens, for whom, what to bring.").format(
                language=in_language(view.language, lang)
            )
        )
    if step == "kind":
        kinds = [Choice(kind_label(k, lang), post_button("kind", k)) for k in KINDS]
        return Rendered(
            _("What kind of opportunity is it?"), [kinds[i : i + 2] for i in range(0, 8, 2)]
        )
    if step == "when":
        return Rendered(
            _(
                "When does it take place? Write a date and time, e.g. 12. 1. 2027 17:00 or "
                "12. 1. 2027 17:00 - 19:00; or a recurring schedule in words, e.g. every "
                "Tuesday at 17:00."
            )
        )
    if step == "where":
        return Rendered(
            _(
                "Where does it take place? Share a location (📎 → Location), write an address "
                "or a district, or press Online."
            ),
            [[Choice("💻 " + _("Online"), post_button("online"))]],
        )
    if step == "audience":
        chosen = data.get("audience") or []
        marks = [
            Choice(("✅ " if a in chosen else "") + audience_label(a, lang), post_button("aud", a))
            for a in AUDIENCES
        ]
        rows = [marks[i : i + 2] for i in range(0, len(marks), 2)]
        return Rendered(
            _("Who is it for? Choose one or more, then press Done."),
            [*rows, [Choice(_("Done"), post_button("done"))]],
        )
    if step == "topics":
        chosen = data.get("topics") or []
        offered = data.get("topic_choices") or []
        marks = [
            Choice(("✅ " if t in chosen else "") + t, post_button("top", i))
            for i, t in enumerate(offered)
        ]
        rows = [marks[i : i + 2] for i in range(0, len(marks), 2)]
        return Rendered(
            _(
                "Which topics does it cover? Choose below or write them separated by commas, "
                "then press Done."
            ),
            [*rows, [Choice(_("Done"), post_button("done"))]],
        )
    if step == "price":
        return Rendered(
            _("How much does it cost? Write an amount in euros, e.g. 12.50, or press Free."),
            [[Choice(_("Free"), post_button("free"))]],
        )
    if step == "link":
        return Rendered(_("A link for more information and sign-up (https://…), or Skip."), [skip])
    if step == "badge":
        return Rendered(
            _(
                "Does it offer a badge? Write its name on the first line and what earns it on "
                "the next lines; or Skip."
            ),
            [skip],
        )
    return Rendered(_("The post is ready."))


def preview_card(view: DraftView, shown: OpportunityView, lang: str) -> Rendered:
    """The draft exactly as learners will see its details, with Publish / Edit / Discard."""
    _ = gettext_for(lang)
    card = details_card(Details(shown), lang, frozenset())
    head = _("This is how learners will see it:")
    publish = _("Publish the changes") if view.opportunity_id else _("Publish")
    return Rendered(
        f"{head}\n\n{card.html}",
        [
            [Choice("✅ " + publish, post_button("publish"))],
            [
                Choice("✏️ " + _("Edit"), post_button("edit")),
                Choice("🗑 " + _("Discard"), post_button("discard")),
            ],
        ],
    )


def edit_menu(lang: str) -> Rendered:
    _ = gettext_for(lang)
    steps = [Choice(step_label(s, lang), post_button("field", s)) for s in STEPS[:-1]]
    rows = [steps[i : i + 3] for i in range(0, len(steps), 3)]
    return Rendered(
        _("What would you like to change?"), [*rows, [Choice(_("Back"), post_button("back"))]]
    )


def my_posts_card(page: PostsPage, lang: str) -> Rendered:
    _ = gettext_for(lang)
    if not page.items:
        return Rendered(
            _("Your organisation offers nothing at the moment. Send /post to add something.")
            + "\n\n"
            + upload_hint(lang)
        )
    lines = [_("Your organisation's opportunities ({total}):").format(total=page.total)]
    rows: list[list[Choice]] = []
    for number, item in enumerate(page.items, start=page.offset + 1):
        when = f" · {format_day(item.starts_at, lang)}" if item.starts_at else ""
        lines.append(f"{number}. {escape(pick(item.title, lang))}{when}")
        rows.append(
            [
                Choice(f"✏️ {number}", callback(Button.MY_POSTS, "edit", item.opportunity_id)),
                Choice(f"🗑 {number}", callback(Button.MY_POSTS, "wd", item.opportunity_id)),
            ]
        )
    shown = page.offset + len(page.items)
    if shown < page.total:
        rows.append([Choice(_("More") + " ▶", callback(Button.MY_POSTS, "page", shown))])
    lines += ["", "✏️ " + _("edit") + "  🗑 " + _("withdraw"), "", upload_hint(lang)]
    return Rendered("\n".join(lines), rows)


def upload_hint(lang: str) -> str:
    _ = gettext_for(lang)
    return _(
        "A whole programme at once: send a file in the catalogue format (.jsonl, one "
        "opportunity a line). It is taken all or nothing."
    )


def catalogue_errors(error: CatalogueError, lang: str) -> str:
    """Nothing was stored, and why: each fault with its line and field."""
    _ = gettext_for(lang)
    lines = [_("Nothing was saved. Please correct the file and send it again:")]
    for fault in error.errors[:MAX_SHOWN_ERRORS]:
        lines.append(
            _("line {line}, field {field}: {problem}").format(
                line=fault.line, field=fault.field, problem=fault.message
            )
        )
    more = len(error.errors) - MAX_SHOWN_ERRORS + error.more
    if more > 0:
        lines.append(_("… and {n} more.").format(n=more))
    return "\n".join(lines)
