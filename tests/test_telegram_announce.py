"""/announce and /announcements through the real python-telegram-bot Application and the Bot API
double: an editor is refused; an administrator writes (a sticker and a text over the limit are
explained and asked again), adds the other language and a link, chooses the audience by its
count, previews, sends now; followers get it in their language from the outbox, blocked and
flooded chats are handled, the one progress message ends with the counts; /announcements
withdraws it (deleted). A photo announcement is scheduled (a time that cannot be read, then one
in the past, are refused), and /cancel leaves a conversation at any step."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.services import Services, build_services
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


HUMAN_PAUSE = 0.2  # seconds: a person reads the question before answering (the conversation's
# state moves once the handler that asked has returned)


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
