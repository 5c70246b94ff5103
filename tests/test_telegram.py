"""The real python-telegram-bot Application, talking HTTP to the Bot API test double: the
stories of the people colbot is for."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from access.policy import Policy
from bot.services import Services
from bot.telegram.app import build_application
from bot.telegram.outbox import OUTBOX_JOB
from bot.telegram.reminders import REMINDERS_JOB
from store import people
from store.models import Opportunity, OutboxMessage, SavedOpportunity

from .botapi_double import BotApiDouble
from .conftest import DEMO, NOW, make_services

TEEN, MIGRANT, SENIOR, POLYGLOT = 1001, 1002, 1003, 1004


def talking_to(double: BotApiDouble, services: Services, **settings_fields) -> Services:
    """`services` whose settings point the bot at the double; `settings_fields` add to them."""
    settings = replace(
        services.settings,
        telegram_bot_token=double.token,
        telegram_base_url=double.base_url,
        **settings_fields,
    )
    if "admin_ids" not in settings_fields:
        return replace(services, settings=settings)
    policy = Policy(settings.admin_ids)
    organisations = replace(services.organisations, policy=policy)
    return replace(services, settings=settings, policy=policy, organisations=organisations)


@asynccontextmanager
async def running(double: BotApiDouble, services: Services, **settings_fields):
    """The real Application against the double; `settings_fields` add to its Settings."""
    app = build_application(talking_to(double, services, **settings_fields))
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
        await app.post_shutdown(app)
    # every story: no button press answered twice (Telegram refuses the second answer)
    assert double.answered_twice == [], f"button presses answered twice: {double.answered_twice}"


def story(double, services, scenario: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        async with running(double, services):
            await scenario()

    asyncio.run(main())


def texts(calls) -> list[str]:
    return [c.params.get("text", "") for c in calls]


def test_start_greets_in_the_users_language_with_the_menu(double, shared_services):
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

    story(double, shared_services, scenario)
    commands = double.calls_to("setMyCommands")
    assert {c.params.get("language_code") for c in commands} == {"sl", "en"}
    wanted = set(
        "start help language near simple saved mybadges follow following email cancel mydata delete "
        "forget".split()
    )
    for listed in commands:  # both languages
        assert {c["command"] for c in listed.params["commands"]} == wanted


def test_a_teenager_in_siska_finds_the_robotics_club_and_its_place(double, shared_services):
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

    story(double, shared_services, scenario)


def test_a_migrant_writing_in_ukrainian_gets_free_slovenian_lessons(double, shared_services):
    async def scenario():
        double.push_message(
            MIGRANT, "Де можна безкоштовно вивчати словенську мову?", language_code="uk"
        )
        answer, *rest = await double.wait_for("sendMessage")
        text = answer.params["text"]
        assert text.startswith("<i>Your message seems to be in Ukrainian.")
        assert "Slovenian" in text and "free" in text
        assert "€" not in text  # only free courses
        # a question the knowledge base answers, or, when it is unsure, the courses first and
        # then the closest topics with a person to ask
        for later in rest:
            assert "kb:" in str(later.params.get("reply_markup"))

    story(double, shared_services, scenario)


def test_a_senior_asking_about_photos_gets_the_workshop_and_its_details(double, shared_services):
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

    story(double, shared_services, scenario)


def test_more_results_pages_without_repeating(double, shared_services):
    async def scenario():
        double.push_message(TEEN, "tečaj", language_code="sl")
        [first] = await double.wait_for("sendMessage")
        rows = first.params["reply_markup"]["inline_keyboard"]
        more = rows[-1][0]["callback_data"]
        assert more.startswith("more:")
        double.push_callback(TEEN, more)
        second = (await double.wait_for("sendMessage", count=2))[1]
        assert "<b>6. " in second.params["text"] and "<b>1. " not in second.params["text"]

    story(double, shared_services, scenario)


def test_a_shared_location_lists_what_is_nearest(double, shared_services):
    async def scenario():
        double.push_location(TEEN, 46.0525, 14.5620, language_code="sl")  # Fužine
        [answer] = await double.wait_for("sendMessage")
        assert "Fužine" in answer.params["text"].split("\n\n")[1]
        double.push_message(TEEN, "tečaj slovenščine", language_code="sl")
        second = (await double.wait_for("sendMessage", count=2))[1]
        assert " km" in second.params["text"]

    story(double, shared_services, scenario)


def test_stickers_and_bad_input_get_a_polite_answer(double, shared_services):
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

    story(double, shared_services, scenario)


def test_language_and_simple_mode_are_chosen_and_remembered_across_a_restart(double, demo_services):
    async def choose():
        double.push_message(POLYGLOT, "/language", language_code="sl")
        [menu] = await double.wait_for("sendMessage")
        assert menu.params["text"] == "Izberite jezik:"
        double.push_callback(POLYGLOT, "lang:en")
        await double.wait_for("sendMessage", count=2)
        double.push_message(POLYGLOT, "robotika", language_code="sl")
        replies = await double.wait_for("sendMessage", count=3)
        assert replies[1].params["text"] == "I will write in English."
        assert "found" in replies[2].params["text"]
        double.push_message(POLYGLOT, "/simple", language_code="sl")
        await double.wait_for("sendMessage", count=4)

    async def after_a_restart():
        double.clear()
        double.push_message(POLYGLOT, "tečaj", language_code="sl")
        [answer] = await double.wait_for("sendMessage")
        assert "found" in answer.params["text"]  # one word tells no language: English, as chosen
        double.push_message(POLYGLOT, "/mydata", language_code="sl")
        [_, mydata] = await double.wait_for("sendMessage", count=2)
        assert "simple mode" in mydata.params["text"]  # still the simple mode
        more = answer.params["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
        assert more.startswith("more:")
        double.clear()
        return more

    async def old_button_after_another_restart(more: str):
        double.push_callback(POLYGLOT, more)  # a search made before the restart
        [said] = await double.wait_for("sendMessage")
        assert said.params["text"] == "That search has expired; please search again."
        [answered] = await double.wait_for("answerCallbackQuery")
        assert answered.params["callback_query_id"]

    async def main():
        async with running(double, demo_services):
            await choose()
        async with running(double, demo_services):  # the bot restarts
            more = await after_a_restart()
        async with running(double, demo_services):  # and again: the search is forgotten
            await old_button_after_another_restart(more)

    asyncio.run(main())


def test_a_flood_is_throttled_politely(double, shared_services):
    async def scenario():
        for _ in range(30):
            double.push_message(TEEN, "robotika", language_code="sl")
        await double.wait_for("sendMessage", count=6, timeout=20)
        await asyncio.sleep(1.0)
        answers = texts(double.sent_messages(TEEN))
        notes = [a for a in answers if "veliko sporočil" in a]
        assert len(notes) == 1, answers
        assert len(answers) <= 10  # 30 messages, a handful of answers

    story(double, shared_services, scenario)


def stored(services, telegram_id):
    """What is stored about the person with this Telegram id (None: nothing)."""
    with services.database.session() as session:
        person = people.by_telegram_id(session, telegram_id)
        return people.stored_about(session, person.id) if person else None


def test_a_user_who_blocked_the_bot_is_marked_inactive_and_comes_back(double, demo_services):
    async def scenario():
        double.push_message(MIGRANT, "/start", language_code="uk")
        await double.wait_for("sendMessage")
        assert stored(demo_services, MIGRANT).active
        double.block_chat(MIGRANT)
        double.push_message(MIGRANT, "robotika", language_code="uk")
        await double.wait_for("sendMessage", lambda c: c.status == 403)
        await asyncio.sleep(0.3)
        assert not stored(demo_services, MIGRANT).active
        double.unblock_chat(MIGRANT)
        double.push_message(MIGRANT, "robotika", language_code="uk")
        await double.wait_for("sendMessage", lambda c: c.status == 200, count=2)
        assert stored(demo_services, MIGRANT).active

    story(double, demo_services, scenario)


def test_people_see_and_delete_what_is_stored_about_them(double, demo_services):
    async def scenario():
        double.push_message(SENIOR, "/mydata", language_code="sl")
        [answer] = await double.wait_for("sendMessage")
        assert "Telegram" in answer.params["text"] and "/delete" in answer.params["text"]
        assert "Ana" not in answer.params["text"]  # no names are kept
        double.push_message(SENIOR, "/delete", language_code="sl")
        [_, question] = await double.wait_for("sendMessage", count=2)
        assert question.params["text"].startswith("Naj izbrišem vse")  # asked first
        double.push_callback(SENIOR, "forget:yes", language_code="sl")
        [*_, deleted] = await double.wait_for("sendMessage", count=3)
        assert "Izbrisal sem vse" in deleted.params["text"]
        await asyncio.sleep(0.2)
        assert stored(demo_services, SENIOR) is None

    story(double, demo_services, scenario)


def test_flood_control_from_telegram_is_retried(double, shared_services):
    async def scenario():
        double.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        double.push_message(TEEN, "/help", language_code="sl")
        answers = await double.wait_for("sendMessage", lambda c: c.status == 200, timeout=15)
        assert "Napišite" in answers[0].params["text"]
        assert any(c.status == 429 for c in double.calls_to("sendMessage"))

    story(double, shared_services, scenario)


# ---- saving, and the reminder the day before ---------------------------------------------------
LJ = ZoneInfo("Europe/Ljubljana")


class Clock:
    """The bot's clock, moved by the test."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clocked_services(tmp_path, embedder, warm_cache, interpreter):
    """Services over the demo catalogue whose clock the test moves (it starts at NOW)."""
    clock = Clock(NOW)
    services = make_services(tmp_path, embedder, warm_cache, interpreter, clock=clock)
    services.catalogue.import_file(DEMO)
    yield services, clock
    services.close()


