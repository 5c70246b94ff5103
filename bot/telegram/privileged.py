"""The chat's one gate for privileged commands and buttons: `privileged(capability)` wraps a
handler, asks the policy (through organisations.acting) for which organisation the person may
do it, and either hands that on to the handler or answers with a polite refusal in the person's
language. The menu of commands (app.py) is drawn from the same policy."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from access.policy import Actor, Capability
from bot.callbacks import Pressed
from bot.i18n import gettext_for
from bot.telegram.common import answer_once, say_plainly, user_language
from bot.telegram.state import ColbotContext
from organisations.acting import ActingFor, acting_for

Guarded = Callable[[Update, ColbotContext, ActingFor], Awaitable[Any]]
Handler = Callable[[Update, ColbotContext], Awaitable[Any]]
GuardedButton = Callable[[Update, ColbotContext, Pressed, ActingFor], Awaitable[str | None]]
ButtonHandler = Callable[[Update, ColbotContext, Pressed], Awaitable[str | None]]


def actor_of(update: Update) -> Actor | None:
    user = update.effective_user
    return Actor.on_telegram(user.id) if user is not None else None


async def acting(
    update: Update, context: ColbotContext, capability: Capability
) -> ActingFor | None:
    """The organisation the person acts for when they do `capability`, or None (refused)."""
    actor = actor_of(update)
    if actor is None:
        return None
    chosen = context.user_data.acting_for if context.user_data is not None else None
    # acting_for opens its own session (it is no store function taking one)
    return await context.workers.storing(
        acting_for, context.services.organisations, actor, capability, chosen
    )


async def refuse(update: Update, context: ColbotContext) -> None:
    """The polite refusal: the same words for a command and a button, naming nothing."""
    _ = gettext_for(user_language(update, context))
    text = _("Sorry, only an organisation's staff can do that.")
    if not await answer_once(update, context, text):  # answered already, too old, or no button
        await say_plainly(update, context, text)


def privileged(capability: Capability) -> Callable[[Guarded], Handler]:
    """A handler that runs only for a person who may do `capability` for some organisation; it
    gets that organisation (`ActingFor`) as its third argument."""

    def wrap(handler: Guarded) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: ColbotContext) -> Any:
            organisation = await acting(update, context, capability)
            if organisation is None:
                await refuse(update, context)
                return None
            return await handler(update, context, organisation)

        return guarded

    return wrap


def privileged_button(capability: Capability) -> Callable[[GuardedButton], ButtonHandler]:
    """The same gate for a button (bot/callbacks.py): a forged or old press from someone who
    may not do `capability` gets the polite refusal. The organisation a button names is the
    use case's to check (it may not be the one the person acts for now)."""

    def wrap(handler: GuardedButton) -> ButtonHandler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: ColbotContext, pressed: Pressed) -> Any:
            organisation = await acting(update, context, capability)
            if organisation is None:
                await refuse(update, context)
                return None
            return await handler(update, context, pressed, organisation)

        return guarded

    return wrap


def platform_only(handler: Handler) -> Handler:
    """A handler for the platform's administrators alone (ADMIN_IDS: the knowledge base is the
    deployment's, no organisation's); anyone else gets the polite refusal."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: ColbotContext) -> Any:
        actor = actor_of(update)
        if actor is None or not context.services.policy.is_platform_admin(actor):
            await refuse(update, context)
            return None
        return await handler(update, context)

    return guarded
