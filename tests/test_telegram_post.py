"""Posting in the chat, through the real python-telegram-bot Application and the Bot API double:
an editor of a youth centre writes a post with /post (buttons for the choices, a photo where
text was asked explained, a past date refused, a shared location for "where"), the bot is
restarted in the middle and the editor simply goes on writing; the preview is the learners'
card; published, it is in /myposts and withdrawn from there; /cancel asks whether to keep the
draft; a learner who tries /post is refused politely; a programme file is refused with its line
and field, then taken."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import delete, select

from bot.services import build_services
from store import people
from store.catalogue_import import apply_records, read_catalogue
from store.models import Opportunity, Organisation, PostDraft, StaffMember

from .badges_world import CATALOGUE, MovableClock, catalogue_lines, seed_keys, settings_for
from .botapi_double import BotApiDouble, Call
from .test_posting import WordsEmbedder
from .test_telegram import running

SISKA = "Četrtni mladinski center Šiška"
EDITOR, LEARNER = 6001, 6002


@pytest.fixture(autouse=True)
def many_messages_allowed(monkeypatch):
    """An editor answers many steps in a row; the flood control is another story's."""
    monkeypatch.setattr("bot.telegram.app.THROTTLE_MESSAGES", 100)


@pytest.fixture
def services(tmp_path, issuing_keys):
    clock = MovableClock()
    seed_keys(issuing_keys, tmp_path)
    built = build_services(settings_for(tmp_path), clock=clock, embedder=WordsEmbedder())
    with built.database.session() as session:
        records = read_catalogue(catalogue_lines(CATALOGUE))
        apply_records(session, records, built.city.slug, built.city.zone, now=clock())
        person = people.reached_on_telegram(session, EDITOR, clock())
        siska = session.scalars(select(Organisation).where(Organisation.name == SISKA)).one()
        session.add(StaffMember(organisation_id=siska.id, person_id=person.id, role="editor"))
    yield built
    built.close()


class Chat:
    """The editor's side of the chat: write, press, and wait for the bot's next words."""

    def __init__(self, double: BotApiDouble, chat_id: int) -> None:
        self.double, self.chat_id = double, chat_id

    def _to_me(self, call: Call) -> bool:
        return call.params.get("chat_id") == self.chat_id

    async def said(self, words: str, method: str = "sendMessage", times: int = 1) -> Call:
        """The `times`th message (of `method`) to the editor holding `words`, once it comes."""

        def holds(call: Call) -> bool:
            return self._to_me(call) and words in call.params.get("text", "")

        return (await self.double.wait_for(method, holds, count=times))[times - 1]

    async def next(self, after: int, method: str = "sendMessage") -> Call:
        """The bot's message after the first `after` to the editor."""
        calls = await self.double.wait_for(method, self._to_me, count=after + 1)
        return calls[after]

    def count(self, method: str = "sendMessage") -> int:
        return len([c for c in self.double.calls_to(method) if self._to_me(c)])

    async def write(self, text: str) -> Call:
        before = self.count()
        self.double.push_message(self.chat_id, text, language_code="en")
        return await self.next(before)

    async def press(self, data: str) -> Call:
        before = self.count()
        self.double.push_callback(self.chat_id, data, language_code="en")
        return await self.next(before)


