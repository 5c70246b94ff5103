"""/announce and /announcements through the real python-telegram-bot Application and the Bot API
double: an editor is refused; an administrator writes (a sticker and a text over the limit are
explained and asked again), adds the other language and a link, chooses the audience by its
count, previews, sends now; followers get it in their language from the outbox, blocked and
flooded chats are handled, the one progress message ends with the counts; /announcements
withdraws it (deleted). A photo announcement is scheduled (a time that cannot be read, then one
in the past, are refused), and /cancel leaves a conversation at any step. A text or a photo where
a button is the answer is explained and the question asked again (in the admin's language); at
the audience step a topic or a district may be typed instead (any case, no accents needed): one
that is neither is said to be so, in either language. A scheduled announcement gets its one
progress message, and the counts, when it goes out. A message Telegram will not delete is edited
to say it was withdrawn, as every one is after 48 hours."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from access.policy import Actor
from bot.services import Services, build_services
from bot.telegram.announce_chat import audience_label
from organisations.announcing import Content
from store import follows
from store.models import Announcement, AuditEntry, Organisation, OutboxMessage, Person, StaffMember

from .badges_world import START, MovableClock, settings_for
from .botapi_double import BotApiDouble, Call
from .chat_calls import saying, to
from .test_telegram import running
from .test_telegram_badges import NoFreeText, WordsEmbedder

ORG_ADMIN, EDITOR = 4242, 4343
FOLLOWER_SL, FOLLOWER_EN, FOLLOWER_GONE, FOLLOWER_FLOOD = 7001, 7002, 7003, 7004
NAME = "Mladinski center Test"


@pytest.fixture
def world(tmp_path) -> Iterator[tuple[Services, MovableClock]]:
    clock = MovableClock()
    services = build_services(
        settings_for(tmp_path), clock=clock, embedder=WordsEmbedder(), interpreter=NoFreeText()
    )
    with services.database.session() as session:
        organisation = Organisation(name=NAME, slug="mct", city=services.city.slug)
        session.add(organisation)
        session.flush()
        for telegram_id, role in ((ORG_ADMIN, "admin"), (EDITOR, "editor")):
            person = Person(telegram_id=telegram_id, language="en")
            session.add(person)
            session.flush()
            session.add(
                StaffMember(organisation_id=organisation.id, person_id=person.id, role=role)
            )
        for telegram_id in (FOLLOWER_SL, FOLLOWER_EN, FOLLOWER_GONE, FOLLOWER_FLOOD):
            person = Person(telegram_id=telegram_id, language="en" if telegram_id == 7002 else "sl")
            session.add(person)
            session.flush()
            follows.follow(session, person.id, "organisation", "mct", services.city.slug, START)
    yield services, clock
    services.close()


@pytest.fixture(autouse=True)
def quick_jobs(monkeypatch):
    monkeypatch.setattr("bot.telegram.announce_chat.ANNOUNCE_EVERY", 0.3)
    monkeypatch.setattr("bot.telegram.app.THROTTLE_MESSAGES", 100)


def callbacks(call: Call) -> list[str]:
    rows = call.params["reply_markup"]["inline_keyboard"]
    return [b.get("callback_data", "") for row in rows for b in row]


async def tick(clock: MovableClock) -> None:
    """Let the story's clock run (a 429's retry_after passes)."""
    while True:
        await asyncio.sleep(0.25)
        clock.advance(seconds=0.25)


def story(double: BotApiDouble, services: Services, scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with running(double, services):
            await scenario()

    asyncio.run(main())


HUMAN_PAUSE = 0.2  # seconds: a person reads the question before answering (answers typed
# ahead are taken in order too: test_telegram_org's test_answers_typed_at_once_are_taken_in_order)


async def say(double: BotApiDouble, text: str, chat: int = ORG_ADMIN) -> None:
    await asyncio.sleep(HUMAN_PAUSE)
    double.push_message(chat, text, language_code="en")


async def press(double: BotApiDouble, data: str) -> None:
    await asyncio.sleep(HUMAN_PAUSE)
    double.push_callback(ORG_ADMIN, data, language_code="en")


def test_an_announcement_written_previewed_sent_counted_and_withdrawn(double, world) -> None:
    services, clock = world
    double.block_chat(FOLLOWER_GONE)
    double.flood_chat(FOLLOWER_FLOOD, retry_after=1)

    async def scenario() -> None:
        await say(double, "/announce", EDITOR)
        await double.wait_for("sendMessage", saying(EDITOR, "only an organisation's staff"))
        await say(double, "/announce")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Write the message in English"))
        await asyncio.sleep(HUMAN_PAUSE)
        double.push_sticker(ORG_ADMIN, language_code="en")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "I can only use text here"))
        await say(double, "x" * 4100)
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "That is 4100 characters"))
        await say(double, "Open day on Saturday! Bring friends & family.")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "version in Slovenian"))
        await say(double, "Dan odprtih vrat v soboto!")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Add a link"))
        await say(double, "www nowhere")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "not a web address"))
        await say(double, "https://mct.example.org/open-day")
        [question] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "Who should get it?"))
        labels = [
            b["text"] for row in question.params["reply_markup"]["inline_keyboard"] for b in row
        ]
        assert labels[0] == "The organisation's followers (4)"
        await press(double, callbacks(question)[0])
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "It reaches 4 people."))
        previews = [c for c in double.sent_messages(ORG_ADMIN) if "📣" in c.params.get("text", "")]
        assert [p.params["text"].split("\n\n")[1] for p in previews] == [
            "Dan odprtih vrat v soboto!",
            "Open day on Saturday! Bring friends &amp; family.",
        ]
        await press(double, "ann:now")
        [progress] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "Sending…"))
        # a 429 pauses all sending; once retry_after has passed everything goes
        await double.wait_for("sendMessage", lambda c: c.status == 429)
        ticking = asyncio.create_task(tick(clock))  # the story's clock stood still until now
        got = await double.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") in (FOLLOWER_SL, FOLLOWER_EN) and c.status == 200,
            2,
        )
        by_chat = {c.params["chat_id"]: c.params for c in got}
        assert "Dan odprtih vrat" in by_chat[FOLLOWER_SL]["text"]
        assert "Open day" in by_chat[FOLLOWER_EN]["text"]
        button = by_chat[FOLLOWER_EN]["reply_markup"]["inline_keyboard"][0][0]
        assert button == {"text": "Open the link", "url": "https://mct.example.org/open-day"}
        # the flooded chat is sent too, and the progress message ends with the counts
        await double.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") == FOLLOWER_FLOOD and c.status == 200,
            timeout=15,
        )
        final = await double.wait_for(
            "editMessageText",
            lambda c: (
                c.params.get("message_id") == progress.result["message_id"]
                and "is sent" in c.params.get("text", "")
            ),
            timeout=15,
        )
        assert "sent 3, failed 0, blocked 1, could not be confirmed 0" in final[-1].params["text"]
        await say(double, "/announcements")
        [listed] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "#1"))
        withdraw = next(data for data in callbacks(listed) if data.startswith("anw:"))
        await press(double, withdraw)
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Withdrawing it from 3 chats"))
        deleted = await double.wait_for("deleteMessage", count=3, timeout=10)
        ticking.cancel()
        assert {c.params["chat_id"] for c in deleted} == {FOLLOWER_SL, FOLLOWER_EN, FOLLOWER_FLOOD}

    story(double, services, scenario)
    with services.database.session() as session:
        gone = session.scalar(select(Person).where(Person.telegram_id == FOLLOWER_GONE))
        assert gone.active is False  # 403: inactive
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"announce.draft", "announce.send", "announce.withdraw"} <= actions
        assert session.scalar(select(Announcement.status)) == "withdrawn"


def test_a_photo_is_scheduled_and_cancel_leaves_at_any_step(double, world) -> None:
    services, clock = world

    async def scenario() -> None:
        await say(double, "/announce")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Write the message"))
        await asyncio.sleep(HUMAN_PAUSE)
        double.push_photo(ORG_ADMIN, caption="Poglejte naš novi prostor!", language_code="en")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "version in Slovenian"))
        await press(double, "ann:skip")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Add a link"))
        await press(double, "ann:skip")
        [question] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "Who should get it?"))
        await press(double, callbacks(question)[0])
        [preview] = await double.wait_for("sendPhoto", to(ORG_ADMIN))
        assert preview.params["caption"].endswith("Poglejte naš novi prostor!")
        await press(double, "ann:later")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "When?"))
        await say(double, "next tuesday")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "could not read that date"))
        await say(double, "01.01.2020 10:00")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "That time has passed"))
        await say(double, "24.12.2026 18:00")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Scheduled for"))
        # a second one, left with /cancel halfway
        await say(double, "/announce")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Write the message"), count=2)
        await say(double, "Something")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "version in Slovenian"), count=2)
        await say(double, "/cancel")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "nothing was sent"))
        await asyncio.sleep(1.0)

    story(double, services, scenario)
    with services.database.session() as session:
        [scheduled] = session.scalars(select(Announcement)).all()
        assert scheduled.status == "scheduled"
        assert scheduled.send_at.isoformat() == "2026-12-24T17:00:00+00:00"
        assert scheduled.content["photo"]
        assert session.scalar(select(OutboxMessage)) is None  # not due yet
    assert START < scheduled.send_at < START + timedelta(days=60)
    assert clock() == START


async def written_up_to_the_reach(double: BotApiDouble) -> None:
    """/announce written in English, no other language, no link, to the organisation's
    followers: the bot asks to send now, schedule or cancel."""
    await say(double, "/announce")
    await double.wait_for("sendMessage", saying(ORG_ADMIN, "Write the message"))
    await say(double, "Open day on Saturday!")
    await double.wait_for("sendMessage", saying(ORG_ADMIN, "version in Slovenian"))
    await press(double, "ann:skip")
    await double.wait_for("sendMessage", saying(ORG_ADMIN, "Add a link"))
    await press(double, "ann:skip")
    [question] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "Who should get it?"))
    await press(double, callbacks(question)[0])
    await double.wait_for("sendMessage", saying(ORG_ADMIN, "It reaches 4 people."))


def test_a_text_or_photo_where_a_button_is_the_answer_is_explained_and_asked_again(
    double, world
) -> None:
    services, _clock = world
    use_buttons = "Please answer with one of the buttons, or /cancel."

    async def scenario() -> None:
        await say(double, "/announce")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Write the message"))
        await say(double, "Open day on Saturday!")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "version in Slovenian"))
        await press(double, "ann:skip")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Add a link"))
        await press(double, "ann:skip")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Who should get it?"))
        before = len(double.sent_messages(ORG_ADMIN))
        await say(double, "robotika")  # a search anywhere else; here no topic nor district
        [again] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "is neither"))
        assert (
            again.params["text"]
            == f"“robotika” is neither a topic nor a district here.\n\n{QUESTION}"
        )
        assert callbacks(again)[0] == "ann:aud:0"
        await asyncio.sleep(HUMAN_PAUSE)
        double.push_photo(ORG_ADMIN, caption="A poster", language_code="en")
        [photo] = await double.wait_for("sendMessage", saying(ORG_ADMIN, use_buttons))
        assert photo.params["text"] == f"{use_buttons}\n\n{QUESTION}"
        await asyncio.sleep(0.5)
        assert len(double.sent_messages(ORG_ADMIN)) == before + 2  # nothing else answered
        await press(double, callbacks(again)[0])  # the step goes on from the button asked again
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "It reaches 4 people."))
        await say(double, "yes, send it")
        asked = await double.wait_for("sendMessage", saying(ORG_ADMIN, use_buttons), count=2)
        assert asked[-1].params["text"] == f"{use_buttons}\n\nIt reaches 4 people."
        assert callbacks(asked[-1]) == ["ann:now", "ann:later", "ann:stop"]
        await press(double, "ann:now")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Sending…"))

    story(double, services, scenario)
    with services.database.session() as session:
        assert session.scalar(select(Announcement.status)) in ("scheduled", "sending", "done")
        assert session.scalar(select(Announcement.content))["texts"] == {
            "en": "Open day on Saturday!"
        }  # the photo sent at the audience step was not taken


QUESTION = "Who should get it?\nYou may also type the name of a topic or a district."
QUESTION_SL = "Komu naj ga pošljem?\nLahko pa tudi vpišete ime teme ali četrti."


def following_too(services: Services, *pairs: tuple[int, str, str]) -> None:
    """Followers (by Telegram id) who also follow a topic or a district (kind, key)."""
    with services.database.session() as session:
        for telegram_id, kind, key in pairs:
            person = session.scalar(select(Person).where(Person.telegram_id == telegram_id))
            follows.follow(session, person.id, kind, key, services.city.slug, START)


async def up_to_the_audience(double: BotApiDouble) -> Call:
    """/announce written in English (no other language, no link) up to the audience's
    question, which it returns (also for a second announcement in the same story)."""

    def asking(data: str) -> Callable[[Call], bool]:
        return lambda c: c.params.get("chat_id") == ORG_ADMIN and data in str(c.params)

    async def answered(predicate: Callable[[Call], bool], before: int) -> Call:
        return (await double.wait_for("sendMessage", predicate, count=before + 1))[-1]

    def seen(predicate: Callable[[Call], bool]) -> int:
        return len([c for c in double.calls_to("sendMessage") if predicate(c)])

    writing, skip, audience = (
        saying(ORG_ADMIN, "Write the message"),
        asking("ann:skip"),
        asking("ann:aud:"),
    )
    counts = {"writing": seen(writing), "skip": seen(skip), "audience": seen(audience)}
    await say(double, "/announce")
    await answered(writing, counts["writing"])
    await say(double, "Open day on Saturday!")
    await answered(skip, counts["skip"])
    await press(double, "ann:skip")
    await answered(skip, counts["skip"] + 1)
    await press(double, "ann:skip")
    return await answered(audience, counts["audience"])


def test_a_topic_or_district_not_among_the_buttons_may_be_typed(double, world, monkeypatch):
    services, _clock = world
    monkeypatch.setattr("organisations.announcing.AUDIENCE_CHOICES", 1)  # one of each a button
    following_too(
        services,
        (FOLLOWER_SL, "district", "šiška"),
        (FOLLOWER_EN, "district", "šiška"),
        (FOLLOWER_FLOOD, "district", "bežigrad"),
        (FOLLOWER_SL, "topic", "robotics"),
        (FOLLOWER_EN, "topic", "robotics"),
        (FOLLOWER_GONE, "topic", "music"),
    )

    async def scenario() -> None:
        question = await up_to_the_audience(double)
        assert question.params["text"] == QUESTION
        labels = [
            b["text"] for row in question.params["reply_markup"]["inline_keyboard"] for b in row
        ]
        assert labels == [
            "The organisation's followers (4)",
            "Followers of the topic Robotics (2)",  # as people read them, not as kept
            "Followers of the district Šiška (2)",
        ]
        await say(double, "Zmaji")
        [neither] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "is neither"))
        assert (
            neither.params["text"]
            == f"“Zmaji” is neither a topic nor a district here.\n\n{QUESTION}"
        )
        assert callbacks(neither) == callbacks(question)  # asked again, with its buttons
        await say(double, "  BEZIGRAD ")  # no case, no accents: Bežigrad of the gazetteer
        [reach] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "It reaches"))
        assert reach.params["text"] == "Followers of the district Bežigrad\n\nIt reaches 1 person."
        assert callbacks(reach) == ["ann:now", "ann:later", "ann:stop"]
        await press(double, "ann:now")
        [got] = await double.wait_for(
            "sendMessage", lambda c: c.params.get("chat_id") == FOLLOWER_FLOOD and c.status == 200
        )
        assert "Open day on Saturday!" in got.params["text"]
        # a topic by its name in the other language (music: glasba), followed by one
        await up_to_the_audience(double)
        await say(double, "Glasba")
        [music] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "topic Music"))
        assert music.params["text"] == "Followers of the topic Music\n\nIt reaches 1 person."
        await press(double, "ann:stop")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "nothing was sent"))
        await asyncio.sleep(0.5)

    story(double, services, scenario)
    got_it = {
        c.params.get("chat_id")
        for c in double.sent_messages()
        if "Open day" in c.params.get("text", "")
    }
    assert got_it & set(FOLLOWERS) == {FOLLOWER_FLOOD}  # only the typed district's follower
    with services.database.session() as session:
        rows = session.scalars(select(Announcement).order_by(Announcement.id)).all()
        assert [(row.audience, row.recipients) for row in rows] == [
            ("district:bežigrad", 1),
            ("topic:music", 1),
        ]
        assert rows[0].status in ("sending", "done")
        assert rows[1].status == "cancelled"


def test_a_text_where_a_button_is_the_answer_is_explained_in_slovenian(double, world) -> None:
    services, _clock = world
    with services.database.session() as session:
        session.execute(update(Person).where(Person.telegram_id == ORG_ADMIN).values(language="sl"))
    following_too(services, (FOLLOWER_SL, "district", "šiška"), (FOLLOWER_EN, "district", "šiška"))

    async def sl(text: str) -> None:
        await asyncio.sleep(HUMAN_PAUSE)
        double.push_message(ORG_ADMIN, text, language_code="sl")

    async def scenario() -> None:
        await sl("/announce")
        await double.wait_for("sendMessage", to(ORG_ADMIN))
        await sl("Dan odprtih vrat!")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Želite dodati različico"))
        await asyncio.sleep(HUMAN_PAUSE)
        double.push_callback(ORG_ADMIN, "ann:skip", language_code="sl")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Želite dodati povezavo"))
        await asyncio.sleep(HUMAN_PAUSE)
        double.push_callback(ORG_ADMIN, "ann:skip", language_code="sl")
        [question] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "Komu naj"))
        assert question.params["text"] == QUESTION_SL
        await asyncio.sleep(HUMAN_PAUSE)
        double.push_photo(ORG_ADMIN, caption="Plakat", language_code="sl")
        [again] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "Prosim, odgovorite"))
        assert again.params["text"] == (
            f"Prosim, odgovorite z enim od gumbov ali pošljite /cancel.\n\n{QUESTION_SL}"
        )
        await sl("vsem")
        [neither] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "»vsem«"))
        assert neither.params["text"] == f"»vsem« ni ne tema ne četrt.\n\n{QUESTION_SL}"
        assert callbacks(neither)[0] == "ann:aud:0"
        await sl("siska")  # a district typed without its accents
        [reach] = await double.wait_for("sendMessage", saying(ORG_ADMIN, "Doseže"))
        assert reach.params["text"] == "Sledilci četrti Šiška\n\nDoseže 2 osebi."
        await sl("/cancel")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "nič ni bilo poslano"))

    story(double, services, scenario)
    with services.database.session() as session:
        [draft] = session.scalars(select(Announcement)).all()  # made once, for the district
        assert (draft.audience, draft.recipients, draft.status) == (
            "district:šiška",
            2,
            "cancelled",
        )


def test_a_scheduled_announcement_shows_its_progress_and_counts_when_it_goes_out(
    double, world
) -> None:
    services, clock = world
    double.block_chat(FOLLOWER_GONE)
    double.flood_chat(FOLLOWER_FLOOD, retry_after=1)

    def progress_of(call: Call) -> bool:
        return call.params.get("chat_id") == ORG_ADMIN and "Announcement #" in call.params.get(
            "text", ""
        )

    async def scenario() -> None:
        await written_up_to_the_reach(double)
        await press(double, "ann:later")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "When?"))
        await say(double, "23.11.2026 12:30")
        await double.wait_for("sendMessage", saying(ORG_ADMIN, "Scheduled for"))
        await asyncio.sleep(1.0)  # the job runs meanwhile: not due yet, nothing to show
        assert not [c for c in double.calls if progress_of(c)]
        clock.advance(minutes=31)
        [progress] = await double.wait_for("sendMessage", progress_of)
        assert progress.params["text"].startswith("Announcement #1: ")
        assert "of 4 done…" in progress.params["text"]
        # a 429 holds one follower's message back until the story's clock runs on
        await double.wait_for("sendMessage", lambda c: c.status == 429)
        ticking = asyncio.create_task(tick(clock))
        final = await double.wait_for(
            "editMessageText",
            lambda c: (
                progress_of(c)
                and c.params.get("message_id") == progress.result["message_id"]
                and "is sent" in c.params["text"]
            ),
            timeout=15,
        )
        ticking.cancel()
        assert final[-1].params["text"] == (
            "Announcement #1 is sent.\nsent 3, failed 0, blocked 1, could not be confirmed 0"
        )
        assert len([c for c in double.calls_to("sendMessage") if progress_of(c)]) == 1

    story(double, services, scenario)
    with services.database.session() as session:
        row = session.scalar(select(Announcement))
        assert (row.status, row.progress_chat_id) == ("done", ORG_ADMIN)
        assert row.progress_message_id is not None


def scheduled_with_progress(services: Services) -> int:
    """An announcement to the followers, due in 30 minutes, its progress to be shown in the
    administrator's chat (as /announce schedules one); its id."""
    admin = Actor.on_telegram(ORG_ADMIN)
    service = services.announcements
    draft = service.compose(
        admin, service.organisation_of(admin, "mct"), Content({"en": "Open day!"}), "followers"
    )
    service.send(admin, draft.id, START + timedelta(minutes=30), (ORG_ADMIN, None))
    return draft.id


