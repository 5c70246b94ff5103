"""/post, /myposts and a programme's upload in the chat, for an organisation's staff. /post is a
ConversationHandler whose one state means "writing a draft": the step itself lives with the draft
in the database (organisations.posting), and the conversations are taken up again after a
restart from the drafts there (DraftConversations), so an editor who writes again continues at
the step they were at. Every entry point and button goes through @privileged(Capability.POST)."""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import replace
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BasePersistence,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    PersistenceInput,
    filters,
)

from access.policy import Capability, Refused
from actions.messages import Details
from actions.views import view_of
from bot.callbacks import Button, callback, parse_callback
from bot.cards import Choice, Rendered, details_card, pick
from bot.i18n import format_day, gettext_for
from bot.telegram.common import keyboard_of, say_plainly, send, user_language
from bot.telegram.privileged import actor_of, privileged, refuse
from bot.telegram.state import ColbotContext
from organisations.acting import ActingFor
from organisations.drafts import STEPS
from organisations.posting import DraftView, PostingService
from organisations.problems import PostProblem
from store.catalogue_import import CatalogueError
from store.models import AUDIENCES, KINDS

log = logging.getLogger(__name__)

CONVERSATION = "post"
DRAFTING = "drafting"  # the one state: the step is the draft's, in the database
END = ConversationHandler.END
MAX_PROGRAMME_BYTES = 2 * 1024 * 1024
MAX_SHOWN_ERRORS = 10


# ---- the words of the steps ------------------------------------------------------------------
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


def preview_card(posts: PostingService, view: DraftView, opportunity: Any, lang: str) -> Rendered:
    """The draft exactly as learners will see its details, with Publish / Edit / Discard."""
    _ = gettext_for(lang)
    card = details_card(
        Details(view_of(opportunity, posts.catalogue.city.zone, full=True)), lang, frozenset()
    )
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


# ---- sending ---------------------------------------------------------------------------------
async def show(update: Update, context: ColbotContext, view: DraftView, lead: str = "") -> str:
    """The step's question (or the preview) sent to the editor, after `lead` (plain text) if
    given; the conversation stays."""
    chat = update.effective_chat
    if chat is None:
        return DRAFTING
    lang = user_language(update, context)
    if view.step == "preview":
        posts = context.services.posts
        try:
            shown = await context.workers.storing(posts.preview, actor_of(update))
        except PostProblem as problem:
            await say_plainly(update, context, problem_text(problem, lang))
            return DRAFTING
        rendered = preview_card(posts, view, shown, lang)
    else:
        rendered = prompt(view, lang)
    if lead:
        rendered = replace(rendered, html=f"{escape(lead)}\n\n{rendered.html}")
    await send(context.bot, chat.id, rendered, lang)
    return DRAFTING


async def problem_again(update: Update, context: ColbotContext, problem: PostProblem) -> str:
    """Say what is wrong and ask the step again."""
    said = "⚠️ " + problem_text(problem, user_language(update, context))
    view = None
    if problem.code != "no_draft":
        view = await context.workers.storing(context.services.posts.current, actor_of(update))
    if view is None:
        await say_plainly(update, context, said)
        return END
    return await show(update, context, view, said)


async def step(update: Update, context: ColbotContext, use_case: Any, *args: Any) -> str:
    """Run one use case on the draft, then ask the next step (or say what was wrong)."""
    try:
        view = await context.workers.storing(use_case, actor_of(update), *args)
    except PostProblem as problem:
        return await problem_again(update, context, problem)
    except Refused:
        await refuse(update, context)
        return END
    return await show(update, context, view)


