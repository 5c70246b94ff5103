"""/post, /myposts and a programme's upload in the chat, for an organisation's staff. /post is a
ConversationHandler whose one state means "writing a draft": the step itself lives with the draft
in the database (organisations.posting), and the conversations are taken up again after a
restart from the drafts there (post_persistence), so an editor who writes again continues at
the step they were at. Every entry point and button goes through @privileged(Capability.POST);
what is said is bot/post_cards.py's."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import replace
from html import escape
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from access.policy import Capability, Refused
from actions.views import view_of
from bot.callbacks import Button, callback, parse_callback
from bot.cards import Choice, Rendered
from bot.i18n import gettext_for
from bot.post_cards import (
    catalogue_errors,
    edit_menu,
    my_posts_card,
    post_button,
    preview_card,
    problem_text,
    prompt,
)
from bot.telegram.common import answer_once, keyboard_of, say_plainly, send, user_language
from bot.telegram.post_persistence import CONVERSATION, DRAFTING
from bot.telegram.privileged import actor_of, privileged, refuse
from bot.telegram.state import ColbotContext
from organisations.acting import ActingFor
from organisations.posting import DraftView
from organisations.problems import PostProblem
from store.catalogue_import import CatalogueError

log = logging.getLogger(__name__)

END = ConversationHandler.END
MAX_PROGRAMME_BYTES = 2 * 1024 * 1024


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
        card = view_of(shown, posts.catalogue.city.zone, full=True)
        rendered = preview_card(view, card, lang)
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
    await answer_once(update, context)
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
    if published.created:  # followers of its organisation, topics or district hear of it
        await context.workers.storing(context.services.follows.news_of, [published.opportunity_id])
    return END


# ---- /myposts -------------------------------------------------------------------------------
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
    await answer_once(update, context)
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
    await answer_once(update, context)
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
    await context.workers.storing(context.services.follows.news_of_new, uploaded.created)


# ---- wiring ---------------------------------------------------------------------------------


def ending_if_refused(handler: Callable[[Update, ColbotContext], Awaitable[Any]]) -> Any:
    """An answer's handler that always names the next state; None comes only from the gate
    (someone no longer on the staff): their conversation ends, their messages are theirs again."""

    async def answered(update: Update, context: ColbotContext) -> object:
        state = await handler(update, context)
        return END if state is None else state

    return answered


def conversation() -> ConversationHandler:
    """/post: one state while a draft is written; /cancel and /post work at every step."""
    buttons = CallbackQueryHandler(on_button, pattern=f"^{Button.POST.value}:")
    not_text = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    answers = [
        MessageHandler(filters.TEXT & ~filters.COMMAND, ending_if_refused(on_answer)),
        MessageHandler(filters.LOCATION, ending_if_refused(on_location)),
        buttons,
        MessageHandler(not_text, ending_if_refused(on_not_text)),
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