def test_progress_after_a_restart_is_in_the_language_the_admin_chose(double, world) -> None:
    """The bot restarted after the scheduling: the administrator has not written since, so only
    the database knows their language (English here, the city's first being Slovenian)."""
    services, clock = world
    scheduled_with_progress(services)

    async def scenario() -> None:
        clock.advance(minutes=31)
        [progress] = await double.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") == ORG_ADMIN and "#1" in c.params.get("text", ""),
        )
        assert progress.params["text"].startswith("Announcement #1")

    story(double, services, scenario)


def test_progress_is_not_tried_again_in_a_chat_that_blocked_the_bot(double, world) -> None:
    services, clock = world
    announcement = scheduled_with_progress(services)
    double.block_chat(ORG_ADMIN)

    async def scenario() -> None:
        clock.advance(minutes=31)
        await double.wait_for("sendMessage", lambda c: c.params.get("chat_id") == ORG_ADMIN)
        await double.wait_for(
            "sendMessage",
            lambda c: c.params.get("chat_id") in FOLLOWERS and c.status == 200,
            count=4,
        )
        await asyncio.sleep(1.5)  # the job has run several times since (every 0.3 s here)
        tried = [c for c in double.calls_to("sendMessage") if c.params.get("chat_id") == ORG_ADMIN]
        assert [c.status for c in tried] == [403]

    story(double, services, scenario)
    with services.database.session() as session:
        row = session.get(Announcement, announcement)
        assert (row.progress_chat_id, row.progress_message_id) == (None, None)


