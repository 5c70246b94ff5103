"""Matching a question, in any language, to a knowledge entry with the multilingual embedder.
An entry is known two ways: by the centre of the ways people ask for it (a question compared
with questions) and by its answer itself (e5's question-to-passage use, in Slovenian and
English). The bot answers only when the best entry is close, clearly ahead of the next, and
closer than the questions known to be none of its business; otherwise it says it is unsure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.embedders import Embedder
from index.embedding_cache import EmbeddingCache
from index.sanitise import query_text
from knowledge.entries import KnowledgeEntry

# Chosen leave-one-out on the entries' own questions and the none-of-ours questions (`make
# bench`): the most right answers with at most 2% answered wrongly. Never on the labelled set.
ANSWER_WEIGHT = 0.5  # the answer's similarity counts half as much as the questions' centre
CONFIDENT_SCORE = 0.82  # the best entry's score must reach this …
CONFIDENT_MARGIN = 0.01  # … lead the next entry by this much …
OUTSIDE_MARGIN = 0.0  # … and no none-of-ours question may be closer than its closest question


@dataclass(frozen=True)
class Match:
    entry: KnowledgeEntry
    score: float


@dataclass(frozen=True)
class KnowledgeMatch:
    """The closest entries, best first, and whether the best is sure enough to answer."""

    ranked: list[Match]
    confident: bool

    @property
    def best(self) -> Match | None:
        return self.ranked[0] if self.ranked else None

    def sure_at(self, score: float, lead: float) -> bool:
        """Whether the best entry reaches `score` and leads the next by `lead` (a stricter bar
        than `confident`, for taking a message the interpreter gave to another intent)."""
        if not self.ranked:
            return False
        runner_up = self.ranked[1].score if len(self.ranked) > 1 else -1.0
        return self.ranked[0].score >= score and self.ranked[0].score - runner_up >= lead


class _QueriesAsPassages:
    """Lets the passage cache hold question vectors: questions are embedded as queries."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed_queries(texts)


def answer_passages(entry: KnowledgeEntry) -> list[str]:
    return [f"{entry.title[lang]}\n{entry.answer[lang]}" for lang in ("sl", "en")]


def _hash(kind: str, text: str) -> str:
    return hashlib.sha256(f"{kind}|{text}".encode()).hexdigest()[:32]


def _normalised(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class KnowledgeMatcher:
    def __init__(
        self,
        entries: list[KnowledgeEntry],
        embedder: Embedder,
        cache: EmbeddingCache | None = None,
        tick: Callable[[int], None] | None = None,
        outside: list[str] | tuple[str, ...] = (),
    ) -> None:
        self.entries = entries
        self.embedder = embedder
        dim = int(getattr(embedder, "dim", 0))
        questions = {_hash("q", q): q for e in entries for q in e.questions}
        questions |= {_hash("q", q): q for q in outside}
        answers = {_hash("p", p): p for e in entries for p in answer_passages(e)}
        asked = self._embed(questions, _QueriesAsPassages(embedder), cache, tick)
        answered = self._embed(answers, embedder, cache, tick)
        owners = [n for n, e in enumerate(entries) for _q in e.questions]
        self._owners = np.asarray(owners, dtype=np.int64)
        self._questions = (
            np.stack([asked[_hash("q", q)] for e in entries for q in e.questions])
            if owners
            else np.zeros((0, dim), np.float32)
        )
        self._sums = np.zeros((len(entries), dim), np.float32)
        np.add.at(self._sums, self._owners, self._questions)
        self._centres = _normalised(self._sums)
        self._outside = (
            np.stack([asked[_hash("q", q)] for q in outside])
            if outside
            else np.zeros((0, dim), np.float32)
        )
        self._answers = (
            np.stack([[answered[_hash("p", p)] for p in answer_passages(e)] for e in entries])
            if entries
            else np.zeros((0, 2, dim), np.float32)
        )  # entries × (sl, en) × dim

    @staticmethod
    def _embed(
        texts: dict[str, str],
        embedder: object,
        cache: EmbeddingCache | None,
        tick: Callable[[int], None] | None,
    ) -> dict[str, np.ndarray]:
        if cache is not None:
            return cache.embed_passages(embedder, texts, tick)  # type: ignore[arg-type]
        keys = list(texts)
        if not keys:
            return {}
        vectors = embedder.embed_passages([texts[k] for k in keys])  # type: ignore[attr-defined]
        return dict(zip(keys, vectors, strict=True))

    def scores(self, query_vector: np.ndarray, exclude: int | None = None) -> np.ndarray:
        """Each entry's score: the questions' centre and the answer (its closer language)."""
        centres = self._centres
        if exclude is not None:  # leave one way of asking out of its entry's centre
            centres = centres.copy()
            owner = int(self._owners[exclude])
            centres[owner] = _normalised(self._sums[owner] - self._questions[exclude])
        asked = centres @ query_vector
        answered = (self._answers @ query_vector).max(axis=1)
        return (asked + ANSWER_WEIGHT * answered) / (1.0 + ANSWER_WEIGHT)

    def match_vector(
        self,
        query_vector: np.ndarray,
        exclude: int | None = None,
        exclude_outside: int | None = None,
    ) -> KnowledgeMatch:
        """The closest entries; `exclude` leaves one way of asking out and `exclude_outside`
        one "none of ours" question (leave-one-out checks)."""
        if not self.entries:
            return KnowledgeMatch([], False)
        scores = self.scores(query_vector, exclude)
        order = np.argsort(-scores, kind="stable")
        ranked = [Match(self.entries[i], round(float(scores[i]), 4)) for i in order[:5]]
        best = ranked[0].score
        runner_up = ranked[1].score if len(ranked) > 1 else -1.0
        confident = best >= CONFIDENT_SCORE and best - runner_up >= CONFIDENT_MARGIN
        if confident and len(self._outside):
            confident = not self._rather_outside(
                query_vector, int(order[0]), exclude, exclude_outside
            )
        return KnowledgeMatch(ranked, confident)

    def _rather_outside(
        self,
        query_vector: np.ndarray,
        entry: int,
        exclude: int | None,
        exclude_outside: int | None,
    ) -> bool:
        """Whether a "none of ours" question is closer than the entry's closest way of asking."""
        own = self._questions @ query_vector
        own[self._owners != entry] = -1.0
        if exclude is not None:
            own[exclude] = -1.0
        others = self._outside @ query_vector
        if exclude_outside is not None:
            others[exclude_outside] = -1.0
        return float(others.max()) > float(own.max()) - OUTSIDE_MARGIN

    def match(self, text: str) -> KnowledgeMatch:
        text = query_text(text)
        if not any(c.isalnum() for c in text):
            return KnowledgeMatch([], False)
        return self.match_vector(self.embedder.embed_queries([text])[0])

    def questions(self) -> list[tuple[int, int]]:
        """(row, entry number) of every way of asking, for leave-one-out checks."""
        return [(row, int(owner)) for row, owner in enumerate(self._owners)]

    def example_vector(self, row: int) -> np.ndarray:
        return self._questions[row]

    @property
    def outside_count(self) -> int:
        return len(self._outside)

    def outside_vector(self, row: int) -> np.ndarray:
        return self._outside[row]