def club_id(services) -> int:
    with services.database.session() as session:
        return session.scalar(select(Opportunity.id).where(Opportunity.external_id == "lj-0013"))


def saved_row(services, telegram_id: int, opportunity_id: int) -> SavedOpportunity | None:
    with services.database.session() as session:
        person = people.by_telegram_id(session, telegram_id)
        return session.get(SavedOpportunity, (person.id, opportunity_id)) if person else None


def new_season(services, tmp_path) -> None:
    """The robotics club publishes its new season: the first meeting on Thursday 3 December."""
    with DEMO.open(encoding="utf-8") as lines:
        club = next(json.loads(line) for line in lines if '"lj-0013"' in line)
    club["start"] = "2026-12-03T16:00:00+01:00"
    path = tmp_path / "new-season.jsonl"
    path.write_text(json.dumps(club, ensure_ascii=False) + "\n", encoding="utf-8")
    services.catalogue.import_file(path)


def buttons_of(call) -> list[dict]:
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def reminders(double, chat_id: int) -> list[str]:
    return [t for t in texts(double.sent_messages(chat_id)) if t.startswith("⏰")]


def paused_reminders(app) -> Callable[[], Awaitable[None]]:
    """The reminder job and the outbox's drainer, kept from running on their own: the test runs
    them at the times it sets, with what this returns (the reminders that are due go to the
    outbox, and the outbox sends them)."""
    jobs = []
    for name in (REMINDERS_JOB, OUTBOX_JOB):
        [job] = app.job_queue.get_jobs_by_name(name)
        job.enabled = False
        jobs.append(job)

    async def remind() -> None:
        for job in jobs:
            await job.run(app)

    return remind


