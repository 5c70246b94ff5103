"""Text from outside made safe to handle: a lone surrogate (an undecodable byte of the command
line, a JSON "\\ud800") becomes U+FFFD, which every encoding can write; and a message is cut to
the few hundred characters worth reading before any heavy step (the embedder, the query reader)
sees it, so its length bounds the work it causes."""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
# Longer than any question people ask (the evaluation set's longest is 92 characters), short
# enough that the embedder reads even CJK text, a token a character, in milliseconds.
MAX_QUERY_CHARS = 300
MAX_QUERY_WORDS = 60
_SURROGATE = re.compile("[\ud800-\udfff]")


def well_formed(text: str) -> str:
    """The text with every lone surrogate replaced by U+FFFD: such a code point cannot be
    written as UTF-8, so the embedder, the database and the terminal would all fail on it."""
    if text.isascii():
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def query_text(text: str | None) -> str:
    """A message as the search and the interpreter read it: well formed, its whitespace
    collapsed, at most MAX_QUERY_WORDS words and MAX_QUERY_CHARS characters. The words past
    the limit are split off unread, so a message of any length costs the same."""
    head = (text or "").split(maxsplit=MAX_QUERY_WORDS)[:MAX_QUERY_WORDS]
    return well_formed(" ".join(head)[:MAX_QUERY_CHARS])