# ---- /post and its answers -------------------------------------------------------------------
@privileged(Capability.POST)
async def on_post(update: Update, context: ColbotContext, acting: ActingFor) -> str:
    """/post: a new draft for the organisation acted for, or the one under way, at its step."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    posts = context.services.posts
    try:
        view = await context.workers.storing(posts.start, actor_of(update), acting.organisation_id)
    except Refused:
        await refuse(update, context)
        return END
    if view.data:
        said = _("You have a draft for {organisation}; let us continue where you left it.")
    elif acting.choices > 1:
        said = _("A new post for {organisation}. (/org chooses another organisation.)")
    else:
        said = _("A new post for {organisation}.")
    hint = _("/cancel leaves at any step.")
    return await show(
        update, context, view, said.format(organisation=view.organisation) + " " + hint
    )


@privileged(Capability.POST)
async def on_answer(update: Update, context: ColbotContext, acting: ActingFor) -> str:
    """A written answer to the step."""
    text = update.effective_message.text or ""
    return await step(update, context, context.services.posts.answer, text)


@privileged(Capability.POST)
async def on_location(update: Update, context: ColbotContext, acting: ActingFor) -> str:
    """A shared location: the answer to "where" (never kept beyond the post it places)."""
    location = update.effective_message.location
    return await step(
        update, context, context.services.posts.locate, location.latitude, location.longitude
    )


@privileged(Capability.POST)
async def on_not_text(update: Update, context: ColbotContext, acting: ActingFor) -> str:
    """A photo, a sticker or a file where a text was asked: explained, and the step asked
    again."""
    _ = gettext_for(user_language(update, context))
    said = _(
        "I need a text here, not a photo or a file (at the “where” step a location works too)."
    )
    view = await context.workers.storing(context.services.posts.current, actor_of(update))
    if view is None:
        await say_plainly(update, context, said)
        return END
    return await show(update, context, view, said)


@privileged(Capability.POST)
async def on_cancel(update: Update, context: ColbotContext, acting: ActingFor) -> str:
    """/cancel at any step: the conversation ends; the draft is kept unless the editor says
    otherwise."""
    _ = gettext_for(user_language(update, context))
    view = await context.workers.storing(context.services.posts.pause, actor_of(update))
    if view is None:
        await say_plainly(update, context, _("Cancelled."))
        return END
    chat = update.effective_chat
    question = Rendered(
        _("You left the post. Shall I keep the draft for later?"),
        [
            [
                Choice(_("Keep the draft"), post_button("keep")),
                Choice(_("Discard it"), post_button("discard")),
            ]
        ],
    )
    if chat is not None:
        await send(context.bot, chat.id, question, user_language(update, context))
    return END


@privileged(Capability.POST)
async def on_button(update: Update, context: ColbotContext, acting: ActingFor) -> str | None:
    """A button of /post: a choice for the step, publish, edit, discard, keep."""
    query = update.callback_query
    pressed = parse_callback(query.data)
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await _answer_quietly(query)
    if pressed is None or not pressed.parts:
        return None
    what, value = pressed.parts[0], (pressed.parts[1] if len(pressed.parts) > 1 else "")
    posts, actor = context.services.posts, actor_of(update)
    if what in ("lang", "kind"):
        return await step(update, context, posts.choose, value)
    if what in ("free", "online"):
        return await step(update, context, posts.choose, what)
    if what in ("aud", "top"):
        return await _toggle(update, context, what, value)
    if what in ("done", "skip"):
        return await step(update, context, posts.skip)
    if what == "field":
        return await step(update, context, posts.go_to, value)
    if what == "edit":
        chat = update.effective_chat
        if chat is not None:
            await send(context.bot, chat.id, edit_menu(lang), lang)
        return DRAFTING
    if what == "back":
        view = await context.workers.storing(posts.current, actor)
        return await show(update, context, view) if view is not None else END
    if what == "publish":
        return await _publish(update, context)
    if what == "discard":
        await context.workers.storing(posts.discard, actor)
        await say_plainly(update, context, _("The draft is discarded."))
        return END
    if what == "keep":
        await say_plainly(update, context, _("The draft is kept. Send /post to continue it."))
        return END
    return None


async def _toggle(update: Update, context: ColbotContext, what: str, value: str) -> str:
    """An audience or a topic chosen or unchosen: the same message's buttons change."""
    posts, actor = context.services.posts, actor_of(update)
    lang = user_language(update, context)
    if what == "top":
        view = await context.workers.storing(posts.current, actor)
        offered = (view.data.get("topic_choices") or []) if view else []
        index = int(value) if value.isdigit() else -1
        value = offered[index] if 0 <= index < len(offered) else ""
    try:
        view = await context.workers.storing(posts.toggle, actor, value)
    except PostProblem as problem:
        return await problem_again(update, context, problem)
    markup = keyboard_of(prompt(view, lang).choices)
    try:
        await update.callback_query.edit_message_reply_markup(markup)
    except Exception:  # an old message: ask anew below it
        log.info("could not update the choices of a /post step")
        return await show(update, context, view)
    return DRAFTING