# ---- withdrawing: deleted, or edited where Telegram keeps the message ---------------------------
FOLLOWERS = (FOLLOWER_SL, FOLLOWER_EN, FOLLOWER_GONE, FOLLOWER_FLOOD)
WITHDRAWN_EN = f"📣 <b>{NAME}</b>\n\n<i>This announcement was withdrawn.</i>"


def sent_to_the_followers(
    double: BotApiDouble, services: Services, content: Content
) -> Callable[[], Awaitable[int]]:
    """An announcement from the organisation's administrator, sent now to its four followers;
    the story waits until they all have it, and gets its id."""
    admin = Actor.on_telegram(ORG_ADMIN)
    service = services.announcements
    organisation = service.organisation_of(admin, "mct")
    draft = service.compose(admin, organisation, content, "followers")
    service.send(admin, draft.id)

    async def delivered() -> int:
        method = "sendPhoto" if content.photo else "sendMessage"
        await double.wait_for(
            method, lambda c: c.params.get("chat_id") in FOLLOWERS and c.status == 200, count=4
        )
        for _ in range(200):  # and until the bot has recorded them sent (it does after the answer)
            if len(sent_rows(services, draft.id)) == 4:
                return draft.id
            await asyncio.sleep(0.05)
        raise AssertionError(f"the four sends were not recorded: {sent_rows(services, draft.id)}")

    return delivered


