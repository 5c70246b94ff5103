"""Understanding messages: the Rasa-format training data, the embedded interpreter trained from
it (held-out accuracy kept above a floor), entities and the language a message is in."""

import numpy as np
import pytest

from actions.routing import Route, asks_to_attend, route
from index.language import Guess, detect
from knowledge.matcher import KnowledgeMatch
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


def no_question(text: str) -> KnowledgeMatch:
    pytest.fail(f"the knowledge base was asked about {text!r}")


def test_another_intent_is_taken_only_when_the_interpreter_is_sure():
    unsure = Interpretation("x", "greet", 0.2, [("greet", 0.2), ("search_opportunity", 0.1)])
    assert route(unsure, no_question) == Route("action_search")
    sure = Interpretation("x", "greet", 0.99, [("greet", 0.99)])
    assert route(sure, no_question) == Route("action_greet")


def test_an_intent_that_is_likely_but_not_sure_is_offered_beside_the_search():
    ranking = [("my_badges", 0.45), ("search_opportunity", 0.4), ("greet", 0.15)]
    likely = Interpretation("moje značke", "my_badges", 0.45, ranking)
    assert route(likely, no_question) == Route("action_search", offer="my_badges")
    greeting = Interpretation("hej", "greet", 0.45, [("greet", 0.45), ("search_nearby", 0.4)])
    assert route(greeting, no_question) == Route("action_search")  # a greeting is not offered


def test_small_talk_that_names_a_topic_is_a_search(interpreter):
    assert route(interpreter.parse("robotika"), no_question).action == "action_search"
    topical = Interpretation("robotika", "greet", 0.7, entities=[Entity("topic", "robotics")])
    assert route(topical, no_question).action == "action_search"


def test_a_question_that_names_a_kind_of_activity_asks_for_results_too(interpreter):
    asked = interpreter.parse("Kako varno plačujem po spletu in ali imate kakšen tečaj?")
    assert any(e.entity == "kind" and e.value == "course" for e in asked.entities)
    assert asks_to_attend(asked)
    plain = Interpretation(
        "Kako dobim smsPASS?", "ask_course_info", 0.95, [("ask_course_info", 0.95)]
    )
    assert not asks_to_attend(plain)


def test_a_question_the_base_is_sure_of_is_answered_with_results_unless_asked_as_a_question():
    def sure(text: str) -> KnowledgeMatch:
        return KnowledgeMatch([], confident=True)

    def asked(text: str) -> Interpretation:
        return Interpretation(text, "ask_course_info", 0.99, [("ask_course_info", 0.99)])

    # a question mark and nothing to attend: the answer alone
    assert route(asked("Kako dobim smsPASS?"), sure) == Route("action_course_info")
    # no question mark: as much a search as a question, so the search's results come below
    prep = asked("slovenian exam prep for citizenship")
    assert route(prep, sure) == Route("action_course_info", with_results=True)


def test_a_question_the_base_is_not_sure_of_is_a_search_with_topics_below():
    def unsure(text: str) -> KnowledgeMatch:
        return KnowledgeMatch([], confident=False)

    for text in ("Kje je najbližja lekarna?", "kako prijavim otroka v vrtec v Šiški"):
        asked = Interpretation(text, "ask_course_info", 0.99, [("ask_course_info", 0.99)])
        assert route(asked, unsure) == Route("action_search", topics=True)


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

    from actions.policy import ACTIONS
    from actions.routing import ACTION_FOR_INTENT
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
    assert parsed.intent == FALLBACK_INTENT and parsed.confidence == 0.0
    assert parsed.language == "ru"


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


@pytest.fixture(scope="module")
def lingua():
    from index.language import LinguaDetector

    return LinguaDetector()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("student jobs fair", "en"),
        ("guitar lessons for teens", "en"),
        ("tecaj slovenscine zvecer za odrasle", "sl"),
        ("kje se lahko naučim kvačkati", "sl"),
        ("Gdje mogu besplatno učiti slovenski jezik?", "sh"),
        ("Де можна безкоштовно вивчати словенську?", "uk"),
        ("Где учить словенский язык бесплатно?", "ru"),
        ("أين أتعلم اللغة السلوفينية", "ar"),
        ("Ku mund të mësoj gjuhën sllovene falas?", "sq"),
        ("¿Dónde puedo aprender esloveno gratis?", "es"),
    ],
)
def test_lingua_reads_the_language_of_everyday_messages(lingua, text, language):
    guess = lingua.detect(text)
    assert guess.language == language


def test_a_place_name_does_not_make_an_english_message_slovenian(lingua, interpreter):
    text = "events in Bežigrad next week"
    parsed = interpreter.parse(text)
    assert parsed.language == "en" and parsed.language_sure
    assert lingua.detect(text, frozenset({"bezigrad"})).language == "en"


def test_an_unclear_message_is_not_sure_and_keeps_the_persons_language(lingua):
    from bot.i18n import reading_language

    guess = lingua.detect("ok")
    assert not guess.sure
    assert reading_language("sl", "en", ("sl", "en"), None) == "sl"
    assert reading_language("sl", "en", ("sl", "en"), "en") == "en"  # the message decides
    assert reading_language(None, "uk", ("sl", "en"), "uk") == "en"  # not offered: English


def test_a_language_only_guessed_gets_no_note(shared_services):
    from actions.messages import Notice

    def notes(interpretation):
        replies = shared_services.dialogue.respond(interpretation, {}, "t")
        return [m for m in replies if isinstance(m, Notice) and m.code == "guessed_language"]

    ranking = [("search_opportunity", 0.9)]
    guessed = Interpretation("e-uprava", "search_opportunity", 0.9, ranking, language="sh")
    assert notes(guessed) == []
    sure = Interpretation(
        "kurs slovenačkog jezika", "search_opportunity", 0.9, ranking, [], "sh", True
    )
    assert notes(sure) == [Notice("guessed_language", {"language": "sh"})]