async def _publish(update: Update, context: ColbotContext) -> str:
    _ = gettext_for(user_language(update, context))
    posts = context.services.posts
    note = await context.bot.send_message(update.effective_chat.id, _("Publishing…"))
    try:
        published = await context.workers.searching(posts.publish, actor_of(update))
    except PostProblem as problem:
        return await problem_again(update, context, problem)
    except Refused:
        await refuse(update, context)
        return END
    done = (
        _("Published. Learners can find it from now on.")
        if published.created
        else _("Saved. Learners see the new version from now on.")
    )
    await note.edit_text(done)
    # followers' news of the new item goes out from here, by its id (published.opportunity_id)
    return END


async def _answer_quietly(query: Any) -> None:
    try:
        await query.answer()
    except Exception:
        log.info("could not answer a /post button press")


# ---- /myposts -------------------------------------------------------------------------------
def my_posts_card(page: Any, lang: str) -> Rendered:
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


@privileged(Capability.POST)
async def on_my_posts(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    await _send_page(update, context, acting, 0)


async def _send_page(
    update: Update, context: ColbotContext, acting: ActingFor, offset: int
) -> None:
    lang = user_language(update, context)
    posts = context.services.posts
    try:
        page = await context.workers.storing(
            posts.my_posts, actor_of(update), acting.organisation_id, offset
        )
    except Refused:
        await refuse(update, context)
        return
    chat = update.effective_chat
    if chat is not None:
        await send(context.bot, chat.id, my_posts_card(page, lang), lang)


@privileged(Capability.POST)
async def on_my_posts_button(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    """/myposts' buttons: another page, withdraw (asked first), withdrawn."""
    query = update.callback_query
    pressed = parse_callback(query.data)
    lang = user_language(update, context)
    _ = gettext_for(lang)
    await _answer_quietly(query)
    number = pressed.number(1) if pressed is not None else None
    what = pressed.parts[0] if pressed is not None and pressed.parts else ""
    if what == "page" and pressed is not None and len(pressed.parts) > 1:
        offset = pressed.parts[1]
        await _send_page(update, context, acting, int(offset) if offset.isdigit() else 0)
    elif what == "wd" and number is not None:
        question = Rendered(
            _("Withdraw it? Learners will no longer find it."),
            [
                [
                    Choice(_("Yes, withdraw"), callback(Button.MY_POSTS, "wdok", number)),
                    Choice(_("No"), callback(Button.MY_POSTS, "page", 0)),
                ]
            ],
        )
        await send(context.bot, update.effective_chat.id, question, lang)
    elif what == "wdok" and number is not None:
        await _withdraw(update, context, acting, number)
    else:
        await say_plainly(update, context, _("This button no longer works."))


async def _withdraw(
    update: Update, context: ColbotContext, acting: ActingFor, opportunity_id: int
) -> None:
    _ = gettext_for(user_language(update, context))
    posts = context.services.posts
    try:
        await context.workers.searching(
            posts.withdraw, actor_of(update), acting.organisation_id, opportunity_id
        )
    except Refused:
        await refuse(update, context)
        return
    await say_plainly(update, context, _("Withdrawn: learners no longer find it."))


@privileged(Capability.POST)
async def on_edit_button(update: Update, context: ColbotContext, acting: ActingFor) -> str:
    """✏️ in /myposts: a draft filled from the item, shown as its preview."""
    pressed = parse_callback(update.callback_query.data)
    await _answer_quietly(update.callback_query)
    number = pressed.number(1) if pressed is not None else None
    if number is None:
        return END
    return await step(update, context, context.services.posts.edit, acting.organisation_id, number)


# ---- a programme's upload --------------------------------------------------------------------
@privileged(Capability.POST)
async def on_programme(update: Update, context: ColbotContext, acting: ActingFor) -> None:
    """A .jsonl file from staff: the organisation's programme, checked whole and stored all or
    nothing; a message shows the progress and then the outcome."""
    lang = user_language(update, context)
    _ = gettext_for(lang)
    document = update.effective_message.document
    if document.file_size and document.file_size > MAX_PROGRAMME_BYTES:
        await say_plainly(update, context, _("That file is too large (at most 2 MB)."))
        return
    note = await context.bot.send_message(
        update.effective_chat.id,
        _("Checking the programme for {organisation}…").format(organisation=acting.name),
    )
    content = bytes(await (await document.get_file()).download_as_bytearray())
    posts = context.services.posts
    try:
        uploaded = await context.workers.searching(
            posts.upload, actor_of(update), acting.organisation_id, content
        )
    except CatalogueError as error:
        await note.edit_text(catalogue_errors(error, lang))
        return
    except Refused:
        await refuse(update, context)
        return
    await note.edit_text(
        _("Done: {created} new, {updated} changed, {unchanged} unchanged. Searchable now.").format(
            created=len(uploaded.created),
            updated=len(uploaded.updated),
            unchanged=len(uploaded.unchanged),
        )
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


# ---- wiring ---------------------------------------------------------------------------------
class DraftConversations(BasePersistence):
    """Keeps nothing of its own: after a restart, the /post conversations are those of the
    drafts under way in the database (not put aside with /cancel)."""

    def __init__(self, posts: PostingService) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            )
        )
        self.posts = posts

    async def get_conversations(self, name: str) -> dict:
        if name != CONVERSATION:
            return {}
        ids = await asyncio.to_thread(self.posts.drafting)
        return {(telegram_id, telegram_id): DRAFTING for telegram_id in ids}

    async def update_conversation(self, name: str, key: Any, new_state: object | None) -> None:
        """The step is saved with every answer (organisations.posting)."""

    async def get_user_data(self) -> dict:
        return {}

    async def get_chat_data(self) -> dict:
        return {}

    async def get_bot_data(self) -> Any:
        return None

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: Any) -> None:
        """Not kept."""

    async def update_chat_data(self, chat_id: int, data: Any) -> None:
        """Not kept."""

    async def update_bot_data(self, data: Any) -> None:
        """Not kept."""

    async def update_callback_data(self, data: Any) -> None:
        """Not kept."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Not kept."""

    async def drop_user_data(self, user_id: int) -> None:
        """Not kept."""

    async def refresh_user_data(self, user_id: int, user_data: Any) -> None:
        """Not kept."""

    async def refresh_chat_data(self, chat_id: int, chat_data: Any) -> None:
        """Not kept."""

    async def refresh_bot_data(self, bot_data: Any) -> None:
        """Not kept."""

    async def flush(self) -> None:
        """Nothing to write."""


