"""Hostile input, as a hostile user would send it: broken UTF-8, lone surrogates, huge
messages. Nothing crashes, nothing is lost, and a message costs the same at any length."""

import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import ANSWER_END
from index.sanitise import MAX_QUERY_CHARS, MAX_QUERY_WORDS, query_text, well_formed
from index.search import SearchRequest
from store.db import Database

from .conftest import DEMO, NOW, ROOT
from .test_cli import demo_data_dir

HUGE_LATIN = "robotika za otroke v Šiški " * 4000  # 108,000 characters
HUGE_CJK = "学习斯洛文尼亚语" * 2500  # 20,000 characters, no spaces
UNSURE = "unsure: offers the two closest topics and a contact"


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


# ---- the command line: bytes that are not UTF-8 on standard input and in argv ----------------


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, warm_cache) -> Path:
    """A data folder with the demo catalogue imported, as the commands below find it."""
    return demo_data_dir(tmp_path_factory.mktemp("hostile"), warm_cache)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_bot(data_dir: Path, *args: str | bytes, stdin: bytes = b"") -> Run:
    """`python -m bot -q ARGS` with raw bytes in, as a terminal of a UTF-8 locale reads them
    (strict decoding, as with en_US.UTF-8)."""
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "PYTHONPATH": str(ROOT),
        "PYTHONIOENCODING": "utf-8:strict",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--quiet", *args],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    out = done.stdout.decode("utf-8", "replace")
    return Run(done.returncode, out, done.stderr.decode("utf-8", "replace"))


def test_chat_answers_a_line_with_a_bad_byte_and_the_line_after_it(data_dir):
    done = run_bot(data_dir, "chat", stdin=b"robotika \xff\nrobotika\n")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    answers = done.stdout.split(ANSWER_END)
    assert len(answers) == 3  # two answers and what follows the last
    assert "Robotski krožek za osnovnošolce" in answers[0]
    assert "Robotski krožek za osnovnošolce" in answers[1]


def test_a_bad_byte_in_an_argument_is_read_as_a_replacement_character(data_dir):
    found = run_bot(data_dir, "search", b"robotika \xff", "--json")
    assert found.returncode == 0, found.stderr
    assert "Traceback" not in found.stderr
    assert json.loads(found.stdout)["results"][0]["id"] == "lj-0013"
    asked = run_bot(data_dir, "knowledge", "ask", b"kje se u\xe8im slovensko")
    assert asked.returncode == 0, asked.stderr
    assert "Traceback" not in asked.stderr
    assert asked.stdout.strip().splitlines()[-1] in ("answers", UNSURE)


def test_jsonl_reads_a_bad_byte_and_a_lone_surrogate_as_replacement_characters(data_dir):
    lines = b'{"text": "robotika \xff"}\n{"text": "robotika \\ud800"}\n{"text": "robotika"}\n'
    done = run_bot(data_dir, "search", "--jsonl", stdin=lines)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    answers = [json.loads(x) for x in done.stdout.splitlines()]
    assert [a["results"][0]["id"] for a in answers] == ["lj-0013"] * 3


def test_import_names_the_line_and_field_of_every_hostile_record(data_dir, tmp_path):
    records = [json.loads(x) for x in DEMO.read_text(encoding="utf-8").splitlines()[:8]]
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in records]
    far = {**records[1]["location"], "lat": int("1" * 400)}
    lines[1] = json.dumps({**records[1], "location": far}).encode()
    lines[2] = b'{"id": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    lines[3] = json.dumps({**records[3], "start": "9999-12-31T23:59:59-14:00"}).encode()
    lines[4] = json.dumps({**records[4], "title": {"sl": "Te\u010daj\u0000"}}).encode()
    lines[5] = json.dumps({**records[5], "title": {"sl": "Te\ud800aj"}}).encode()
    lines[6] = lines[6].replace(b'"id": "', b'"id": "\xff', 1)
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    done = run_bot(data_dir, "import", str(path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "was not imported, the catalogue is unchanged" in done.stderr
    reported = done.stderr.splitlines()[1:]
    assert reported == [
        "line 2, field 'location.lat': " + "1" * 39 + "… is out of range (±90)",
        "line 3, field '(line)': is nested too deeply",
        "line 4, field 'start': '9999-12-31T23:59:59-14:00' is out of range "
        "(in UTC it falls outside the years 1 to 9999)",
        "line 5, field 'title.sl': holds a NUL character (\\u0000) at position 6",
        "line 6, field 'title.sl': holds a lone surrogate (U+D800) at position 3, not a character",
        "line 7, field '(line)': is not UTF-8 text (byte 0xff at position 9)",
    ]


def test_knowledge_import_refuses_yaml_nested_too_deeply(data_dir, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("id: deep\ntopics: " + "[" * 20_000 + "]" * 20_000 + "\n", encoding="utf-8")
    done = run_bot(data_dir, "knowledge", "import", str(deep))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "knowledge import: nothing was stored: deep.yaml, field '(file)': is nested too deeply"
    )


# ---- the SQLite file at rest: its owner's alone ---------------------------------------------


def test_a_new_sqlite_database_and_its_folders_are_its_owners_alone(tmp_path):
    path = tmp_path / "data" / "db" / "colbot.sqlite3"
    before = os.umask(0o022)  # the usual umask: 0644 files, 0755 folders
    try:
        database = Database(f"sqlite:///{path}")
        database.migrate()
        database.dispose()
    finally:
        os.umask(before)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    assert not list(path.parent.glob("*-journal"))  # no journal left with other rights


def test_an_existing_folder_and_database_keep_the_rights_they_were_given(tmp_path):
    path = tmp_path / "shared.sqlite3"
    tmp_path.chmod(0o750)
    path.touch(mode=0o640)
    path.chmod(0o640)
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o750


def test_a_file_name_with_a_bad_byte_is_imported_and_named(data_dir, tmp_path):
    name = os.fsencode(tmp_path) + b"/catalogue-\xff.jsonl"
    with open(name, "wb") as handle:
        handle.write(DEMO.read_bytes())
    done = run_bot(data_dir, "import", name)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "catalogue-\\udcff.jsonl: 0 new, 0 updated" in done.stdout
