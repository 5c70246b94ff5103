"""Hostile input, as a hostile user would send it: broken UTF-8, lone surrogates, huge
messages. Nothing crashes, nothing is lost, and a message costs the same at any length."""

import pytest

from index.sanitise import MAX_QUERY_CHARS, MAX_QUERY_WORDS, query_text, well_formed
from index.search import SearchRequest

from .conftest import NOW

HUGE_LATIN = "robotika za otroke v Šiški " * 4000  # 108,000 characters
HUGE_CJK = "学习斯洛文尼亚语" * 2500  # 20,000 characters, no spaces


def test_a_lone_surrogate_becomes_the_replacement_character():
    assert well_formed("robotika \udcff in \ud800") == "robotika \ufffd in \ufffd"
    assert well_formed("tečaj 😀") == "tečaj 😀"  # a real character is left alone
    assert well_formed("robotika") == "robotika"


@pytest.mark.parametrize("text", [HUGE_LATIN, HUGE_CJK, " " * 100_000 + "robotika"])
def test_a_query_is_cut_to_a_few_hundred_characters_and_words(text):
    cut = query_text(text)
    assert len(cut) <= MAX_QUERY_CHARS
    assert len(cut.split()) <= MAX_QUERY_WORDS
    assert cut == " ".join(cut.split())


def test_a_short_query_is_left_as_it_was_but_for_its_spaces():
    assert query_text("  tečaj   slovenščine\tA2 ") == "tečaj slovenščine A2"
    assert query_text(None) == ""


@pytest.fixture
def embedded_texts(shared_demo_service, monkeypatch):
    """Every text the search hands the embedder."""
    embedder = shared_demo_service.searcher.index.embedder
    seen: list[str] = []
    real = embedder.embed_queries

    def recording(texts):
        seen.extend(texts)
        return real(texts)

    monkeypatch.setattr(embedder, "embed_queries", recording)
    return seen


@pytest.mark.parametrize("text", [HUGE_LATIN, HUGE_CJK])
def test_a_huge_message_reaches_the_embedder_cut(shared_demo_service, embedded_texts, text):
    result, _ = shared_demo_service.search(SearchRequest(text=text, now=NOW))
    assert embedded_texts and all(len(t) <= MAX_QUERY_CHARS for t in embedded_texts)
    assert result.total >= 0


def test_a_lone_surrogate_is_searched_as_a_replacement_character(
    shared_demo_service, embedded_texts
):
    _, found = shared_demo_service.search(SearchRequest(text="robotika \ud800", now=NOW))
    assert embedded_texts == ["robotika \ufffd"]
    assert found[0].opportunity.external_id == "lj-0013"


def test_the_interpreter_reads_a_huge_or_broken_message_cut_and_well_formed(interpreter):
    assert len(interpreter.parse(HUGE_CJK).text) <= MAX_QUERY_CHARS
    assert len(interpreter.parse(HUGE_LATIN).text) <= MAX_QUERY_CHARS
    assert interpreter.parse("robotika \udcff").text == "robotika \ufffd"
