"""The labelled chat messages (data/eval/messages.jsonl) stay a sound yardstick: every line is a
message in one of the languages colbot meets, with an intent colbot knows, and every catalogue
item and knowledge entry it names exists."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from bench.routing import CLASSES
from cities import default_city

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ROOT / "data" / "eval" / "messages.jsonl"
CITY = default_city()

LANGUAGES = {"sl", "en", "sh", "uk", "ru", "ar", "sq", "es"}
INTENTS = set(CLASSES)  # the ways bench.routing tells apart
FIELDS = {"id", "text", "lang", "intent", "relevant", "expected", "near", "split", "note"}


def _lines() -> list[str]:
    return [line for line in MESSAGES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def meta() -> dict:
    return json.loads(_lines()[0])["meta"]


@pytest.fixture(scope="module")
def messages() -> list[dict]:
    return [json.loads(line) for line in _lines()[1:]]


@pytest.fixture(scope="module")
def catalogue_ids(meta) -> set[str]:
    path = ROOT / meta["catalogue"]
    return {
        json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line
    }


@pytest.fixture(scope="module")
def knowledge_ids() -> set[str]:
    return {
        yaml.safe_load(path.read_text(encoding="utf-8"))["id"]
        for path in sorted(CITY.knowledge_dir.glob("*.yaml"))
    }


@pytest.fixture(scope="module")
def place_names() -> set[str]:
    data = yaml.safe_load(CITY.places_file.read_text(encoding="utf-8"))
    return {place["name"] for place in data["places"]}


def test_every_line_is_json_and_the_first_says_when_and_against_what(meta):
    for number, line in enumerate(_lines(), start=1):
        assert isinstance(json.loads(line), dict), f"line {number}"
    assert {"written", "now", "catalogue", "note"} <= set(meta)
    assert datetime.fromisoformat(meta["now"]).utcoffset() is not None
    assert (ROOT / meta["catalogue"]).is_file()
    assert meta["catalogue"] == str(CITY.demo.catalogue.relative_to(ROOT))


def test_there_are_enough_messages_with_unique_ids(messages):
    assert len(messages) >= 330
    ids = [m["id"] for m in messages]
    assert len(set(ids)) == len(ids), [i for i, n in Counter(ids).items() if n > 1]
    assert all(re.fullmatch(r"m\d{3,}", i) for i in ids)


def test_every_message_has_the_fields_and_known_values(messages):
    for m in messages:
        assert set(m) == FIELDS, m["id"]
        assert isinstance(m["text"], str) and m["text"].strip(), m["id"]
        assert m["lang"] in LANGUAGES, m["id"]
        assert m["intent"] in INTENTS, m["id"]
        assert m["split"] in {"tune", "test"}, m["id"]
        assert isinstance(m["note"], str) and m["note"].strip(), m["id"]
        assert isinstance(m["relevant"], dict), m["id"]


def test_every_language_and_every_intent_is_well_represented(messages):
    languages = Counter(m["lang"] for m in messages)
    assert set(languages) == LANGUAGES
    assert min(languages.values()) >= 15, languages
    intents = Counter(m["intent"] for m in messages)
    assert set(intents) == INTENTS
    assert all(n >= 8 for n in intents.values()), intents
    assert intents["search"] >= 0.5 * len(messages)
    for intent in INTENTS - {"search", "question", "question_and_search"}:
        assert len({m["lang"] for m in messages if m["intent"] == intent}) >= 4, intent


def test_labelled_catalogue_items_exist_and_are_graded_one_or_two(messages, catalogue_ids):
    for m in messages:
        for key, grade in m["relevant"].items():
            assert key in catalogue_ids, (m["id"], key)
            assert grade in (1, 2), (m["id"], key)


def test_expected_knowledge_entries_exist(messages, knowledge_ids):
    for m in messages:
        if m["expected"] is not None:
            assert m["expected"] in knowledge_ids, (m["id"], m["expected"])


def test_each_intent_carries_the_labels_it_needs(messages):
    for m in messages:
        if m["intent"] == "search":
            assert m["expected"] is None, m["id"]
        elif m["intent"] == "question_and_search":
            assert m["expected"] is not None and m["relevant"], m["id"]
        else:
            assert not m["relevant"], m["id"]
            if m["intent"] != "question":
                assert m["expected"] is None, m["id"]
    searches = [m for m in messages if m["intent"] == "search"]
    unanswerable = [m for m in searches if not m["relevant"]]
    assert len(unanswerable) < 0.1 * len(searches)
    questions = [m for m in messages if m["intent"] == "question"]
    assert any(m["expected"] is None for m in questions)
    assert sum(m["expected"] is None for m in questions) < 0.25 * len(questions)


def test_named_places_are_in_the_gazetteer(messages, place_names):
    for m in messages:
        assert m["near"] is None or m["near"] in place_names, (m["id"], m["near"])


def test_the_split_is_about_two_to_three_in_every_language(messages):
    tune = sum(m["split"] == "tune" for m in messages)
    assert 0.35 <= tune / len(messages) <= 0.45
    for lang in LANGUAGES:
        splits = Counter(m["split"] for m in messages if m["lang"] == lang)
        assert splits["tune"] and splits["test"], lang
