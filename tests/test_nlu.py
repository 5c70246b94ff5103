"""Understanding messages: the Rasa-format training data, the embedded interpreter trained from
it (held-out accuracy kept above a floor), entities and the language a message is in."""

import numpy as np
import pytest

from index.language import Guess, detect
from nlu.embedded import EmbeddedInterpreter, embed_examples
from nlu.interpretation import FALLBACK_INTENT, Entity, Interpretation
from nlu.training_data import TEST_FILE, load, parse_example

from .conftest import CITY

INTENTS = {
    "greet",
    "goodbye",
    "help",
    "search_opportunity",
    "search_nearby",
    "ask_course_info",
    "my_badges",
    "claim_badge",
    "subscribe",
    "change_language",
    "out_of_scope",
}


def test_the_training_data_has_every_intent_in_rasa_format():
    data = load()
    assert set(data.intents) == INTENTS
    assert len(data.examples) >= 300
    assert any(span.entity == "place" for e in data.examples for span in e.entities)
    example = parse_example("robotika v [Šiški](place) za [mlade](audience:youth)", "search_nearby")
    assert example.text == "robotika v Šiški za mlade"
    assert [(s.entity, s.value, example.text[s.start : s.end]) for s in example.entities] == [
        ("place", "Šiški", "Šiški"),
        ("audience", "youth", "mlade"),
    ]


def test_held_out_accuracy_keeps_its_floor(interpreter, embedder):
    test = load(TEST_FILE)
    vectors = embed_examples(embedder, test)
    predicted = [
        interpreter.parse_embedded(e.text, v).intent
        for e, v in zip(test.examples, vectors, strict=True)
    ]
    gold = [e.intent for e in test.examples]
    accuracy = np.mean([p == g for p, g in zip(predicted, gold, strict=True)])
    assert accuracy >= 0.85  # measured 0.918 (make bench prints it)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Živjo!", "greet"),
        ("robotika za mlade", "search_opportunity"),
        ("kaj je v bližini?", "search_nearby"),
        ("Koliko ur brezplačnega tečaja slovenščine mi pripada?", "ask_course_info"),
        ("pokaži moje značke", "my_badges"),
        ("switch to English please", "change_language"),
    ],
)
def test_everyday_messages_get_their_intent(interpreter, text, intent):
    assert interpreter.parse(text).intent == intent


def test_entities_come_from_the_gazetteer_and_the_query_reader(interpreter):
    parsed = interpreter.parse("brezplačna robotika za mlade v Šiški ta teden")
    found = {(e.entity, e.value) for e in parsed.entities}
    assert {("place", "Šiška"), ("audience", "youth"), ("time", "this_week")} <= found
    assert parsed.vector is not None and parsed.vector.shape == (384,)


def test_a_trained_model_is_loaded_not_trained_again(embedder, tmp_path):
    class Counting:
        name, dim = embedder.name, embedder.dim
        calls = 0

        def embed_queries(self, texts):
            Counting.calls += len(texts)
            return embedder.embed_queries(texts)

    EmbeddedInterpreter.trained(Counting(), CITY.knowledge_dir, tmp_path)
    trained_with = Counting.calls
    assert trained_with >= 300
    EmbeddedInterpreter.trained(Counting(), CITY.knowledge_dir, tmp_path)
    assert Counting.calls == trained_with


def test_low_confidence_falls_back_to_search():
    unsure = Interpretation("x", "greet", 0.2)
    assert unsure.action_intent == FALLBACK_INTENT
    assert Interpretation("x", "greet", 0.9).action_intent == "greet"


def test_small_talk_that_names_a_topic_is_a_search(interpreter):
    assert interpreter.parse("robotika").action_intent == "search_opportunity"
    topical = Interpretation("robotika", "greet", 0.7, entities=[Entity("topic", "robotics")])
    assert topical.action_intent == FALLBACK_INTENT


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Kje se lahko naučim slovensko?", "sl"),
        ("where can i learn slovenian for free", "en"),
        ("Gdje mogu besplatno učiti slovenski?", "sh"),
        ("Ku mund të mësoj sllovenisht falas?", "sq"),
        ("Де вивчати словенську?", "uk"),
        ("Где учить словенский язык бесплатно?", "ru"),
        ("أين أتعلم اللغة السلوفينية", "ar"),
        ("Помоћ око папира", "sh"),
        ("¿Hay clases gratis de esloveno para inmigrantes?", "es"),
        ("donde puedo aprender esloveno", "es"),
    ],
)
def test_the_language_of_a_message_is_recognised(text, language):
    assert detect(text).language == language


@pytest.mark.parametrize(
    "text", ["brezplačen tečaj slovenščine v Mostah", "brezplačno v knjižnici"]
)
def test_a_plainly_slovenian_message_is_surely_slovenian(text):
    assert detect(text) == Guess("sl", True)


def test_the_rasa_domain_matches_the_data_and_the_actions():
    import yaml

    from actions.policy import ACTION_FOR_INTENT, ACTIONS
    from nlu.training_data import DATA_DIR

    domain = yaml.safe_load((DATA_DIR.parent / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["intents"]) == set(load().intents) == set(ACTION_FOR_INTENT)
    names = {action.name(action) for action in ACTIONS}  # type: ignore[arg-type]
    assert set(domain["actions"]) == names
    assert set(ACTION_FOR_INTENT.values()) <= names
    config = yaml.safe_load((DATA_DIR.parent / "config.yml").read_text(encoding="utf-8"))
    assert "DIETClassifier" in [step["name"] for step in config["pipeline"]]


def test_an_unreachable_rasa_server_means_search():
    from nlu.rasa_backend import RasaInterpreter

    interpreter = RasaInterpreter("http://127.0.0.1:9", timeout=0.5)
    parsed = interpreter.parse("Где учить словенский язык?")
    assert parsed.action_intent == FALLBACK_INTENT and parsed.language == "ru"


def test_rasa_trains_on_what_the_embedded_interpreter_learns(tmp_path):
    from nlu.training_data import KNOWLEDGE_INTENT, knowledge_examples, load, load_for_training

    from .test_cli import cli

    exported = tmp_path / "nlu-train.yml"
    done = cli(tmp_path, "export-nlu", str(exported))
    assert done.returncode == 0, done.stderr
    rasa, embedded = load(exported), load_for_training(CITY.knowledge_dir)
    assert sorted((e.text, e.intent) for e in rasa.examples) == sorted(
        (e.text, e.intent) for e in embedded.examples
    )
    assert rasa.synonyms == embedded.synonyms and rasa.lookups == embedded.lookups
    extra = knowledge_examples(CITY.knowledge_dir)
    assert len(extra) >= 40  # a few ways of asking every knowledge entry
    assert {e.intent for e in embedded.examples if e.text in set(extra)} == {KNOWLEDGE_INTENT}
