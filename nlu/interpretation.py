"""What an interpreter makes of a message: intent ranking, entities and the language it is in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

FALLBACK_INTENT = "search_opportunity"
CONFIDENT = 0.5  # below this, a message is treated as a search
SURE = 0.9
SMALL_TALK = frozenset({"greet", "goodbye", "help", "out_of_scope"})


@dataclass(frozen=True)
class Entity:
    entity: str  # topic | place | audience | language | time
    value: str
    text: str = ""


@dataclass(frozen=True)
class Interpretation:
    text: str
    intent: str
    confidence: float
    ranking: list[tuple[str, float]] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    language: str = "sl"  # the language the message is written in (ISO 639-1; "sh" for B/C/S)
    vector: np.ndarray | None = None  # the query embedding, when the interpreter made one

    @property
    def action_intent(self) -> str:
        """The intent to act on: low confidence falls back to a search, and so does small talk
        that names something to learn ("robotika") unless the classifier is sure."""
        if self.confidence < CONFIDENT:
            return FALLBACK_INTENT
        names_a_topic = any(e.entity in ("topic", "place") for e in self.entities)
        if self.intent in SMALL_TALK and names_a_topic and self.confidence < SURE:
            return FALLBACK_INTENT
        return self.intent


class Interpreter(Protocol):
    def parse(self, text: str) -> Interpretation: ...