def outbox_rows(services, telegram_id: int) -> list[OutboxMessage]:
    """What the outbox holds for the person with this Telegram id, oldest first."""
    with services.database.session() as session:
        person = people.by_telegram_id(session, telegram_id)
        query = select(OutboxMessage).where(OutboxMessage.person_id == person.id)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def test_a_teenager_saves_the_robotics_club_and_gets_a_reminder_the_day_before(
    double, clocked_services, tmp_path
):
    demo_services, clock = clocked_services
    new_season(demo_services, tmp_path)
    club = club_id(demo_services)

    async def scenario():  # five updates in all: within the flood limit (5 in 3 s)
        async with running(double, demo_services) as app:
            remind = paused_reminders(app)
            double.push_message(TEEN, "robotika v Šiški", language_code="sl")
            [answer] = await double.wait_for("sendMessage")
            assert "<b>1. Robotski krožek za osnovnošolce</b>" in answer.params["text"]
            save = next(b for b in buttons_of(answer) if b["callback_data"] == f"sav:{club}")
            assert save["text"] == "⭐ 1"
            assert all(len(b["callback_data"].encode()) <= 64 for b in buttons_of(answer))

            double.push_callback(TEEN, save["callback_data"])
            [toast] = await double.wait_for("answerCallbackQuery")
            assert toast.params["text"] == "⭐ Shranjeno"
            [_, confirmation] = await double.wait_for("sendMessage", count=2)
            assert confirmation.params["text"].split("\n") == [
                "⭐ Shranjeno: <b>Robotski krožek za osnovnošolce</b>.",
                "Opomnik vam bom poslal: sre., 2. dec. 2026, 09:00.",
                "Z /saved si ogledate, kaj ste shranili.",
            ]
            [edit] = await double.wait_for("editMessageReplyMarkup")
            assert {"text": "🗑 1", "callback_data": f"uns:{club}"} in buttons_of(edit)
            row = saved_row(demo_services, TEEN, club)
            assert row.remind_at == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 9:00 in Ljubljana
            assert row.reminded_at is None

            clock.moment = datetime(2026, 12, 2, 8, 59, tzinfo=LJ)
            await remind()
            assert reminders(double, TEEN) == []
            clock.moment = datetime(2026, 12, 2, 9, 0, tzinfo=LJ)
            await remind()
            [reminder] = reminders(double, TEEN)
            lines = reminder.split("\n")
            assert lines[0] == "⏰ <b>Jutri: Robotski krožek za osnovnošolce</b>"
            assert "🗓 čet., 3. dec. 2026, 16:00" in lines
            [sent] = [c for c in double.sent_messages(TEEN) if c.params["text"] == reminder]
            [row] = outbox_rows(demo_services, TEEN)  # it went through the outbox
            assert (row.kind, row.status) == ("reminder", "sent")
            assert row.telegram_message_ids == [sent.result["message_id"]]
            assert row.expires_at == datetime(2026, 12, 3, 16, 0, tzinfo=LJ)  # when it starts
            clock.moment += timedelta(minutes=1)
            await remind()
            await remind()
            assert len(reminders(double, TEEN)) == 1  # once, not every minute
            assert saved_row(demo_services, TEEN, club).reminded_at == clock.moment - timedelta(
                minutes=1
            )

            double.push_message(TEEN, "robotika v Šiški", language_code="sl")
            [_, again] = await double.wait_for(
                "sendMessage", lambda c: "zadet" in c.params["text"], count=2
            )
            assert {"text": "🗑 1", "callback_data": f"uns:{club}"} in buttons_of(again)  # saved

            double.push_message(TEEN, "/saved", language_code="sl")
            [listing] = await double.wait_for(
                "sendMessage", lambda c: "shranjena priložnost" in c.params["text"]
            )
            assert listing.params["text"].startswith("⭐ 1 shranjena priložnost")
            assert "<b>1. Robotski krožek za osnovnošolce</b>" in listing.params["text"]
            assert "⏰" not in listing.params["text"]  # the reminder has been sent
            remove = next(b for b in buttons_of(listing) if b["callback_data"] == f"uns:{club}")
            assert remove["text"] == "🗑 1"

            double.push_callback(TEEN, remove["callback_data"])
            await double.wait_for(
                "answerCallbackQuery",
                lambda c: c.params.get("text") == "Odstranjeno iz vaših shranjenih priložnosti.",
            )
            assert saved_row(demo_services, TEEN, club) is None
            edits = await double.wait_for("editMessageReplyMarkup", count=2)
            assert {"text": "⭐ 1", "callback_data": f"sav:{club}"} in buttons_of(edits[1])

    asyncio.run(scenario())


