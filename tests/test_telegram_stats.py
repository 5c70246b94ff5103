"""Organisations' numbers and the learner's data in the chat, through the real python-telegram-bot
Application and the Bot API double: a search shows items and their organisation's counts go up
(shown, opened, saved), /stats answers an editor with the numbers and buttons for another
period and refuses a learner, and /mydata sends the learner a JSON file of everything stored
about them."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from bot.services import build_services
from store import follows, people, usage
from store.models import Base, Opportunity, Organisation, StaffMember, UsageCount

from .badges_world import (
    CATALOGUE,
    LEARNER,
    MovableClock,
    catalogue_lines,
    load_catalogue,
    seed_keys,
    settings_for,
)
from .chat_calls import to
from .test_telegram import running
from .test_telegram_badges import NoFreeText, WordsEmbedder

EDITOR = 4242
SISKA = "Četrtni mladinski center Šiška"


@pytest.fixture
def world(tmp_path, issuing_keys):
    """The badges' small world (the youth centre's robotics workshop among them), without
    search: /stats and /mydata need none."""
    seed_keys(issuing_keys, tmp_path)
    services = build_services(
        settings_for(tmp_path),
        clock=MovableClock(),
        embedder=WordsEmbedder(),
        interpreter=NoFreeText(),
    )
    load_catalogue(services, CATALOGUE)
    yield services
    services.close()


@pytest.fixture(autouse=True)
def many_presses_allowed(monkeypatch):
    monkeypatch.setattr("bot.telegram.app.THROTTLE_MESSAGES", 100)


def buttons_of(call) -> list[dict]:  # type: ignore[no-untyped-def]
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def siska_of(services, club: str = "lj-0013") -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The youth centre's id, and its robotics club's (the demo's, or the badges world's)."""
    with services.database.session() as session:
        organisation = session.scalar(select(Organisation.id).where(Organisation.name == SISKA))
        item = session.scalar(select(Opportunity.id).where(Opportunity.external_id == club))
        return organisation, item


def counts(services, organisation_id: int) -> dict[tuple[str, int], int]:  # type: ignore[no-untyped-def]
    today = services.clock().date()
    with services.database.session() as session:
        return usage.totals(session, organisation_id, today, today)


