"""/delete and /forget through the real python-telegram-bot Application and the Bot API double:
both ask before anything is deleted (a button to delete, one to keep everything); keeping
deletes nothing, deleting deletes the person and what they follow; a person of whom nothing is
stored is told so, and is not stored by asking; both commands are in the menu, in both
languages. (A person with badges chooses what becomes of them: tests/test_telegram_badges.py.)
The stories never search: a small stand-in embedder, and an interpreter that fails if asked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.services import Services, build_services
from store import follows, people
from store.models import Follow, Person

from .badges_world import START, MovableClock, settings_for
from .botapi_double import BotApiDouble
from .chat_calls import buttons, to
from .test_telegram import running
from .test_telegram_badges import NoFreeText, WordsEmbedder

LEARNER, NEWCOMER = 9201, 9202
ASKED_SL = (
    "Naj izbrišem vse, kar hranim o vas: vaše izbire, shranjene priložnosti in to, kar "
    "spremljate? Izbrisanega ni mogoče obnoviti."
)
DELETED_SL = "Izbrisal sem vse, kar sem hranil o vas. Če mi spet pišete, začnem od začetka."


@pytest.fixture
def services(tmp_path) -> Iterator[Services]:
    """A learner who follows a topic; nothing else."""
    built = build_services(
        settings_for(tmp_path),
        clock=MovableClock(),
        embedder=WordsEmbedder(),
        interpreter=NoFreeText(),
    )
    with built.database.session() as session:
        learner = people.seen(session, LEARNER, START, "sl")
        follows.follow(session, learner.id, "topic", "robotika", built.city.slug, START)
    yield built
    built.close()


def story(double: BotApiDouble, services: Services, scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with running(double, services):
            await scenario()

    asyncio.run(main())


def stored(services: Services, telegram_id: int) -> tuple[bool, int]:
    """Whether the person is stored, and how many follows are stored at all."""
    with services.database.session() as session:
        person = people.by_telegram_id(session, telegram_id)
        return person is not None, int(session.scalar(select(func.count()).select_from(Follow)))


def test_forget_asks_first_keeping_deletes_nothing_and_delete_then_deletes(double, services):
    async def scenario() -> None:
        double.push_message(LEARNER, "/forget", language_code="sl")
        [question] = await double.wait_for("sendMessage", to(LEARNER))
        assert question.params["text"] == ASKED_SL
        assert [(b["text"], b["callback_data"]) for b in buttons(question)] == [
            ("Izbriši vse", "forget:yes"),
            ("Ne briši ničesar", "forget:no"),
        ]
        await asyncio.sleep(0.3)
        assert stored(services, LEARNER) == (True, 1)  # nothing deleted before the answer

        double.push_callback(LEARNER, "forget:no", language_code="sl")
        [_, kept] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert kept.params["text"] == "Ničesar nisem izbrisal; vse ostaja, kot je bilo."
        await double.wait_for("editMessageReplyMarkup", to(LEARNER))  # its buttons are gone
        assert stored(services, LEARNER) == (True, 1)

        double.push_message(LEARNER, "/delete", language_code="sl")
        [*_, again] = await double.wait_for("sendMessage", to(LEARNER), count=3)
        assert again.params["text"] == ASKED_SL
        double.push_callback(LEARNER, "forget:yes", language_code="sl")
        [*_, done] = await double.wait_for("sendMessage", to(LEARNER), count=4)
        assert done.params["text"] == DELETED_SL
        await asyncio.sleep(0.3)
        assert stored(services, LEARNER) == (False, 0)

    story(double, services, scenario)
    for lang in ("sl", "en"):
        menu = double.menu(LEARNER, lang)
        assert "delete" in menu and "forget" in menu


def test_forget_asks_in_english_too(double, services):
    async def scenario() -> None:
        double.push_message(LEARNER, "/forget", language_code="en")
        [question] = await double.wait_for("sendMessage", to(LEARNER))
        assert question.params["text"] == (
            "Shall I delete everything I store about you: your choices, saved opportunities and "
            "what you follow? It cannot be undone."
        )
        assert [b["text"] for b in buttons(question)] == [
            "Delete everything",
            "Do not delete anything",
        ]
        double.push_callback(LEARNER, "forget:no", language_code="en")
        [_, kept] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert kept.params["text"] == "I have deleted nothing; everything stays as it was."

    story(double, services, scenario)
    assert stored(services, LEARNER) == (True, 1)


def test_one_of_whom_nothing_is_stored_is_told_so_and_not_stored(double, services):
    async def scenario() -> None:
        double.push_message(NEWCOMER, "/delete", language_code="sl")
        [answer] = await double.wait_for("sendMessage", to(NEWCOMER))
        assert answer.params["text"] == "O vas ne hranim ničesar."
        assert "reply_markup" not in answer.params or not answer.params["reply_markup"].get(
            "inline_keyboard"
        )
        await asyncio.sleep(0.3)

    story(double, services, scenario)
    with services.database.session() as session:
        assert session.scalar(select(Person).where(Person.telegram_id == NEWCOMER)) is None