def test_an_ongoing_club_is_saved_from_its_details_without_a_reminder_and_deleted_on_request(
    double, clocked_services
):
    demo_services, _clock = clocked_services
    club = club_id(demo_services)  # meets every Thursday: no start date

    async def scenario():
        async with running(double, demo_services):
            double.push_callback(SENIOR, f"det:{club}", language_code="sl")
            [details] = await double.wait_for("sendMessage")
            save = next(b for b in buttons_of(details) if b["callback_data"] == f"sav:{club}")
            assert save["text"] == "⭐ Shrani / opomni me"

            double.push_callback(SENIOR, save["callback_data"], language_code="sl")
            [_, confirmation] = await double.wait_for("sendMessage", count=2)
            no_reminder = "Nima datuma začetka (poteka ves čas), zato opomnika ne bo."
            assert no_reminder in confirmation.params["text"]
            [edit] = await double.wait_for("editMessageReplyMarkup")
            assert {"text": "🗑 Odstrani iz shranjenih", "callback_data": f"uns:{club}"} in (
                buttons_of(edit)
            )
            assert saved_row(demo_services, SENIOR, club).remind_at is None

            # ⭐ on an older card of the same club: saved already, and it says so
            double.push_callback(SENIOR, f"sav:{club}", language_code="sl")
            await double.wait_for(
                "answerCallbackQuery", lambda c: c.params.get("text") == "Že shranjeno"
            )
            [*_, again] = await double.wait_for("sendMessage", count=3)
            assert again.params["text"].startswith("To ste že shranili: <b>Robotski krožek")

            double.push_message(SENIOR, "/mydata", language_code="sl")
            [*_, mydata] = await double.wait_for("sendMessage", count=4)
            count = "Shranili ste 1 priložnost; hranim jo, da vas lahko opomnim."
            assert count in mydata.params["text"]
            double.push_message(SENIOR, "/delete", language_code="sl")
            await double.wait_for("sendMessage", count=5)  # asked first
            double.push_callback(SENIOR, "forget:yes", language_code="sl")
            [*_, deleted] = await double.wait_for("sendMessage", count=6)
            assert "Izbrisal sem vse" in deleted.params["text"]
            assert saved_row(demo_services, SENIOR, club) is None

    asyncio.run(scenario())