async def counted(services, organisation_id: int, key, n: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until the count of `key` is `n` (it is written just after the reply is sent)."""
    for _ in range(200):
        if counts(services, organisation_id).get(key, 0) == n:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{key} is {counts(services, organisation_id).get(key)}, not {n}")


def test_a_search_counts_shown_items_then_the_details_and_the_save(double, tmp_path, world):
    """A search by the deep link (/start robotika: no free text to understand), its details
    opened and the item saved: each counted once, for the item's organisation alone."""
    catalogue = tmp_path / "catalogue.jsonl"
    catalogue.write_text("\n".join(catalogue_lines()) + "\n", encoding="utf-8")
    world.catalogue.import_file(catalogue)  # searchable now (a small stand-in embedder)
    siska, club = siska_of(world, "lj-robotika")

    async def scenario():
        async with running(double, world):
            double.push_message(LEARNER, "/start robotska-delavnica", language_code="sl")
            [_, answer] = await double.wait_for("sendMessage", to(LEARNER), count=2)
            assert "Robotska delavnica" in answer.params["text"]
            await counted(world, siska, (usage.SHOWN, club), 1)
            double.push_callback(LEARNER, f"det:{club}", language_code="sl")
            await double.wait_for("sendMessage", to(LEARNER), count=3)
            await counted(world, siska, (usage.VIEWED, club), 1)
            double.push_callback(LEARNER, f"sav:{club}", language_code="sl")
            await counted(world, siska, (usage.SAVED, club), 1)
            double.push_callback(LEARNER, f"sav:{club}", language_code="sl")  # again: no new save
            double.push_message(LEARNER, "/start robotska-delavnica", language_code="sl")
            await counted(world, siska, (usage.SHOWN, club), 2)
            assert counts(world, siska)[(usage.SAVED, club)] == 1

    asyncio.run(scenario())
    with world.database.session() as session:  # each count is its item's organisation's
        rows = session.execute(
            select(UsageCount.organisation_id, Opportunity.organisation_id).join(
                Opportunity, Opportunity.id == UsageCount.opportunity_id
            )
        ).all()
    assert rows and all(counted_for == owner for counted_for, owner in rows)


def test_stats_answers_an_editor_with_the_numbers_and_refuses_a_learner(double, world):
    siska, club = siska_of(world, "lj-robotika")
    today = world.clock().date()
    with world.database.session() as session:
        editor = people.seen(session, EDITOR, world.clock())
        session.add(StaffMember(organisation_id=siska, person_id=editor.id, role="editor"))
        usage.add(session, today, [(siska, usage.SHOWN, club)] * 12)
        usage.add(session, today, [(siska, usage.SAVED, club)] * 2)

    async def scenario():
        async with running(double, world):
            double.push_message(EDITOR, "/stats", language_code="sl")
            [answer] = await double.wait_for("sendMessage", to(EDITOR))
            lines = answer.params["text"].split("\n")
            assert lines[0] == f"Številke za {SISKA}, 17.–23. nov. 2026 (zadnjih 7 dni):"
            assert "• 12 prikazov med rezultati iskanja" in lines
            assert "• 2 shranitvi" in lines
            assert "Sledilci zdaj: 0" in lines
            assert str(LEARNER) not in answer.params["text"]
            periods = [b["callback_data"] for b in buttons_of(answer)]
            assert periods == ["stats:7d", "stats:30d", "stats:year"]

            double.push_callback(EDITOR, "stats:year", language_code="sl")
            [edit] = await double.wait_for("editMessageText", to(EDITOR))
            assert edit.params["text"].startswith(
                f"Številke za {SISKA}, 1. jan.–23. nov. 2026 (letos):"
            )

            double.push_message(EDITOR, "/stats 2026-11-30 2026-11-01", language_code="en")
            [*_, wrong] = await double.wait_for("sendMessage", to(EDITOR), count=2)
            assert wrong.params["text"].startswith("Write /stats alone for the last 7 days")

            double.push_message(LEARNER, "/start", language_code="sl")
            await double.wait_for("sendMessage", to(LEARNER))
            double.push_message(LEARNER, "/stats", language_code="sl")
            [_, refused] = await double.wait_for("sendMessage", to(LEARNER), count=2)
            assert (
                refused.params["text"] == "Oprostite, to lahko storijo le sodelavci organizacije."
            )
            double.push_callback(LEARNER, "stats:30d", language_code="sl")
            [toast] = await double.wait_for(
                "answerCallbackQuery",
                lambda c: c.params.get("text") == refused.params["text"],
            )
            assert toast is not None

    asyncio.run(scenario())
    assert len(double.calls_to("editMessageText")) == 1  # the learner's press changed nothing


def test_mydata_sends_everything_stored_as_a_json_file(double, world):
    _siska, club = siska_of(world, "lj-robotika")

    async def scenario():
        async with running(double, world):
            double.push_message(LEARNER, "/start", language_code="sl")
            await double.wait_for("sendMessage", to(LEARNER))
            double.push_callback(LEARNER, f"sav:{club}", language_code="sl")
            await double.wait_for("sendMessage", to(LEARNER), count=2)
            with world.database.session() as session:
                teen = people.by_telegram_id(session, LEARNER)
                follows.follow(
                    session, teen.id, "organisation", "mc-siska", "ljubljana", world.clock()
                )
            double.push_message(LEARNER, "/mydata", language_code="sl")
            [document] = await double.wait_for("sendDocument", to(LEARNER))
            *_, summary, last = double.sent_messages(LEARNER)
            assert last.method == "sendDocument"  # the file comes below the short summary
            assert summary.params["text"].startswith("O vas hranim: ")
            assert "Shranili ste 1 priložnost" in summary.params["text"]
            assert document.params["document"]["filename"] == "colbot-mydata.json"
            assert document.params["caption"] == "Vse, kar hranim o vas, v datoteki (JSON)."
            exported = json.loads(document.uploads["document"])
            assert exported["format"] == "colbot-mydata/1"
            assert exported["person"]["telegram_id"] == LEARNER
            assert [s["opportunity"] for s in exported["saved_opportunities"]] == ["lj-robotika"]
            assert [(f["kind"], f["key"]) for f in exported["follows"]] == [
                ("organisation", "mc-siska")
            ]
            assert exported["badges"] == [] and exported["staff_roles"] == []

    asyncio.run(scenario())


def test_a_location_shared_for_a_search_is_stored_nowhere(double, world):
    """Privacy: the place a learner shares to search near is used for their searches and kept in
    nothing that lasts: no table holds it, /mydata has nothing of it."""
    lat, lon = 46.05123, 14.51234  # digits no catalogue item or place has

    def stored_anywhere() -> list[str]:
        found = []
        with world.database.session() as session:
            for table in Base.metadata.sorted_tables:
                for row in session.execute(select(table)):
                    text = repr(tuple(row))
                    if "46.0512" in text or "14.5123" in text:
                        found.append(table.name)
        return found

    async def scenario():
        async with running(double, world):
            double.push_location(LEARNER, lat, lon, language_code="sl")
            await double.wait_for("sendMessage", to(LEARNER))
            double.push_message(LEARNER, "robotika", language_code="sl")
            await double.wait_for("sendMessage", to(LEARNER), count=2)
            double.push_message(LEARNER, "/mydata", language_code="sl")
            [document] = await double.wait_for("sendDocument", to(LEARNER))
            exported = document.uploads["document"].decode()
            assert "46.0512" not in exported and "14.5123" not in exported
            assert people_exist(world), "the person is stored (so the scan looks at their row)"
            assert stored_anywhere() == []

    asyncio.run(scenario())


def people_exist(world) -> bool:  # type: ignore[no-untyped-def]
    with world.database.session() as session:
        return people.by_telegram_id(session, LEARNER) is not None
