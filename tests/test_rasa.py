"""The Rasa deployment, for real: a Rasa 3.6 server trained from nlu/ (`make rasa-model`) parses
messages for the bot, and the rasa-sdk action server answers as the in-process actions do."""

import json
import os
import subprocess
import sys

import httpx
import numpy as np
import pytest

from bot.cli import ANSWER_END
from nlu.embedded import embed_examples
from nlu.rasa_backend import RasaInterpreter
from nlu.rasa_process import RasaServer, RasaUnavailable, free_port, wait_until_up
from nlu.training_data import TEST_FILE, load

from .conftest import ROOT


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory):
    try:
        with RasaServer(log=tmp_path_factory.mktemp("rasa") / "rasa.log") as url:
            yield url
    except RasaUnavailable as error:
        pytest.fail(str(error))


def test_the_rasa_server_understands_colbots_intents(rasa_url):
    rasa = RasaInterpreter(rasa_url)
    assert rasa.parse("Živjo!").intent == "greet"
    search = rasa.parse("robotika za mlade v Šiški")
    assert search.intent in ("search_opportunity", "search_nearby")
    assert search.ranking and search.ranking[0][1] >= search.ranking[-1][1]
    assert rasa.parse("Где учить словенский язык бесплатно?").language == "ru"


def test_the_embedded_interpreter_is_at_least_as_accurate_as_rasa(rasa_url, interpreter, embedder):
    test = load(TEST_FILE)
    rasa = RasaInterpreter(rasa_url)
    gold = [e.intent for e in test.examples]
    rasa_accuracy = np.mean(
        [rasa.parse(e.text).intent == g for e, g in zip(test.examples, gold, strict=True)]
    )
    vectors = embed_examples(embedder, test)
    embedded = [
        interpreter.parse_embedded(e.text, v).intent
        for e, v in zip(test.examples, vectors, strict=True)
    ]
    embedded_accuracy = np.mean([p == g for p, g in zip(embedded, gold, strict=True)])
    print(f"held-out intent accuracy: embedded {embedded_accuracy:.3f}, Rasa {rasa_accuracy:.3f}")
    assert rasa_accuracy > 0.5  # a real model answered
    assert embedded_accuracy >= rasa_accuracy


def test_the_terminal_chat_works_through_rasa(rasa_url, tmp_path, warm_cache):
    target = tmp_path / "index" / warm_cache.parent.name
    target.mkdir(parents=True)
    (target / "embeddings.sqlite3").write_bytes(warm_cache.read_bytes())
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "NLU_BACKEND": "rasa",
        "RASA_URL": rasa_url,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--quiet", "chat"],
        input="Živjo!\nrobotika v Šiški\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    hello, robotics, _ = done.stdout.split(ANSWER_END)
    assert "Pozdravljeni" in hello
    assert "Robotski krožek za osnovnošolce" in robotics


def test_the_action_server_answers_as_the_bot_does(shared_services, tmp_path):
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    # the action server reads the same catalogue the in-process actions use
    env["DATABASE_URL"] = shared_services.database.url
    index_dir = shared_services.catalogue.index_dir
    (tmp_path / "index").symlink_to(index_dir, target_is_directory=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--quiet", "actions", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(f"{url}/health", process, 120, "the action server")
        except RasaUnavailable as error:
            pytest.fail(str(error))
        tracker = {
            "sender_id": "u1",
            "slots": {"query": "e-uprava"},
            "latest_message": {"text": "e-uprava"},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
        }
        answer = httpx.post(
            f"{url}/webhook",
            json={
                "next_action": "action_search",
                "tracker": tracker,
                "domain": {},
                "version": "3.6.21",
            },
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        served = [r["custom"] for r in answer.json()["responses"]]
        from actions.messages import to_json

        local = shared_services.dialogue.run("action_search", {"query": "e-uprava"}, "u1")
        assert json.loads(json.dumps(served)) == json.loads(json.dumps([to_json(m) for m in local]))
    finally:
        process.terminate()
        process.wait(timeout=30)