def conversation() -> ConversationHandler:
    """/post: one state while a draft is written; /cancel and /post work at every step."""
    buttons = CallbackQueryHandler(on_button, pattern=f"^{Button.POST.value}:")
    answers = [
        MessageHandler(filters.TEXT & ~filters.COMMAND, on_answer),
        MessageHandler(filters.LOCATION, on_location),
        buttons,
        MessageHandler(~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, on_not_text),
    ]
    with warnings.catch_warnings():
        # the buttons belong to the editor's conversation, not to one message: as intended
        warnings.filterwarnings("ignore", "If 'per_message=False'", category=UserWarning)
        return _conversation(buttons, answers)


def _conversation(buttons: CallbackQueryHandler, answers: list[Any]) -> ConversationHandler:
    return ConversationHandler(
        entry_points=[
            CommandHandler("post", on_post),
            buttons,
            CallbackQueryHandler(on_edit_button, pattern=f"^{Button.MY_POSTS.value}:edit:"),
        ],
        states={DRAFTING: answers},
        fallbacks=[CommandHandler("cancel", on_cancel), CommandHandler("post", on_post)],
        name=CONVERSATION,
        persistent=True,
        per_message=False,
    )


def add_to(application: Application) -> None:
    """/post, /myposts, their buttons and a programme's upload, before every other handler
    (an editor's answers are not searches)."""
    add = application.add_handler
    add(conversation())
    add(CommandHandler("myposts", on_my_posts))
    add(CallbackQueryHandler(on_my_posts_button, pattern=f"^{Button.MY_POSTS.value}:"))
    add(MessageHandler(filters.Document.FileExtension("jsonl"), on_programme))
