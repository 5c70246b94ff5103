"""Sets of short phrases matched against a query's folded words: each word of a phrase is a
word beginning ("декабр" matches "декабре"), and words of three letters or fewer must match
whole ("v", "ta", "sot"). Indexed by first letters, so a query is checked in one pass."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from index.text import fold

WHOLE_UP_TO = 3


def _fits(token: str, part: str) -> bool:
    return token == part if len(part) <= WHOLE_UP_TO else token.startswith(part)


class Phrases:
    def __init__(self, phrases: Iterable[Sequence[str]]) -> None:
        self._by_start: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            folded = tuple(fold(word) for word in phrase)
            if folded and all(folded):
                self._by_start.setdefault(folded[0][:2], []).append(folded)

    def found_in(self, tokens: Sequence[str]) -> bool:
        for i, token in enumerate(tokens):
            for phrase in self._by_start.get(token[:2], ()):
                n = len(phrase)
                if i + n <= len(tokens) and all(_fits(tokens[i + j], phrase[j]) for j in range(n)):
                    return True
        return False
