"""The command line as other tools use it: import, search, --json and --jsonl."""

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import ANSWER_END
from store.catalogue_import import active_opportunities
from store.db import Database

from .conftest import DEMO, ROOT


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, warm_cache) -> Path:
    return demo_data_dir(tmp_path_factory.mktemp("cli"), warm_cache)


def cli(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "--quiet", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_import_reports_what_it_did_and_imports_again_without_embedding(data_dir: Path):
    done = cli(data_dir, "import", str(DEMO))
    assert done.returncode == 0
    assert "0 new, 0 updated" in done.stdout and "0 embedded" in done.stdout


def test_a_bad_file_is_refused_naming_line_and_field(data_dir: Path, tmp_path: Path):
    lines = DEMO.read_text(encoding="utf-8").splitlines()[:3]
    record = json.loads(lines[2])
    record["location"]["lat"] = 123.0
    lines[2] = json.dumps(record, ensure_ascii=False)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines), encoding="utf-8")
    done = cli(data_dir, "import", str(bad))
    assert done.returncode == 1
    assert "line 3, field 'location.lat'" in done.stderr and "unchanged" in done.stderr
    assert "Traceback" not in done.stderr


def test_search_json_gives_ids_scores_and_distances(data_dir: Path):
    done = cli(data_dir, "search", "robotika", "--near", "46.07,14.49", "--json", "--limit", "3")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert len(answer["results"]) == 3
    assert answer["results"][0]["id"] == "lj-0013"
    assert answer["results"][0]["distance_km"] < 2
    assert {"id", "score", "distance_km"} <= set(answer["results"][0])


def test_search_near_a_place_name(data_dir: Path):
    done = cli(data_dir, "search", "tečaj slovenščine", "--near", "Maribor", "--json")
    assert json.loads(done.stdout)["results"][0]["id"] == "mb-0001"
    unknown = cli(data_dir, "search", "tečaj", "--near", "Atlantis")
    assert unknown.returncode == 2 and "unknown place" in unknown.stderr


def test_search_prints_readable_text_in_the_chosen_language(data_dir: Path):
    sl = cli(data_dir, "search", "robotski krožek", "--lang", "sl", "--limit", "2")
    en = cli(data_dir, "search", "robotski krožek", "--lang", "en", "--limit", "2")
    assert "Robotski krožek za osnovnošolce" in sl.stdout and "brezplačno" in sl.stdout
    assert "Robotics" in en.stdout and "free" in en.stdout


def test_jsonl_answers_every_line_in_order(data_dir: Path):
    queries = [
        {"text": "robotika", "near": {"lat": 46.07, "lon": 14.49}, "lang": "sl"},
        {"text": "e-uprava", "near": None, "lang": "sl"},
        "not an object",
        {"text": "", "near": None},
        {"text": "tečaj slovenščine", "near": {"lat": 146.0, "lon": 14.5}},
    ]
    stdin = "\n".join(json.dumps(q, ensure_ascii=False) for q in queries) + "\n{broken\n"
    done = cli(data_dir, "search", "--jsonl", stdin=stdin)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(x) for x in done.stdout.splitlines()]
    assert len(answers) == 6
    assert answers[0]["results"][0]["id"] == "lj-0013"
    assert answers[1]["results"][0]["id"] in {"lj-0026", "kr-0001"}
    assert "error" in answers[2] and answers[3]["results"] == []
    assert "error" in answers[4] and "error" in answers[5]


def test_the_first_start_loads_the_demo_catalogue_and_answers_line_by_line(
    tmp_path: Path, warm_cache
):
    target = tmp_path / "index" / warm_cache.parent.name
    target.mkdir(parents=True)
    shutil.copy(warm_cache, target / "embeddings.sqlite3")
    done = cli(tmp_path, "chat", stdin="robotika v Šiški\n\n🙂\ntečaj slovenščine A2\n")
    assert done.returncode == 0, done.stderr
    assert "first start: loading the demo catalogue" in done.stderr
    answers = done.stdout.split(ANSWER_END)
    assert "Robotski krožek za osnovnošolce" in answers[0]
    assert "Napišite, kaj bi se radi naučili" in answers[1]
    assert "Razumem samo besede" in answers[2]
    assert "Tečaj slovenščine A2" in answers[3]
    assert "Traceback" not in done.stderr
    again = cli(tmp_path, "chat", stdin="e-uprava\n")
    assert "first start" not in again.stderr and "e-Uprava" in again.stdout


def test_searching_an_empty_catalogue_says_how_to_fill_it(tmp_path: Path):
    done = cli(tmp_path, "search", "robotika")
    assert done.returncode == 0, done.stderr
    assert "the catalogue is empty" in done.stderr and "python -m bot import" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_terminal_chat_answers_in_english_what_is_surely_english(data_dir: Path):
    done = cli(
        data_dir,
        "chat",
        stdin="where can i learn slovenian for free\n🙂\nkje se lahko naučim programirati\n",
    )
    assert done.returncode == 0, done.stderr
    answers = done.stdout.split(ANSWER_END)
    assert "opportunities found" in answers[0] and "Slovenian" in answers[0]
    assert "I can only read words" in answers[1]  # unsure: stays in English
    assert "zadet" in answers[2] and "opportunit" not in answers[2]