def sent_rows(services: Services, announcement_id: int) -> list[int]:
    """The announcement's messages the bot has recorded as sent."""
    with services.database.session() as session:
        batch = session.get(Announcement, announcement_id)
        assert batch is not None
        return list(
            session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.kind == "announcement",
                    OutboxMessage.batch_id == batch.batch_id,
                    OutboxMessage.status == "sent",
                )
            )
        )


def withdrawals(services: Services) -> list[str]:
    with services.database.session() as session:
        return list(
            session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == "withdrawal"))
        )


def test_a_message_telegram_will_not_delete_is_edited_to_say_it_was_withdrawn(
    double, world
) -> None:
    services, _clock = world
    photo = "https://mct.example.org/poster.jpg"  # the double keeps a file by its address
    delivered = sent_to_the_followers(double, services, Content({"en": "Open day!"}, photo))

    async def scenario() -> None:
        announcement = await delivered()
        double.fail_next("deleteMessage", 400, "Bad Request: message can't be deleted")
        admin = Actor.on_telegram(ORG_ADMIN)
        await asyncio.to_thread(services.announcements.withdraw, admin, announcement)
        deletions = await double.wait_for("deleteMessage", count=4, timeout=10)
        [kept] = [c for c in deletions if c.status == 400]
        [edited] = await double.wait_for("editMessageCaption", timeout=10)
        assert edited.status == 200
        assert (edited.params["chat_id"], edited.params["message_id"]) == (
            kept.params["chat_id"],
            kept.params["message_id"],
        )
        reader = "en" if kept.params["chat_id"] == FOLLOWER_EN else "sl"
        said = "This announcement was withdrawn." if reader == "en" else "umaknjeno"
        assert said in edited.params["caption"]
        await asyncio.sleep(0.5)

    story(double, services, scenario)
    assert withdrawals(services) == ["sent"] * 4
    assert len(double.calls_to("editMessageText")) == 0