def test_a_reminder_to_someone_who_blocked_the_bot_waits_until_they_come_back(
    double, clocked_services, tmp_path
):
    demo_services, clock = clocked_services
    new_season(demo_services, tmp_path)
    club = club_id(demo_services)

    async def scenario():
        async with running(double, demo_services) as app:
            remind = paused_reminders(app)
            double.push_callback(MIGRANT, f"sav:{club}", language_code="en")
            [confirmation] = await double.wait_for("sendMessage")
            when = "I will send you a reminder on Wed, Dec 2, 2026, 9:00\u202fAM."
            assert when in confirmation.params["text"]
            double.block_chat(MIGRANT)
            clock.moment = datetime(2026, 12, 2, 9, 0, tzinfo=LJ)
            await remind()
            refused = double.calls_to("sendMessage")[-1]
            assert refused.status == 403 and refused.params["text"].startswith("⏰ <b>Tomorrow: ")
            assert not stored(demo_services, MIGRANT).active  # marked, not lost:
            [held] = outbox_rows(demo_services, MIGRANT)  # the outbox holds it for them
            assert (held.status, held.telegram_message_ids) == ("held", [])
            await remind()
            assert len(double.calls_to("sendMessage")) == 2  # no retries while blocked

            double.unblock_chat(MIGRANT)
            double.push_message(MIGRANT, "/help", language_code="en")
            await double.wait_for("sendMessage", lambda c: c.status == 200, count=2)
            assert stored(demo_services, MIGRANT).active
            clock.moment += timedelta(hours=1)
            await remind()
            await remind()
            assert len(reminders(double, MIGRANT)) == 1
            [delivered] = outbox_rows(demo_services, MIGRANT)
            assert delivered.status == "sent" and len(delivered.telegram_message_ids) == 1

    asyncio.run(scenario())


def test_the_answer_is_in_the_language_the_message_is_written_in(double, shared_services):
    """A short English message from a Slovenian Telegram gets English, and a Slovenian message
    from an English Telegram Slovenian."""

    async def scenario():
        double.push_message(POLYGLOT, "guitar lessons for teens", language_code="sl")
        [english] = await double.wait_for("sendMessage")
        assert "Guitar for teens" in english.params["text"]  # titles in the reply's language
        double.push_message(POLYGLOT, "tečaj kitare za najstnike", language_code="en")
        slovenian = (await double.wait_for("sendMessage", count=2))[1]
        assert "Kitara za najstnike" in slovenian.params["text"]

    story(double, shared_services, scenario)


def test_an_intent_the_bot_is_not_sure_of_is_offered_as_a_button_below_the_search(
    double, shared_services
):
    async def scenario():
        double.push_message(TEEN, "robotika", language_code="sl")
        [results] = await double.wait_for("sendMessage")
        assert "Robotski krožek" in results.params["text"]
        double.push_callback(TEEN, "do:my_badges")  # what an offer's button sends
        badges = (await double.wait_for("sendMessage", count=2))[1]
        assert "značk" in badges.params["text"].lower()
        double.push_callback(TEEN, "do:out_of_scope")  # never offered: a polite word, no action
        gone = (await double.wait_for("sendMessage", count=3))[2]
        assert "ne deluje več" in gone.params["text"] or "no longer" in gone.params["text"]

    story(double, shared_services, scenario)


def test_a_question_that_asks_for_a_course_too_gets_the_answer_and_the_search_results(
    double, shared_services
):
    async def scenario():
        double.push_message(
            SENIOR,
            "Kako varno uporabljam spletno banko? Ali imate kakšen tečaj za to?",
            language_code="sl",
        )
        replies = await double.wait_for("sendMessage", count=2)
        answer, results = replies[0].params["text"], replies[1].params["text"]
        assert "bank" in answer.lower()
        assert "zadetk" in results and "Varna spletna in mobilna banka" in results  # the search's

    story(double, shared_services, scenario)