def test_jsonl_answers_every_hostile_line_with_one_line_in_order(data_dir: Path):
    lines = [
        json.dumps({"text": "robotika", "near": {"lat": 46.07, "lon": 14.49}, "limit": 2}),
        "",
        '{"text": "robotika", "near": ' + "[" * 1000 + "]" * 1000 + "}",
        '{"text": "robotika", "near": {"lon": 14.5}}',
        '{"text": "robotika", "limit": Infinity}',
        '{"text": "robotika", "near": {"lat": ' + "4" * 400 + ', "lon": 14.5}}',
        '{"text": ["robotika"]}',
        '{"text": "robotika", "near": {"lat": "46.1", "lon": 14.5}}',
        '{"text": "robotika", "near": "Šiška"}',
        '{"text": "robotika", "limit": 0}',
        '{"text": "robotika", "limit": 2.5}',
        '{"text": "robotika", "limit": ' + "9" * 5000 + "}",
        '{"text": "robotika", "near": {"lat": NaN, "lon": 14.5}}',
        "   ",
        '{"text": "robotika", "limit": 3.0}',
    ]
    done = cli(data_dir, "search", "--jsonl", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    answers = [json.loads(x) for x in done.stdout.splitlines()]
    assert len(answers) == len(lines)
    assert [a["id"] for a in answers[0]["results"]] == ["lj-0013", answers[0]["results"][1]["id"]]
    assert set(answers[0]["results"][0]) == {"id", "score", "distance_km"}
    assert len(answers[-1]["results"]) == 3 and "error" not in answers[-1]
    assert [a.get("error") for a in answers[1:-1]] == [
        "line 2: the line is empty",
        "line 3: the line's JSON is nested too deeply",
        "line 4: near.lat is missing",
        "line 5: limit must be a whole number from 1 to 100",
        "line 6: near.lat is out of range (±90)",
        "line 7: text must be a string",
        "line 8: near.lat must be a number",
        'line 9: near must be an object like {"lat": 46.05, "lon": 14.51}, or null',
        "line 10: limit must be a whole number from 1 to 100",
        "line 11: limit must be a whole number from 1 to 100",
        "line 12: the line holds a number with too many digits",
        "line 13: near.lat is out of range (±90)",
        "line 14: the line is empty",
    ]
    assert all(a["results"] == [] for a in answers[1:-1])


# ---- import --prune: withdrawing most of the catalogue is never silent -----------------------


def demo_data_dir(data: Path, warm_cache: Path) -> Path:
    """A data folder of a test's own, with the demo catalogue imported."""
    target = data / "index" / warm_cache.parent.name
    target.mkdir(parents=True)
    shutil.copy(warm_cache, target / "embeddings.sqlite3")
    done = cli(data, "import", str(DEMO))
    assert done.returncode == 0, done.stderr
    return data


def active_ids(data: Path) -> set[str]:
    database = Database(f"sqlite:///{data / 'colbot.sqlite3'}")
    with database.session() as session:
        ids = {o.external_id for o in active_opportunities(session)}
    database.dispose()
    return ids


def cli_at_a_terminal(data_dir: Path, *args: str, answer: str) -> subprocess.CompletedProcess:
    """`python -m bot` with a terminal for its standard input, where someone types `answer`."""
    env = {**os.environ, "DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    primary, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--quiet", *args],
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        os.write(primary, answer.encode() + b"\n")
        out, err = process.communicate(timeout=300)
    finally:
        os.close(secondary)
        os.close(primary)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_pruning_with_an_empty_file_is_refused_without_yes(tmp_path: Path, warm_cache):
    data = demo_data_dir(tmp_path / "data", warm_cache)
    before = active_ids(data)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    refused = cli(data, "import", str(empty), "--prune")
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert f"would withdraw {len(before)} of the {len(before)} items" in refused.stderr
    assert "nothing was changed" in refused.stderr and "--yes" in refused.stderr
    assert active_ids(data) == before
    done = cli(data, "import", str(empty), "--prune", "--yes")
    assert done.returncode == 0, done.stderr
    assert f"{len(before)} withdrawn" in done.stdout
    assert active_ids(data) == set()


def test_pruning_most_of_the_catalogue_asks_at_a_terminal(tmp_path: Path, warm_cache):
    data = demo_data_dir(tmp_path / "data", warm_cache)
    before = active_ids(data)
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(lines[:10]) + "\n", encoding="utf-8")
    question = f"withdraw {len(before) - 10} of {len(before)} items? [y/N]"
    declined = cli_at_a_terminal(data, "import", str(few), "--prune", answer="n")
    assert declined.returncode == 1
    assert question in declined.stderr and "nothing was changed" in declined.stderr
    assert "Traceback" not in declined.stderr
    assert active_ids(data) == before
    agreed = cli_at_a_terminal(data, "import", str(few), "--prune", answer="y")
    assert agreed.returncode == 0, agreed.stderr
    assert question in agreed.stderr and f"{len(before) - 10} withdrawn" in agreed.stdout
    assert active_ids(data) == {json.loads(x)["id"] for x in lines[:10]}


def test_a_small_prune_goes_through_and_says_how_many_it_withdrew(tmp_path: Path, warm_cache):
    data = demo_data_dir(tmp_path / "data", warm_cache)
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    most = tmp_path / "most.jsonl"
    most.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    done = cli(data, "import", str(most), "--prune")
    assert done.returncode == 0, done.stderr
    assert "2 withdrawn" in done.stdout and "[y/N]" not in done.stderr
    assert active_ids(data) == {json.loads(x)["id"] for x in lines[:-2]}
