"""What an interpreter makes of a message: intent ranking, entities and the language it is in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

FALLBACK_INTENT = "search_opportunity"  # what a message nothing could be read of is taken for


@dataclass(frozen=True)
class Entity:
    entity: str  # topic | kind (of activity) | place | audience | language | time
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
    language_sure: bool = False  # whether that is clear from the message (not a guess)
    vector: np.ndarray | None = None  # the query embedding, when the interpreter made one


class Interpreter(Protocol):
    def parse(self, text: str) -> Interpretation: ...