def test_after_48_hours_a_withdrawn_message_is_edited_not_deleted(double, world) -> None:
    services, clock = world
    delivered = sent_to_the_followers(double, services, Content({"en": "Open day!"}))

    async def scenario() -> None:
        announcement = await delivered()
        clock.advance(hours=48)
        admin = Actor.on_telegram(ORG_ADMIN)
        await asyncio.to_thread(services.announcements.withdraw, admin, announcement)
        edits = await double.wait_for(
            "editMessageText", lambda c: c.params.get("chat_id") in FOLLOWERS, count=4, timeout=10
        )
        assert {c.params["chat_id"] for c in edits} == set(FOLLOWERS)
        assert all(c.status == 200 for c in edits)
        [english] = [c for c in edits if c.params["chat_id"] == FOLLOWER_EN]
        assert english.params["text"] == WITHDRAWN_EN
        await asyncio.sleep(0.5)

    story(double, services, scenario)
    assert double.calls_to("deleteMessage") == []
    assert withdrawals(services) == ["sent"] * 4


def test_an_audience_is_named_as_people_read_it() -> None:
    assert audience_label("topic:robotics", "sl") == "Sledilci teme Robotika"
    assert audience_label("topic:robotics", "en") == "Followers of the topic Robotics"
    assert audience_label("district:šiška", "sl", {"šiška": "Šiška"}) == "Sledilci četrti Šiška"
    # a district the city no longer lists: as kept, with a capital
    assert audience_label("district:črnuče", "en", {}) == "Followers of the district Črnuče"
    assert audience_label("followers", "sl") == "Sledilci organizacije"
