"""Predicates over the calls a Bot API test double recorded, shared by the chat stories."""

from __future__ import annotations

from collections.abc import Callable

from .botapi_double import Call


def to(chat: int) -> Callable[[Call], bool]:
    """A call that sends (or edits) something in `chat`."""
    return lambda call: call.params.get("chat_id") == chat


def saying(chat: int, words: str) -> Callable[[Call], bool]:
    """A call to `chat` whose text holds `words`."""
    return lambda call: call.params.get("chat_id") == chat and words in call.params.get("text", "")


def buttons(call: Call) -> list[dict]:
    """The inline buttons of a call's message, row after row."""
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
