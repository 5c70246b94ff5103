"""The real python-telegram-bot Application, talking HTTP to the Bot API test double: the
stories of the people colbot is for."""

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from bot.settings import Settings
from bot.telegram_bot import build_application

from .botapi_double import BotApiDouble

TEEN, MIGRANT, SENIOR = 1001, 1002, 1003


@pytest.fixture
def double():
    with BotApiDouble() as server:
        yield server


@pytest.fixture(autouse=True)
def shared_interpreter(interpreter):
    global INTERPRETER
    INTERPRETER = interpreter


INTERPRETER = None


@asynccontextmanager
async def running(double: BotApiDouble, service):
    settings = Settings(telegram_bot_token=double.token, telegram_base_url=double.base_url)
    app = build_application(settings, service, INTERPRETER)
    await app.initialize()
    await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def story(double, service, scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        async with running(double, service):
            await scenario()

    asyncio.run(main())


def texts(calls) -> list[str]:
    return [c.params.get("text", "") for c in calls]


def test_start_greets_in_the_users_language_with_the_menu(double, shared_demo_service):
    async def scenario():
        double.push_message(TEEN, "/start", language_code="sl")
        double.push_message(MIGRANT, "/start", language_code="uk")
        replies = await double.wait_for("sendMessage", count=2)
        by_chat = {c.params["chat_id"]: c for c in replies}
        assert by_chat[TEEN].params["text"].startswith("Pozdravljeni!")
        assert by_chat[MIGRANT].params["text"].startswith("Hello!")
        keyboard = by_chat[TEEN].params["reply_markup"]["keyboard"]
        assert keyboard[0][0]["request_location"] is True
        assert [b["text"] for b in keyboard[1]] == ["Tečaji slovenščine", "Digitalne veščine"]

    story(double, shared_demo_service, scenario)
    commands = double.calls_to("setMyCommands")
    assert {c.params.get("language_code") for c in commands} == {"sl", "en"}
    assert {"start", "help", "language", "near", "cancel", "mydata", "delete"} == {
        c["command"] for c in commands[0].params["commands"]
    }


def test_a_teenager_in_siska_finds_the_robotics_club_and_its_place(double, shared_demo_service):
    async def scenario():
        double.push_message(TEEN, "robotika v Šiški", language_code="sl")
        [answer] = await double.wait_for("sendMessage")
        assert "Robotski krožek za osnovnošolce" in answer.params["text"]
        assert answer.params["parse_mode"] == "HTML"
        buttons = [b for row in answer.params["reply_markup"]["inline_keyboard"] for b in row]
        assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
        map_button = next(b for b in buttons if b["callback_data"].startswith("map:"))
        double.push_callback(TEEN, map_button["callback_data"])
        [venue] = await double.wait_for("sendVenue")
        assert venue.params["latitude"] == pytest.approx(46.07, abs=0.02)
        await double.wait_for("answerCallbackQuery")

    story(double, shared_demo_service, scenario)


def test_a_migrant_writing_in_ukrainian_gets_free_slovenian_lessons(double, shared_demo_service):
    async def scenario():
        double.push_message(
            MIGRANT, "Де можна безкоштовно вивчати словенську мову?", language_code="uk"
        )
        [answer] = await double.wait_for("sendMessage")
        text = answer.params["text"]
        assert text.startswith("<i>Your message seems to be in Ukrainian.")
        assert "Slovenian" in text and "free" in text
        assert "€" not in text  # only free courses

    story(double, shared_demo_service, scenario)


def test_a_senior_asking_about_photos_gets_the_workshop_and_its_details(
    double, shared_demo_service
):
    async def scenario():
        double.push_message(
            SENIOR,
            "Vnuk mi je dal pametni telefon, pa ne znam pošiljati slik. Kje se lahko naučim?",
            language_code="sl",
        )
        [answer] = await double.wait_for("sendMessage")
        assert "fotografij" in answer.params["text"] or "telefon" in answer.params["text"]
        details = answer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        assert details.startswith("det:")
        double.push_callback(SENIOR, details)
        replies = await double.wait_for("sendMessage", count=2)
        assert "Več in prijava" in replies[1].params["text"] or "<b>" in replies[1].params["text"]

    story(double, shared_demo_service, scenario)


def test_more_results_pages_without_repeating(double, shared_demo_service):
    async def scenario():
        double.push_message(TEEN, "tečaj", language_code="sl")
        [first] = await double.wait_for("sendMessage")
        rows = first.params["reply_markup"]["inline_keyboard"]
        more = rows[-1][0]["callback_data"]
        assert more.startswith("more:")
        double.push_callback(TEEN, more)
        second = (await double.wait_for("sendMessage", count=2))[1]
        assert "<b>6. " in second.params["text"] and "<b>1. " not in second.params["text"]

    story(double, shared_demo_service, scenario)


def test_a_shared_location_lists_what_is_nearest(double, shared_demo_service):
    async def scenario():
        double.push_location(TEEN, 46.0525, 14.5620, language_code="sl")  # Fužine
        [answer] = await double.wait_for("sendMessage")
        assert "Fužine" in answer.params["text"].split("\n\n")[1]
        double.push_message(TEEN, "tečaj slovenščine", language_code="sl")
        second = (await double.wait_for("sendMessage", count=2))[1]
        assert " km" in second.params["text"]

    story(double, shared_demo_service, scenario)


def test_stickers_and_bad_input_get_a_polite_answer(double, shared_demo_service):
    async def scenario():
        double.push_sticker(SENIOR, language_code="sl")
        double.push_message(SENIOR, "<script>alert(1)</script> & <b>", language_code="sl")
        double.push_message(SENIOR, "🙂🙂🙂", language_code="sl")
        double.push_message(SENIOR, "x" * 4096, language_code="sl")
        replies = await double.wait_for("sendMessage", count=4, timeout=20)
        answers = texts(replies)
        assert any("Berem besedilo in lokacije" in a for a in answers)
        assert any("Razumem samo besede" in a for a in answers)
        assert all("<script>" not in a for a in answers)
        assert not any("Traceback" in a for a in answers)

    story(double, shared_demo_service, scenario)


def test_language_is_chosen_and_remembered(double, shared_demo_service):
    async def scenario():
        double.push_message(TEEN, "/language", language_code="sl")
        [menu] = await double.wait_for("sendMessage")
        assert menu.params["text"] == "Izberite jezik:"
        double.push_callback(TEEN, "lang:en")
        await double.wait_for("sendMessage", count=2)
        double.push_message(TEEN, "robotika", language_code="sl")
        replies = await double.wait_for("sendMessage", count=3)
        assert replies[1].params["text"] == "I will write in English."
        assert "found" in replies[2].params["text"]

    story(double, shared_demo_service, scenario)


def test_a_flood_is_throttled_politely(double, shared_demo_service):
    async def scenario():
        for _ in range(30):
            double.push_message(TEEN, "robotika", language_code="sl")
        await double.wait_for("sendMessage", count=6, timeout=20)
        await asyncio.sleep(1.0)
        answers = texts(double.sent_messages(TEEN))
        notes = [a for a in answers if "veliko sporočil" in a]
        assert len(notes) == 1
        assert len(answers) <= 10  # 30 messages, a handful of answers

    story(double, shared_demo_service, scenario)


def stored(service, telegram_id):
    from store.chat_users import stored_about

    with service.database.session() as session:
        return stored_about(session, telegram_id)


def test_a_user_who_blocked_the_bot_is_marked_inactive_and_comes_back(double, demo_service):
    async def scenario():
        double.push_message(MIGRANT, "/start", language_code="uk")
        await double.wait_for("sendMessage")
        assert stored(demo_service, MIGRANT).active
        double.block_chat(MIGRANT)
        double.push_message(MIGRANT, "robotika", language_code="uk")
        await double.wait_for("sendMessage", lambda c: c.status == 403)
        await asyncio.sleep(0.3)
        assert not stored(demo_service, MIGRANT).active
        double.unblock_chat(MIGRANT)
        double.push_message(MIGRANT, "robotika", language_code="uk")
        await double.wait_for("sendMessage", lambda c: c.status == 200, count=2)
        assert stored(demo_service, MIGRANT).active

    story(double, demo_service, scenario)


def test_people_see_and_delete_what_is_stored_about_them(double, demo_service):
    async def scenario():
        double.push_message(SENIOR, "/mydata", language_code="sl")
        [answer] = await double.wait_for("sendMessage")
        assert "Telegram" in answer.params["text"] and "/delete" in answer.params["text"]
        assert "Ana" not in answer.params["text"]  # no names are kept
        double.push_message(SENIOR, "/delete", language_code="sl")
        [_, deleted] = await double.wait_for("sendMessage", count=2)
        assert "Izbrisal sem vse" in deleted.params["text"]
        await asyncio.sleep(0.2)
        assert stored(demo_service, SENIOR) is None

    story(double, demo_service, scenario)


def test_flood_control_from_telegram_is_retried(double, shared_demo_service):
    async def scenario():
        double.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        double.push_message(TEEN, "/help", language_code="sl")
        answers = await double.wait_for("sendMessage", lambda c: c.status == 200, timeout=15)
        assert "Napišite" in answers[0].params["text"]
        assert any(c.status == 429 for c in double.calls_to("sendMessage"))

    story(double, shared_demo_service, scenario)
