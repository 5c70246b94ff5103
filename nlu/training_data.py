"""Rasa NLU training data (YAML, format 3.1) read into examples: the one source of truth for both
interpreters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).parent / "data"
TRAIN_FILE = DATA_DIR / "nlu.yml"
TEST_FILE = DATA_DIR / "test_nlu.yml"
# [text](entity), [text](entity:value) and [text]{"entity": "…", "value": "…"}
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\(([^)]+)\)|\{([^}]+)\})")


@dataclass(frozen=True)
class EntitySpan:
    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = ()


@dataclass
class TrainingData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # folded text → canonical value
    lookups: dict[str, list[str]] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})


def parse_example(raw: str, intent: str) -> Example:
    """'robotika v [Šiški](place)' → text 'robotika v Šiški' with a place span."""
    text, spans, last = "", [], 0
    for match in _ANNOTATION.finditer(raw):
        text += raw[last : match.start()]
        shown = match.group(1)
        if match.group(2):
            entity, _, value = match.group(2).partition(":")
        else:
            attributes = yaml.safe_load("{" + match.group(3) + "}")
            entity, value = attributes.get("entity", ""), attributes.get("value", "")
        spans.append(
            EntitySpan(entity.strip(), (value or shown).strip(), len(text), len(text) + len(shown))
        )
        text += shown
        last = match.end()
    text += raw[last:]
    return Example(text.strip(), intent, tuple(spans))


def _lines(block: str) -> list[str]:
    return [line[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]


def load(path: Path = TRAIN_FILE) -> TrainingData:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = TrainingData()
    for item in data.get("nlu") or []:
        if "intent" in item:
            out.examples += [
                parse_example(line, item["intent"]) for line in _lines(item.get("examples", ""))
            ]
        elif "synonym" in item:
            for line in _lines(item.get("examples", "")):
                out.synonyms[line.casefold()] = str(item["synonym"])
        elif "lookup" in item:
            out.lookups[str(item["lookup"])] = _lines(item.get("examples", ""))
    return out
