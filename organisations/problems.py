"""What is wrong with an editor's answer while posting: a code the chat words in the editor's
language (bot/telegram/post_chat.py), with what the wording needs (a limit, a value)."""

from __future__ import annotations

from typing import Any


class PostProblem(ValueError):
    """An answer that cannot be taken; the step is asked again. `code` names the problem:
    empty, too_long (limit), too_many (limit), bad_date, bad_time, time_missing, past_date,
    end_before_start, place_not_found (place), not_in_slovenia, location_not_asked,
    unknown_choice, not_optional, bad_price, bad_link, at_preview, not_ready (field: the step
    still unanswered), invalid (field, message), no_draft."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
