"""The plain-language answers in Telegram, against the Bot API double: a senior in the simple
mode, a migrant asking in Arabic, a topic chosen by button, and an administrator editing an
entry by sending a YAML file."""

import asyncio

import pytest
import yaml

from .botapi_double import BotApiDouble
from .conftest import DEMO, make_services
from .test_telegram import running as running_bot

SENIOR, MIGRANT, ADMIN, STRANGER = 2001, 2002, 2003, 2004


CONTACT = {"name": "Info točka", "phone": "01 123 45 67"}


@pytest.fixture(scope="module")
def city_services(tmp_path_factory, embedder, warm_cache, interpreter):
    """Services over the demo catalogue with the city's info point as the contact."""
    folder = tmp_path_factory.mktemp("kb-telegram")
    services = make_services(folder, embedder, warm_cache, interpreter, help_contact=CONTACT)
    services.catalogue.import_file(DEMO)
    yield services
    services.close()


@pytest.fixture
def own_services(tmp_path, embedder, warm_cache, interpreter):
    """Services of the test's own, for an administrator who changes an entry."""
    services = make_services(tmp_path, embedder, warm_cache, interpreter, help_contact=CONTACT)
    services.catalogue.import_file(DEMO)
    yield services
    services.close()


def running(double: BotApiDouble, services):
    return running_bot(double, services, admin_ids=frozenset({ADMIN}))


def story(double, services, scenario) -> None:
    async def main() -> None:
        async with running(double, services):
            await scenario()

    asyncio.run(main())


def test_a_senior_uses_the_big_buttons_one_step_at_a_time(double, city_services):
    async def scenario():
        double.push_message(SENIOR, "/simple", language_code="sl")
        [menu] = await double.wait_for("sendMessage")
        rows = menu.params["reply_markup"]["keyboard"]
        assert all(len(row) == 1 for row in rows)  # one big button a row
        labels = [row[0]["text"] for row in rows]
        assert "📱 Pametni telefon" in labels and "🏦 Spletna banka" in labels
        double.clear()
        double.push_message(SENIOR, "📱 Pametni telefon", language_code="sl")
        [answer] = await double.wait_for("sendMessage")
        text = answer.params["text"]
        assert text.startswith("<b>Prvi koraki s pametnim telefonom</b>")
        assert "Vir:" in text
        buttons = [b for row in answer.params["reply_markup"]["inline_keyboard"] for b in row]
        assert len([b for b in buttons if b["callback_data"].startswith("det:")]) <= 2
        back = buttons[-1]
        assert back["callback_data"] == "simple:menu"
        double.clear()
        double.push_callback(SENIOR, back["callback_data"])
        [again] = await double.wait_for("sendMessage")
        assert again.params["text"].startswith("Izberite temo.")

    story(double, city_services, scenario)


def test_a_migrant_asking_in_arabic_gets_the_answer_in_english_with_its_source(
    double, city_services
):
    async def scenario():
        double.push_message(
            MIGRANT,
            "هل دروس اللغة السلوفينية مجانية للمهاجرين الذين لديهم تصريح إقامة؟",
            language_code="ar",
        )
        answer, *_ = await double.wait_for("sendMessage", timeout=60)  # the courses may follow
        text = answer.params["text"]
        assert text.startswith("<i>Your message seems to be in Arabic.")
        assert "ZIP" in text and "infotujci.si" in text

    story(double, city_services, scenario)


def test_a_topic_offered_as_a_button_opens_its_answer(double, city_services):
    async def scenario():
        double.push_callback(MIGRANT, "kb:digital-scams")
        [answer] = await double.wait_for("sendMessage")
        assert answer.params["text"].startswith("<b>Kako prepoznam prevaro")
        assert "📚 Vir:" in answer.params["text"]
        double.clear()
        double.push_callback(MIGRANT, "kb:no-such-entry")
        [gone] = await double.wait_for("sendMessage")
        assert "Tega odgovora ni več" in gone.params["text"]

    story(double, city_services, scenario)


def test_an_administrator_edits_an_entry_by_sending_it_back(double, own_services):
    async def scenario():
        double.push_message(STRANGER, "/kb", language_code="en")
        [refused] = await double.wait_for("sendMessage")  # the one polite refusal
        assert refused.params["text"] == "Sorry, only an organisation's staff can do that."
        double.clear()
        double.push_message(ADMIN, "/kb digital-scams", language_code="en")
        [document] = await double.wait_for("sendDocument")
        assert document.params["chat_id"] == ADMIN
        original = document.uploads["document"].decode()
        assert original.startswith("id: digital-scams")

        double.clear()  # a fault: nothing is stored, the field is named
        broken = original.replace("area: digital", "area: cooking")
        double.push_document(ADMIN, "digital-scams.yaml", broken.encode(), language_code="en")
        [refusal] = await double.wait_for("sendMessage")
        assert refusal.params["text"] == (
            "Nothing was saved: digital-scams.yaml, field 'area': "
            "'cooking' is not one of slovenian, digital"
        )
        double.clear()  # an administrator who writes Slovenian reads the fault in Slovenian
        double.push_document(ADMIN, "digital-scams.yaml", broken.encode(), language_code="sl")
        [zavrnitev] = await double.wait_for("sendMessage")
        assert zavrnitev.params["text"] == (
            "Nič ni bilo shranjeno: digital-scams.yaml, polje »area«: "
            "'cooking' ni med dovoljenimi vrednostmi (slovenian, digital)"
        )

        double.clear()  # a good edit is used at once
        first_line = yaml.safe_load(original)["answer"]["en"].splitlines()[0]
        edited = original.replace(first_line, "Never give anyone a code from your bank.", 1)
        double.push_document(ADMIN, "digital-scams.yaml", edited.encode(), language_code="en")
        [saved] = await double.wait_for("sendMessage")
        assert saved.params["text"].startswith("Saved entry digital-scams.")
        double.clear()
        double.push_callback(ADMIN, "kb:digital-scams", language_code="en")
        [answer] = await double.wait_for("sendMessage")
        assert "Never give anyone a code from your bank." in answer.params["text"]

        double.clear()  # a stranger's YAML file is just a file
        double.push_document(STRANGER, "x.yaml", edited.encode())
        [other] = await double.wait_for("sendMessage")
        assert "Saved entry" not in other.params["text"]

    story(double, own_services, scenario)


def test_a_question_in_spanish_is_answered_in_english_saying_so(double, city_services):
    async def scenario():
        double.push_message(
            MIGRANT, "¿Dónde puedo aprender esloveno gratis por la tarde?", language_code="es"
        )
        first, *_ = await double.wait_for("sendMessage", timeout=60)
        assert first.params["text"].startswith("<i>Your message seems to be in Spanish.")

    story(double, city_services, scenario)