def buttons(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


def draft_step(services) -> str | None:
    with services.database.session() as session:
        draft = session.scalar(select(PostDraft))
        return draft.step if draft else None


def test_an_editor_posts_across_a_restart_and_learners_can_find_it(double, services):
    editor = Chat(double, EDITOR)

    async def first_half():
        async with running(double, services):
            asked = await editor.write("/post")
            assert "In which language(s)" in asked.params["text"]
            assert "post:lang:both" in buttons(asked)
            asked = await editor.press("post:lang:sl")
            assert "Write the title in Slovenian" in asked.params["text"]
            too_long = await editor.write("x" * 301)
            assert "at most 300 characters" in too_long.params["text"]
            asked = await editor.write("Robotski večer")
            assert "Write the description in Slovenian" in asked.params["text"]
            before = editor.count()
            double.push_photo(EDITOR, language_code="en")
            explained = await editor.next(before)
            assert "I need a text here, not a photo" in explained.params["text"]
            assert "Write the description in Slovenian" in explained.params["text"]
        assert draft_step(services) == "description"

    async def second_half():  # a new Application over the same database
        async with running(double, services):
            asked = await editor.write("Sestavimo robota iz lego kock.")
            assert "What kind of opportunity" in asked.params["text"]
            asked = await editor.press("post:kind:workshop")
            assert "When does it take place?" in asked.params["text"]
            refused = await editor.write("1. 1. 2020 10:00")
            assert "That date is in the past" in refused.params["text"]
            asked = await editor.write("12. 1. 2027 17:00 - 19:00")
            assert "Where does it take place?" in asked.params["text"]
            before = editor.count()
            double.push_location(EDITOR, 46.0705, 14.4891, language_code="en")
            asked = await editor.next(before)
            assert "Who is it for?" in asked.params["text"]
            marked_before = len(double.calls_to("editMessageReplyMarkup"))
            double.push_callback(EDITOR, "post:aud:youth", language_code="en")
            [*_, marked] = await double.wait_for("editMessageReplyMarkup", count=marked_before + 1)
            assert "✅" in json.dumps(marked.params["reply_markup"], ensure_ascii=False)
            asked = await editor.press("post:done")
            assert "Which topics" in asked.params["text"]
            asked = await editor.write("robotika, lego")
            assert "How much does it cost?" in asked.params["text"]
            asked = await editor.press("post:free")
            assert "A link for more" in asked.params["text"]
            asked = await editor.press("post:skip")
            assert "offer a badge" in asked.params["text"]
            preview = await editor.press("post:skip")
            text = preview.params["text"]
            assert text.startswith("This is how learners will see it:")
            assert "<b>Robotski večer</b>" in text and SISKA in text
            assert "Sestavimo robota iz lego kock." in text
            assert buttons(preview)[:3] == ["post:publish", "post:edit", "post:discard"]

            double.push_callback(EDITOR, "post:publish", language_code="en")
            await editor.said("Published. Learners can find it", method="editMessageText")
            listing = await editor.write("/myposts")
            assert "Robotski večer" in listing.params["text"]
            assert ".jsonl" in listing.params["text"]  # how to upload a programme
            edit = next(b for b in buttons(listing) if b.startswith("mp:edit:"))
            preview = await editor.press(edit)
            assert "<b>Robotski večer</b>" in preview.params["text"]
            assert buttons(preview)[0] == "post:publish"
            menu = await editor.press("post:edit")
            assert "post:field:price" in buttons(menu)
            asked = await editor.press("post:field:price")
            assert "How much does it cost?" in asked.params["text"]
            preview = await editor.write("7,50 €")  # back at the preview after the one change
            assert "This is how learners will see it:" in preview.params["text"]
            assert "7,50" in preview.params["text"] or "7.50" in preview.params["text"]
            double.push_callback(EDITOR, "post:publish", language_code="en")
            await editor.said("Saved. Learners see the new version", method="editMessageText")
            listing = await editor.write("/myposts")
            withdraw = next(b for b in buttons(listing) if b.startswith("mp:wd:"))
            asked = await editor.press(withdraw)
            assert "Withdraw it?" in asked.params["text"]
            done = await editor.press(withdraw.replace("mp:wd:", "mp:wdok:"))
            assert "Withdrawn" in done.params["text"]

    asyncio.run(_both(first_half, second_half))
    with services.database.session() as session:
        [posted] = session.scalars(select(Opportunity).where(Opportunity.source == "chat"))
        assert posted.title_sl == "Robotski večer" and posted.withdrawn_at is not None
        assert posted.lat == pytest.approx(46.0705) and posted.audience == ["youth"]
        assert str(posted.price_eur) == "7.50"  # edited in place: still the one item
        assert session.scalar(select(PostDraft)) is None


async def _both(*halves) -> None:  # type: ignore[no-untyped-def]
    for half in halves:
        await half()


def test_cancel_asks_to_keep_the_draft_and_a_learner_is_refused(double, services):
    editor, learner = Chat(double, EDITOR), Chat(double, LEARNER)

    async def scenario():
        async with running(double, services):
            await editor.write("/post")
            await editor.press("post:lang:en")
            asked = await editor.write("/cancel")
            assert "Shall I keep the draft" in asked.params["text"]
            kept = await editor.press("post:keep")
            assert "The draft is kept" in kept.params["text"]
            assert draft_step(services) == "title"
            asked = await editor.write("/post")  # continues the draft
            assert "let us continue where you left it" in asked.params["text"]
            assert "Write the title in English" in asked.params["text"]
            await editor.write("/cancel")
            gone = await editor.press("post:discard")
            assert "discarded" in gone.params["text"]
            assert draft_step(services) is None

            refused = await learner.write("/post")
            assert "only an organisation's staff" in refused.params["text"]
            refused = await learner.write("/myposts")
            assert "only an organisation's staff" in refused.params["text"]
            before = learner.count()
            double.push_callback(LEARNER, "post:publish", language_code="en")
            await double.wait_for(
                "answerCallbackQuery",
                lambda call: "only an organisation's staff" in call.params.get("text", ""),
            )
            assert learner.count() == before  # a forged button: refused on the button itself

            before = editor.count()  # in Slovenian, a forged choice is explained
            double.push_message(EDITOR, "/post", language_code="sl")
            asked = await editor.next(before)
            assert "V katerem jeziku (ali obeh) boste napisali objavo" in asked.params["text"]
            double.push_callback(EDITOR, "post:lang:de", language_code="sl")
            again = await editor.next(before + 1)
            assert again.params["text"].startswith("⚠️ Izberite enega od gumbov.")
            assert "post:lang:both" in buttons(again)

    asyncio.run(scenario())


def test_a_programme_file_is_refused_with_its_line_and_field_then_taken(double, services):
    editor = Chat(double, EDITOR)
    good = {"id": "zima-1", "title": {"sl": "Zimska šola"}, "description": {"sl": "Pet dni."}}
    bad = {"id": "zima-2", "title": {"sl": "Šah"}, "description": {"sl": "Šah."}, "kind": "game"}

    def file_of(*records: dict) -> bytes:
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()

    with services.database.session() as session:  # a learner who follows the organisation
        follower = people.reached_on_telegram(session, LEARNER, services.clock()).id
    services.follows.follow(follower, "organisation", "cetrtni-mladinski-center-siska")

    async def scenario():
        async with running(double, services):
            double.push_document(EDITOR, "zima.jsonl", file_of(good, bad), language_code="en")
            failed = await editor.said("Nothing was saved", method="editMessageText")
            assert "line 2, field kind" in failed.params["text"]
            double.push_document(EDITOR, "zima.jsonl", file_of(good), language_code="en")
            done = await editor.said("Done: 1 new", method="editMessageText")
            assert "Searchable now" in done.params["text"]
            news = await Chat(double, LEARNER).said("Zimska šola")  # through the outbox
            assert news.params["text"].startswith("🔔 <b>New, from what you follow</b>")

    asyncio.run(scenario())
    with services.database.session() as session:
        [item] = session.scalars(select(Opportunity).where(Opportunity.source == "upload"))
        assert item.external_id.endswith("/zima-1")


FORGED = ["post:", "post:lang:xx", "post:top:²", "post:field:nowhere", "mp:wd:²", "mp:page:abc"]
FORGED += ["mp:edit:99999", "mp:wdok:99999", "mp:nothing"]


def test_forged_buttons_from_an_editor_are_answered_and_change_nothing(double, services):
    with services.database.session() as session:
        others = session.scalar(select(Opportunity.id).where(Opportunity.external_id == "lj-a1"))

    async def scenario():
        async with running(double, services):
            for data in [*FORGED, f"mp:edit:{others}", f"mp:wdok:{others}"]:
                double.push_callback(EDITOR, data, language_code="en")
                await asyncio.sleep(0.05)
            await double.wait_for("answerCallbackQuery", count=len(FORGED) + 2, timeout=30)
            await asyncio.sleep(0.5)
            said = [c.params.get("text", "") for c in double.calls_to("sendMessage")]
            assert not [t for t in said if "went wrong" in t]  # nothing failed on our side
            refused = "Sorry, only an organisation's staff can do that."
            answered = [c.params.get("text", "") for c in double.calls_to("answerCallbackQuery")]
            # no such item, or another organisation's: said at the press, or in the chat when the
            # press was answered before the use case refused
            assert answered.count(refused) + said.count(refused) == 4

    asyncio.run(scenario())
    with services.database.session() as session:
        assert session.get_one(Opportunity, others).withdrawn_at is None
        assert session.scalar(select(PostDraft)) is None


def test_an_editor_removed_from_the_staff_mid_draft_is_refused(double, services):
    editor = Chat(double, EDITOR)

    async def scenario():
        async with running(double, services):
            await editor.write("/post")
            asked = await editor.press("post:lang:sl")
            assert "Write the title in Slovenian" in asked.params["text"]
            with services.database.session() as session:
                session.execute(delete(StaffMember))
            refused = await editor.write("Robotski večer")
            assert "only an organisation's staff" in refused.params["text"]
            refused = await editor.write("/post")
            assert "only an organisation's staff" in refused.params["text"]

    asyncio.run(scenario())
    assert draft_step(services) == "title"  # nothing written into it
