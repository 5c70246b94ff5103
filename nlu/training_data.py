"""Rasa NLU training data (YAML, format 3.1) read into examples: the one source of truth for both
interpreters, with a few ways of asking each knowledge entry added to `ask_course_info` (the
entries hold them; both interpreters learn them, see `training_yaml`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.entries import dump_yaml, load_directory

DATA_DIR = Path(__file__).parent / "data"
TRAIN_FILE = DATA_DIR / "nlu.yml"
TEST_FILE = DATA_DIR / "test_nlu.yml"
KNOWLEDGE_INTENT = "ask_course_info"
KNOWLEDGE_EXAMPLES_PER_ENTRY = 3  # more tips searches into questions (measured in the note)
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


def knowledge_examples(
    knowledge_dir: Path, per_entry: int = KNOWLEDGE_EXAMPLES_PER_ENTRY
) -> list[str]:
    """Ways of asking the knowledge entries of a city profile's folder, spread over each
    entry's list (so over its languages): what people ask the knowledge base is
    `ask_course_info`."""
    examples = []
    for entry in load_directory(knowledge_dir):
        questions = entry.questions
        picked = sorted({i * len(questions) // per_entry for i in range(per_entry)})
        examples += [questions[i] for i in picked if "[" not in questions[i]]
    return examples


def load_for_training(knowledge_dir: Path, path: Path = TRAIN_FILE) -> TrainingData:
    """The training data with the knowledge entries' examples added."""
    data = load(path)
    data.examples += [Example(text, KNOWLEDGE_INTENT) for text in knowledge_examples(knowledge_dir)]
    return data


def training_yaml(knowledge_dir: Path, path: Path = TRAIN_FILE) -> str:
    """The training file as Rasa trains on it: `path` with the knowledge examples added to its
    `ask_course_info` block."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    block = next(item for item in data["nlu"] if item.get("intent") == KNOWLEDGE_INTENT)
    extra = "".join(f"- {text}\n" for text in knowledge_examples(knowledge_dir))
    block["examples"] = block.get("examples", "").rstrip("\n") + "\n" + extra
    return dump_yaml(data)  # example blocks stay literal blocks, one example a line
