"""Badges in the chat, through the real python-telegram-bot Application and the Bot API double:
a learner opens a claim link and gets the badge as a document that verifies, guesses are
stopped, evidence is reviewed by the organisation's administrators (approved, or rejected with
a reason the learner reads), a forged button does nothing, a learner who blocked the bot gets
the badge when they come back, /mybadges pages and exports, /email, /mydata and /delete.

The stories never search: the services are built with a small stand-in embedder (the knowledge
base is embedded when the bot starts) and an interpreter that fails if asked. The clock stands
still unless a story moves it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from sqlalchemy import delete, func, select

from badges.claims import MAX_FAILED
from bot.i18n import format_day
from bot.services import Services, build_services
from openbadges import baking
from openbadges.verify import verify
from store import people
from store.models import Award, EvidenceSubmission, OutboxMessage, Person

from .badges_world import (
    ADMIN,
    AS_ADMIN,
    CATALOGUE,
    LEARNER,
    SECOND,
    THIRD,
    FakeWeb,
    MovableClock,
    code_of,
    load_catalogue,
    seed_keys,
    settings_for,
)
from .botapi_double import BotApiDouble, Call
from .chat_calls import buttons, saying, to
from .test_telegram import running

SISKA = "Četrtni mladinski center Šiška"
WORKSHOPS = [  # four more badges, so that a learner can hold six
    {
        "id": f"lj-delavnica-{n}",
        "title": {"sl": f"Delavnica {n}", "en": f"Workshop {n}"},
        "description": {"sl": "Delavnica.", "en": "A workshop."},
        "organisation": "Knjižnica Otona Župančiča",
        "kind": "workshop",
        "badge": {"name": {"sl": f"Znanje {n}", "en": f"Skill {n}"}},
    }
    for n in range(1, 5)
]


class WordsEmbedder:
    """A stand-in embedder (hashed words): the knowledge base is embedded when the bot starts,
    and these stories never search."""

    name = "test-hashed-words"
    dim = 32

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        vectors = np.full((len(texts), self.dim), 1e-3, dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, int(hashlib.sha1(word.encode()).hexdigest(), 16) % self.dim] += 1
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    embed_passages = embed_queries


class NoFreeText:
    def parse(self, text: str):  # type: ignore[no-untyped-def]
        raise AssertionError(f"these stories write nothing to understand: {text!r}")


@pytest.fixture
def world(tmp_path, issuing_keys) -> Iterator[tuple[Services, MovableClock]]:
    """The badges' small world (a youth centre's robotics badge, a Slovenian course's badge,
    four workshops' badges) as the bot builds it, with ADMIN as its administrator."""
    clock = MovableClock()
    seed_keys(issuing_keys, tmp_path)
    services = build_services(
        settings_for(tmp_path), clock=clock, embedder=WordsEmbedder(), interpreter=NoFreeText()
    )
    load_catalogue(services, CATALOGUE + WORKSHOPS)
    yield services, clock
    services.close()


@pytest.fixture(autouse=True)
def many_presses_allowed(monkeypatch):
    """These stories press many buttons in a row; the flood control is another story's."""
    monkeypatch.setattr("bot.telegram.app.THROTTLE_MESSAGES", 100)


def button(call: Call, starting: str) -> str:
    """The callback data of the message's button whose data starts with `starting`."""
    return next(
        b["callback_data"] for b in buttons(call) if b.get("callback_data", "").startswith(starting)
    )


def badge_chunks(png: bytes) -> list[str]:
    """The keywords of the PNG's iTXt chunks."""
    return [c.data.split(b"\0", 1)[0].decode() for c in baking.chunks(png) if c.kind == b"iTXt"]


def awards_of(services: Services, telegram_id: int) -> list[Award]:
    with services.database.session() as session:
        person = people.by_telegram_id(session, telegram_id)
        if person is None:
            return []
        return list(session.scalars(select(Award).where(Award.person_id == person.id)))


def count(services: Services, model) -> int:  # type: ignore[no-untyped-def]
    with services.database.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def claim_code(services: Services, opportunity: str = "lj-robotika", **options) -> str:
    return code_of(services.badges.claim_link(AS_ADMIN, opportunity, **options).link)


async def outbox_row_when(services: Services, check, timeout: float = 10.0) -> OutboxMessage:  # type: ignore[no-untyped-def]
    """The outbox's one row, once `check(row)` holds (an outcome is recorded just after
    Telegram answers)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with services.database.session() as session:
            row = session.scalar(select(OutboxMessage))
            if row is not None and check(row):
                return row
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the outbox row is still {row.status if row else None!r}")
        await asyncio.sleep(0.05)


def story(double: BotApiDouble, services: Services, scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with running(double, services) as app:
            await scenario(app)

    asyncio.run(main())


# ---- a claim link ----------------------------------------------------------------------------------
def test_a_learner_opens_the_claim_link_and_gets_the_badge_as_a_document_that_verifies(
    double, world
):
    services, clock = world
    code = claim_code(services)

    async def scenario(app):
        double.push_message(LEARNER, f"/start badge-{code}", language_code="sl")  # a first message
        [said] = await double.wait_for("sendMessage", to(LEARNER))
        assert said.params["text"] == (
            "🏅 Značka <b>Mladi robotik</b> je vaša! Takoj vam jo pošljem."
        )
        assert said.params["reply_markup"]["keyboard"][2][0]["text"] == "Moje značke"
        [sent] = await double.wait_for("sendDocument", to(LEARNER), timeout=15)
        png = sent.uploads["document"]
        assert sent.params["document"]["filename"] == "Mladi-robotik.png"
        assert sent.params["disable_content_type_detection"] is True
        caption = sent.params["caption"]
        assert caption.startswith(
            "🏅 <b>Mladi robotik</b>\nPrejeli ste značko, ki jo podeljuje " + SISKA
        )
        assert badge_chunks(png) == ["openbadges"]  # exactly one: the OB 2.0 assertion
        verdict = verify(png, FakeWeb(services), now=clock())
        assert verdict.valid, verdict.reasons
        assert verdict.facts.get("issuer") in (None, SISKA)

        [award] = awards_of(services, LEARNER)
        urls = services.badges.urls
        links = {b["text"]: b["url"] for b in buttons(sent)}
        assert links["✅ Preveri"] == urls.assertion(award.public_id)
        assert links["🔗 Deli"] == urls.public_page(award.public_id)
        assert links["⬇️ Open Badges 3.0"] == urls.credential(award.public_id)
        linkedin = urlsplit(links["💼 Dodaj na LinkedIn"])
        assert (linkedin.netloc, linkedin.path) == ("www.linkedin.com", "/profile/add")
        assert parse_qs(linkedin.query) == {
            "startTask": ["CERTIFICATION_NAME"],
            "name": ["Mladi robotik"],
            "organizationName": [SISKA],
            "issueYear": ["2026"],
            "issueMonth": ["11"],
            "certUrl": [urls.public_page(award.public_id)],
            "certId": [award.public_id],
        }
        # it went through the outbox, once (its outcome is recorded just after Telegram answers)
        row = await outbox_row_when(services, lambda row: row.status != "sending")
        assert (row.kind, row.status) == ("badge", "sent")
        assert row.telegram_message_ids == [sent.result["message_id"]]

        double.push_message(LEARNER, f"/start badge-{code}", language_code="sl")  # once more
        await double.wait_for("sendMessage", saying(LEARNER, "že imate"))
        assert double.calls_to("sendMessage")[-1].params["text"] == (
            "Značko <b>Mladi robotik</b> že imate. Z /mybadges si jo ogledate."
        )
        await asyncio.sleep(1.5)  # a drainer run or two: nothing more is sent
        assert len(double.calls_to("sendDocument")) == 1

    story(double, services, scenario)


def test_five_guessed_codes_and_the_learner_is_asked_to_wait_then_may_try_again(double, world):
    services, clock = world
    real = claim_code(services, "lj-a1")

    async def scenario(app):
        for guess in range(MAX_FAILED):
            double.push_message(SECOND, f"/start badge-{'x' * 31}{guess}", language_code="en")
            await double.wait_for("sendMessage", to(SECOND), count=guess + 1)
        answers = [c.params["text"] for c in double.sent_messages(SECOND)]
        assert (
            answers
            == [
                "I do not know this badge code. Check that you opened the whole link, or ask the "
                "organiser for a new one."
            ]
            * MAX_FAILED
        )
        double.push_message(SECOND, f"/start badge-{real}", language_code="en")  # even the real one
        [*_, wait] = await double.wait_for("sendMessage", to(SECOND), count=MAX_FAILED + 1)
        assert wait.params["text"] == (
            "Too many badge codes did not work. Please try again in 10 minutes."
        )
        assert awards_of(services, SECOND) == []
        clock.advance(minutes=11)
        double.push_message(SECOND, f"/start badge-{real}", language_code="en")
        [*_, awarded] = await double.wait_for("sendMessage", to(SECOND), count=MAX_FAILED + 2)
        assert awarded.params["text"] == (
            "🏅 The badge <b>Slovenian A1</b> is yours! I am sending it to you now."
        )
        [sent] = await double.wait_for("sendDocument", to(SECOND), timeout=15)
        assert sent.params["document"]["filename"] == "Slovenian-A1.png"
        assert sent.params["caption"].startswith("🏅 <b>Slovenian A1</b>\nYou have earned a badge")

    story(double, services, scenario)


def test_a_claim_link_that_expired_or_was_used_says_so(double, world):
    services, clock = world
    used = claim_code(services, "lj-a1")
    late = claim_code(services, "lj-robotika", valid_days=1)
    services.badges.redeem(_person(services, THIRD), used)

    async def scenario(app):
        double.push_message(LEARNER, f"/start badge-{used}", language_code="sl")
        [said] = await double.wait_for("sendMessage", to(LEARNER))
        assert said.params["text"].startswith("Ta povezava do značke je že bila uporabljena.")
        clock.advance(days=2)
        double.push_message(LEARNER, f"/start badge-{late}", language_code="sl")
        [_, expired] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert expired.params["text"] == (
            "Ta povezava do značke je potekla. Organizatorja prosite za novo."
        )
        double.push_callback(LEARNER, "do:claim_badge", language_code="sl")  # "how do I claim?"
        [*_, how] = await double.wait_for("sendMessage", to(LEARNER), count=3)
        assert "kodo QR" in how.params["text"] and "/mybadges" in how.params["text"]

    story(double, services, scenario)


def _person(services: Services, telegram_id: int) -> int:
    with services.database.session() as session:
        return people.seen(session, telegram_id, services.clock()).id


# ---- evidence --------------------------------------------------------------------------------------
def test_evidence_a_photo_approved_by_the_administrator_becomes_the_badge(double, world):
    services, clock = world
    code = claim_code(services, needs_evidence=True)

    async def scenario(app):
        double.push_message(ADMIN, "/start", language_code="en")  # the administrator reads English
        await double.wait_for("sendMessage", to(ADMIN))
        double.push_message(LEARNER, f"/start badge-{code}", language_code="sl")
        [asked] = await double.wait_for("sendMessage", to(LEARNER))
        assert asked.params["text"].split("\n") == [
            "Za značko <b>Mladi robotik</b> pokažite, kaj ste naredili.",
            "V naslednjem sporočilu pošljite fotografijo, datoteko, povezavo ali nekaj stavkov; "
            "organizator si jih bo ogledal. Z /cancel prekinete.",
        ]
        photo = double.push_photo(LEARNER, language_code="sl")["message"]["photo"][-1]
        [_, thanks] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert thanks.params["text"].startswith("Hvala! Dokazilo za značko <b>Mladi robotik</b>")

        [review] = await double.wait_for("sendPhoto", to(ADMIN))
        assert review.params["photo"] == photo["file_id"]  # the learner's photo, by its file_id
        assert review.params["caption"].startswith(
            "📝 <b>Evidence for a badge</b>\nBadge: <b>Young roboticist</b>"
        )
        approve, reject = (b["callback_data"] for b in buttons(review))
        assert approve.startswith("revok:") and reject.startswith("revno:")

        double.push_callback(LEARNER, approve, language_code="sl")  # a forged press
        [*_, refused] = await double.wait_for("sendMessage", to(LEARNER), count=3)
        assert refused.params["text"] == "Dokazila lahko pregledujejo le skrbniki organizacije."
        double.push_callback(LEARNER, reject, language_code="sl")
        [*_, refused] = await double.wait_for("sendMessage", to(LEARNER), count=4)
        assert refused.params["text"] == "Dokazila lahko pregledujejo le skrbniki organizacije."
        assert app.user_data[LEARNER].rejecting is None
        assert awards_of(services, LEARNER) == []  # nothing happened
        with services.database.session() as session:
            assert session.scalar(select(EvidenceSubmission.status)) == "pending"

        double.push_message(ADMIN, "/reviews", language_code="en")  # what waits, again
        [_, listed] = await double.wait_for("sendPhoto", to(ADMIN), count=2)
        assert buttons(listed) == buttons(review)

        double.push_callback(
            ADMIN, approve, message_id=review.result["message_id"], language_code="en"
        )
        await double.wait_for("sendMessage", saying(ADMIN, "Approved: the learner gets the badge"))
        [edit] = await double.wait_for("editMessageReplyMarkup", to(ADMIN))
        assert edit.params["message_id"] == review.result["message_id"]  # its buttons are gone
        [sent] = await double.wait_for("sendDocument", to(LEARNER), timeout=15)
        assert sent.params["caption"].startswith("🏅 <b>Mladi robotik</b>")
        assert verify(sent.uploads["document"], FakeWeb(services), now=clock()).valid

        double.push_callback(
            ADMIN, approve, message_id=listed.result["message_id"], language_code="en"
        )
        await double.wait_for(
            "sendMessage", saying(ADMIN, "This evidence has already been reviewed.")
        )
        assert len(awards_of(services, LEARNER)) == 1

    story(double, services, scenario)


def test_evidence_approved_after_the_lists_expiry_is_explained_to_the_reviewer(double, world):
    """The participants' list said the badge expires on a day that passed before the review: the
    reviewer reads why nothing was awarded (not "already reviewed"), in their language, and the
    evidence can still be rejected."""
    services, clock = world
    day = (clock() + timedelta(days=10)).date()
    listed = f"label,email,expires\nAna Novak,,{day.isoformat()}\n"
    [link] = services.badges.participant_links(AS_ADMIN, "lj-robotika", listed, needs_evidence=True)

    async def scenario(app):
        double.push_message(LEARNER, f"/start badge-{code_of(link.link)}", language_code="sl")
        await double.wait_for("sendMessage", to(LEARNER))
        double.push_message(LEARNER, "Zgradil sem robota, ki sledi črti.", language_code="sl")
        [review] = await double.wait_for("sendMessage", to(ADMIN))
        approve, _reject = (b["callback_data"] for b in buttons(review))
        clock.advance(days=11)

        double.push_callback(ADMIN, approve, language_code="sl")
        [*_, told] = await double.wait_for("sendMessage", to(ADMIN), count=2)
        shown = format_day(datetime.combine(day, time(12), services.city.zone), "sl")
        assert told.params["text"] == (
            f"Seznam udeležencev je določil, da ta značka poteče {shown}, ta dan pa je že minil: "
            "če bi dokazilo odobrili zdaj, bi udeleženec dobil že potečeno značko, zato ni bilo "
            "podeljeno nič. Dokazilo lahko še vedno zavrnete in udeležencu napišete razlog."
        )
        assert awards_of(services, LEARNER) == []
        with services.database.session() as session:
            assert session.scalar(select(EvidenceSubmission.status)) == "pending"

    story(double, services, scenario)


def test_evidence_sent_after_a_restart_of_the_bot_still_reaches_the_review(double, world):
    """The bot restarts between "show what you made" and the learner's answer: the answer is
    still taken as the evidence (the database remembered the claim, never its code)."""
    services, _clock = world
    code = claim_code(services, needs_evidence=True)

    async def main() -> None:
        async with running(double, services):
            double.push_message(LEARNER, f"/start badge-{code}", language_code="sl")
            [asked] = await double.wait_for("sendMessage", to(LEARNER))
            assert asked.params["text"].startswith("Za značko <b>Mladi robotik</b>")
        async with running(double, services):  # a new process: nothing in memory
            double.push_message(LEARNER, "Zgradil sem robota, ki sledi črti.", language_code="sl")
            [_, thanks] = await double.wait_for("sendMessage", to(LEARNER), count=2)
            assert thanks.params["text"].startswith(
                "Hvala! Dokazilo za značko <b>Mladi robotik</b>"
            )
            await double.wait_for("sendMessage", to(ADMIN))  # the review reaches the administrator
        with services.database.session() as session:
            assert session.scalar(select(EvidenceSubmission.text)) == (
                "Zgradil sem robota, ki sledi črti."
            )

    asyncio.run(main())


def test_evidence_rejected_with_a_reason_that_reaches_the_learner_in_slovenian(double, world):
    services, _clock = world
    code = claim_code(services, needs_evidence=True)

    async def scenario(app):
        double.push_message(LEARNER, f"/start badge-{code}", language_code="sl")
        await double.wait_for("sendMessage", to(LEARNER))
        double.push_sticker(LEARNER, language_code="sl")  # not evidence: what is needed, again
        [*_, again] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert again.params["text"] == (
            "Prosim, pošljite fotografijo, datoteko, povezavo ali nekaj stavkov. Z /cancel prekinete."
        )
        double.push_message(LEARNER, "Zgradil sem robota. " * 120, language_code="sl")  # too long
        [*_, long] = await double.wait_for("sendMessage", to(LEARNER), count=3)
        assert long.params["text"] == "To je predolgo: največ 2000 znakov. Prosim, napišite krajše."
        huge = b"%PDF-1.4 " + b"0" * (20 * 1024 * 1024)  # over 20 MB
        double.push_document(LEARNER, "porocilo.pdf", huge, language_code="sl")
        [*_, large] = await double.wait_for("sendMessage", to(LEARNER), count=4)
        assert large.params["text"].startswith("Datoteka je prevelika: največ 20 MB.")
        assert count(services, EvidenceSubmission) == 0  # nothing was kept of any of these

        double.push_message(
            LEARNER, "Zgradil sem robota Žigo & <b>ga predstavil</b>.", language_code="sl"
        )
        await double.wait_for("sendMessage", saying(LEARNER, "Hvala!"))
        [review] = await double.wait_for("sendMessage", to(ADMIN))
        text = review.params["text"]
        assert (
            "<blockquote>Zgradil sem robota Žigo &amp; &lt;b&gt;ga predstavil&lt;/b&gt;.</blockquote>"
            in text
        )
        assert count(services, EvidenceSubmission) == 1

        double.push_callback(ADMIN, button(review, "revno:"), language_code="sl")
        await double.wait_for("sendMessage", saying(ADMIN, "Zakaj dokazilo ne zadošča?"))
        double.push_message(ADMIN, "Ni dovolj. " * 60, language_code="sl")
        await double.wait_for("sendMessage", saying(ADMIN, "To je predolgo: največ 500 znakov."))
        double.push_message(ADMIN, "Na posnetku ni robota; pošlji fotografijo.", language_code="sl")
        await double.wait_for("sendMessage", saying(ADMIN, "Zavrnjeno."))
        [reason] = await double.wait_for(
            "sendMessage", saying(LEARNER, "ni bilo sprejeto"), timeout=15
        )
        assert reason.params["text"].split("\n") == [
            "Vaše dokazilo za značko <b>Mladi robotik</b> ni bilo sprejeto.",
            "Organizator je zapisal: <i>Na posnetku ni robota; pošlji fotografijo.</i>",
            "Lahko pošljete novo dokazilo: znova odprite povezavo do značke.",
        ]
        assert awards_of(services, LEARNER) == []

        double.push_message(LEARNER, f"/start badge-{code}", language_code="sl")  # and again
        await double.wait_for("sendMessage", saying(LEARNER, "pokažite, kaj ste naredili"), count=2)
        double.push_message(LEARNER, "/cancel", language_code="sl")
        await double.wait_for("sendMessage", saying(LEARNER, "dokazila ne čakam več"))
        double.push_photo(LEARNER, language_code="sl")  # no longer evidence
        await double.wait_for("sendMessage", saying(LEARNER, "Berem besedilo in lokacije"))
        assert count(services, EvidenceSubmission) == 1

    story(double, services, scenario)


# ---- delivery through the outbox ---------------------------------------------------------------------
def test_a_learner_who_blocked_the_bot_gets_the_badge_when_they_write_again(double, world):
    services, _clock = world

    async def scenario(app):
        double.push_message(LEARNER, "/start", language_code="sl")
        await double.wait_for("sendMessage", to(LEARNER))
        double.block_chat(LEARNER)
        services.badges.award(AS_ADMIN, "lj-a1", LEARNER)  # as the command line does
        [refused] = await double.wait_for("sendDocument", to(LEARNER), timeout=15)
        assert refused.status == 403
        await asyncio.sleep(0.5)
        with services.database.session() as session:
            assert session.scalar(select(OutboxMessage.status)) == "held"
            assert session.scalar(select(Person.active)) is False
        await asyncio.sleep(2.0)  # the drainer runs on: nothing is tried while they block it
        assert len(double.calls_to("sendDocument")) == 1

        double.unblock_chat(LEARNER)
        double.push_message(LEARNER, "/help", language_code="sl")
        [_, sent] = await double.wait_for("sendDocument", to(LEARNER), count=2, timeout=15)
        assert sent.status == 200 and sent.params["document"]["filename"] == "Slovenscina-A1.png"
        assert badge_chunks(sent.uploads["document"]) == ["openbadges"]
        row = await outbox_row_when(services, lambda row: row.status != "sending")
        assert (row.status, row.telegram_message_ids) == ("sent", [sent.result["message_id"]])

    story(double, services, scenario)


def test_a_badge_refused_for_flood_control_is_sent_once_telegram_allows(double, world):
    services, clock = world
    _person(services, LEARNER)

    async def scenario(app):
        double.fail_next("sendDocument", 429, "Too Many Requests: retry after 1", retry_after=1)
        services.badges.award(AS_ADMIN, "lj-robotika", LEARNER)
        await double.wait_for("sendDocument", to(LEARNER), timeout=15)
        await outbox_row_when(services, lambda row: row.status == "pending")
        clock.advance(seconds=1)  # the story's clock stands still; the pause is real time
        flood, sent = await double.wait_for("sendDocument", to(LEARNER), count=2, timeout=15)
        assert (flood.status, sent.status) == (429, 200)
        assert sent.at - flood.at >= 1.0  # not before Telegram allows
        assert sent.uploads["document"] == flood.uploads["document"]
        row = await outbox_row_when(services, lambda row: row.status != "sending")
        assert (row.status, row.attempts) == ("sent", 1)  # the refused try did not count
        await asyncio.sleep(1.5)
        assert len(double.calls_to("sendDocument")) == 2  # once

    story(double, services, scenario)


# ---- the learner's own badges ----------------------------------------------------------------------
def six_badges(services: Services, clock: MovableClock, telegram_id: int) -> list[str]:
    """Six badges awarded to the learner, one a minute (their deliveries done before this
    story); their award ids, newest first."""
    _person(services, telegram_id)
    ids = []
    for opportunity in ["lj-robotika", "lj-a1"] + [w["id"] for w in WORKSHOPS]:
        ids.append(services.badges.award(AS_ADMIN, opportunity, telegram_id).award_id)
        clock.advance(minutes=1)
    with services.database.session() as session:
        session.execute(delete(OutboxMessage))
    return ids[::-1]


def test_mybadges_pages_resends_hides_exports_a_jwt_and_gives_one_up(double, world):
    services, clock = world
    newest, *_, oldest = six_badges(services, clock, LEARNER)
    web = FakeWeb(services)

    async def scenario(app):
        double.push_message(LEARNER, "/mybadges", language_code="sl")
        [page] = await double.wait_for("sendMessage", to(LEARNER))
        text = page.params["text"]
        assert text.startswith("🏅 Imate 6 značk\n\n<b>1. Znanje 4</b>\nMesto učenja Ljubljana · ")
        assert "<b>5. Slovenščina A1</b>" in text and "<b>6." not in text
        rows = page.params["reply_markup"]["inline_keyboard"]
        assert [b["text"] for b in rows[0]] == ["📩 1", "📤 1", "🙈 1", "👤 1", "🗑 1"]
        assert rows[-1] == [{"text": "Več značk ▶", "callback_data": "wal:5"}]

        double.push_callback(LEARNER, "wal:5", language_code="sl")
        [_, second] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert "<b>6. Mladi robotik</b>" in second.params["text"]
        assert button(second, "bsend:") == f"bsend:{oldest}"

        double.push_callback(LEARNER, f"bsend:{oldest}", language_code="sl")  # 📩
        [again] = await double.wait_for("sendDocument", to(LEARNER))
        assert again.params["document"]["filename"] == "Mladi-robotik.png"
        assert badge_chunks(again.uploads["document"]) == ["openbadges"]

        double.push_callback(LEARNER, f"bexp:{newest}", message_id=page.result["message_id"])
        [*_, menu] = await double.wait_for("sendMessage", to(LEARNER), count=3)
        assert menu.params["text"].startswith("Izvoz značke <b>Znanje 4</b>:")
        double.push_callback(LEARNER, button(menu, "bfile:ob3-jwt:"), language_code="sl")
        [_, jwt] = await double.wait_for("sendDocument", to(LEARNER), count=2)
        assert jwt.params["document"]["filename"] == "Znanje-4.jwt"
        token = jwt.uploads["document"]
        assert token.count(b".") == 2 and verify(token, web, now=clock()).valid
        double.push_callback(LEARNER, button(menu, "bfile:ob3-png:"), language_code="sl")
        [*_, ob3] = await double.wait_for("sendDocument", to(LEARNER), count=3)
        assert ob3.params["document"]["filename"] == "Znanje-4-OB3.png"
        assert badge_chunks(ob3.uploads["document"]) == ["openbadgecredential"]
        assert verify(ob3.uploads["document"], web, now=clock()).valid

        assert services.badges.publisher.public_page(newest) is not None
        double.push_callback(
            LEARNER, f"bhide:{newest}:0", message_id=page.result["message_id"], language_code="sl"
        )
        [toast] = await double.wait_for("answerCallbackQuery", lambda c: "Skrita" in str(c.params))
        assert toast.params["text"] == "🙈 Skrita na javni strani"
        [edited] = await double.wait_for("editMessageText", to(LEARNER))
        assert "🙈 Skrita na javni strani" in edited.params["text"].split("\n\n")[1]
        assert buttons(edited)[2] == {"text": "👁 1", "callback_data": f"bshow:{newest}:0"}
        assert services.badges.publisher.public_page(newest) is None  # off its public page
        assert verify(services.badges.urls.assertion(newest), web, now=clock()).valid  # verifiable

        double.push_callback(LEARNER, f"bquit:{newest}", language_code="sl")  # 🗑
        [question] = await double.wait_for("sendMessage", saying(LEARNER, "odpovedati"))
        assert question.params["text"].startswith("Se želite odpovedati znački <b>Znanje 4</b>?")
        double.push_callback(LEARNER, button(question, "bquitok:"), language_code="sl")
        await double.wait_for("sendMessage", saying(LEARNER, "ste se odpovedali"))
        assert len(awards_of(services, LEARNER)) == 5
        published = services.badges.publisher.assertion(newest)
        assert published.status == 410  # revoked: it no longer stands
        double.push_callback(LEARNER, f"bsend:{newest}", language_code="sl")  # an old button
        await double.wait_for("sendMessage", saying(LEARNER, "Te značke ni več na vašem seznamu."))
        double.push_callback(SECOND, f"bsend:{oldest}", language_code="sl")  # not theirs
        await double.wait_for("sendMessage", saying(SECOND, "Te značke ni več na vašem seznamu."))
        assert len(double.calls_to("sendDocument")) == 3  # nothing of theirs was sent

        double.push_message(LEARNER, "Moje značke", language_code="sl")  # the keyboard's key
        [listing] = await double.wait_for("sendMessage", saying(LEARNER, "Imate 5 značk"))
        assert "Več značk" not in json.dumps(listing.params["reply_markup"], ensure_ascii=False)

    story(double, services, scenario)


def test_a_learner_shows_their_name_on_a_badges_public_page_only_when_they_say_yes(double, world):
    services, _clock = world
    _person(services, LEARNER)
    award_id = services.badges.award(AS_ADMIN, "lj-robotika", LEARNER).award_id
    publisher = services.badges.publisher

    async def scenario(app):
        await double.wait_for("sendDocument", to(LEARNER), timeout=15)
        double.push_message(LEARNER, "/mybadges", language_code="sl")
        [page] = await double.wait_for("sendMessage", saying(LEARNER, "Imate 1 značko"))
        ask = button(page, "bshow:")
        assert ask == f"bshow:{award_id}:0:ask"
        assert next(b["text"] for b in buttons(page) if b.get("callback_data") == ask) == "👤 1"

        double.push_callback(LEARNER, ask, language_code="sl", first_name="Maja")
        [question] = await double.wait_for("sendMessage", saying(LEARNER, "javni strani"))
        assert question.params["text"].startswith(
            "Želite svoje ime prikazati na javni strani značke <b>Mladi robotik</b>?\n"
            "Prikazano bi bilo »Maja«, vaše ime na Telegramu."
        )
        assert publisher.public_page(award_id).recipient_name is None  # not before they say yes
        double.push_callback(
            LEARNER,
            button(question, "bshow:"),
            message_id=question.result["message_id"],
            language_code="sl",
            first_name="Maja",
        )
        [toast] = await double.wait_for(
            "answerCallbackQuery", lambda c: "👤" in str(c.params.get("text"))
        )
        assert toast.params["text"] == "👤 Vaše ime je na njeni javni strani"
        assert publisher.public_page(award_id).recipient_name == "Maja"
        # the list says so too, from now on
        assert "👤 Vaše ime" not in page.params["text"]
        double.push_message(LEARNER, "/mybadges", language_code="sl")
        listed = await double.wait_for("sendMessage", saying(LEARNER, "Imate 1 značko"), count=2)
        assert "\n👤 Vaše ime je na njeni javni strani\n" in listed[-1].params["text"]

        double.push_callback(LEARNER, ask, language_code="sl", first_name="Maja")
        [shown] = await double.wait_for(
            "sendMessage", saying(LEARNER, "Vaše ime je na javni strani")
        )
        off = button(shown, "bhide:")
        assert off == f"bhide:{award_id}:0:name"
        double.push_callback(
            LEARNER, off, message_id=shown.result["message_id"], language_code="sl"
        )
        await double.wait_for(
            "answerCallbackQuery", lambda c: "ni več" in str(c.params.get("text"))
        )
        assert publisher.public_page(award_id).recipient_name is None
        double.push_callback(SECOND, f"bshow:{award_id}:0:name", language_code="sl")  # not theirs
        await double.wait_for("sendMessage", saying(SECOND, "Te značke ni več na vašem seznamu."))
        assert publisher.public_page(award_id).recipient_name is None

    story(double, services, scenario)


def test_an_empty_wallet_says_how_badges_are_earned(double, world):
    services, _clock = world

    async def scenario(app):
        double.push_message(THIRD, "/mybadges", language_code="en")
        [said] = await double.wait_for("sendMessage", to(THIRD))
        assert said.params["text"].startswith("You have no badges yet. The organisers of courses")

    story(double, services, scenario)


# ---- e-mail, /mydata, /delete ------------------------------------------------------------------------
def test_email_sets_and_removes_the_address_and_the_badge_is_issued_again(double, world):
    services, clock = world
    _person(services, LEARNER)
    award_id = services.badges.award(AS_ADMIN, "lj-robotika", LEARNER).award_id

    async def scenario(app):
        double.push_message(LEARNER, "/email", language_code="sl")
        [said] = await double.wait_for("sendMessage", to(LEARNER))
        assert said.params["text"].startswith("E-poštnega naslova niste dodali.")
        double.push_message(LEARNER, "/email ana(at)example.org", language_code="sl")
        await double.wait_for(
            "sendMessage", saying(LEARNER, "„ana(at)example.org“ ni videti kot e-poštni naslov.")
        )
        double.push_message(LEARNER, "/email Ana@Example.org", language_code="sl")
        [saved] = await double.wait_for("sendMessage", saying(LEARNER, "Shranjeno"))
        assert saved.params["text"].split("\n")[0] == (
            "Shranjeno: ana@example.org. Vaše značke vas bodo navajale s tem naslovom "
            "(zapisan bo kot zgoščena vrednost). Z njim sem znova izdal 1 vašo značko."
        )
        png = services.badges.publisher.baked_png(award_id).body
        assert verify(png, FakeWeb(services), email="ana@example.org", now=clock()).valid
        double.push_message(LEARNER, "/email", language_code="sl")
        await double.wait_for("sendMessage", saying(LEARNER, "z naslovom ana@example.org"))
        double.push_message(LEARNER, "/email off", language_code="sl")
        [removed] = await double.wait_for("sendMessage", saying(LEARNER, "odstranil"))
        assert removed.params["text"] == (
            "Vaš e-poštni naslov sem odstranil. Brez njega sem znova izdal 1 vašo značko."
        )
        [award] = awards_of(services, LEARNER)
        assert award.recipient_type == "url"

    story(double, services, scenario)


def test_email_sends_the_badge_issued_again_which_replaces_the_file_sent_before(double, world):
    services, clock = world
    _person(services, LEARNER)
    services.badges.award(AS_ADMIN, "lj-robotika", LEARNER)
    web = FakeWeb(services)

    async def scenario(app):
        [first] = await double.wait_for("sendDocument", to(LEARNER), timeout=15)
        await outbox_row_when(services, lambda row: row.status == "sent")
        before = first.uploads["document"]
        assert verify(before, web, now=clock()).valid

        double.push_message(LEARNER, "/email ana@example.org", language_code="sl")
        await double.wait_for("sendMessage", saying(LEARNER, "Shranjeno"))
        [word] = await double.wait_for("sendMessage", saying(LEARNER, "🔄"), timeout=15)
        assert word.params["text"] == (
            "🔄 Znova sem izdal 1 vašo značko. Tu je njena nova datoteka, ki nadomesti "
            "prejšnjo: ta pri preverjanju ne bi bila več veljavna."
        )
        [_, again] = await double.wait_for("sendDocument", to(LEARNER), count=2, timeout=15)
        assert again.at > word.at  # the word first, then the file
        assert again.params["document"]["filename"] == "Mladi-robotik.png"
        after = again.uploads["document"]
        assert badge_chunks(after) == ["openbadges"]
        verdict = verify(after, web, email="ana@example.org", now=clock())
        assert verdict.valid, verdict.reasons
        assert not verify(before, web, now=clock()).valid  # the file it replaces: altered now

        double.push_message(LEARNER, "/email off", language_code="sl")
        await double.wait_for("sendMessage", saying(LEARNER, "odstranil"))
        [*_, last] = await double.wait_for("sendDocument", to(LEARNER), count=3, timeout=15)
        assert verify(last.uploads["document"], web, now=clock()).valid
        assert not verify(after, web, now=clock()).valid
        await asyncio.sleep(1.5)  # a drainer run or two: nothing more is sent
        assert len(double.calls_to("sendDocument")) == 3

    story(double, services, scenario)


def test_a_new_expiry_sends_the_badge_again_in_english(double, world):
    services, clock = world
    _person(services, LEARNER)  # has not chosen a language: English, the city's other one
    award_id = services.badges.award(AS_ADMIN, "lj-robotika", LEARNER).award_id

    async def scenario(app):
        await double.wait_for("sendDocument", to(LEARNER), timeout=15)
        await outbox_row_when(services, lambda row: row.status == "sent")
        services.badges.set_expiry(AS_ADMIN, award_id, clock.now.replace(year=2028))
        [word] = await double.wait_for("sendMessage", saying(LEARNER, "🔄"), timeout=15)
        assert word.params["text"] == (
            "🔄 Your badge was issued again. Here is its new file: it replaces the one you "
            "had, which verifiers would no longer accept."
        )
        [_, again] = await double.wait_for("sendDocument", to(LEARNER), count=2, timeout=15)
        assert "2028" in again.params["caption"]
        verdict = verify(again.uploads["document"], FakeWeb(services), now=clock())
        assert verdict.valid, verdict.reasons

    story(double, services, scenario)


def test_mydata_lists_the_badges_and_forget_offers_to_keep_them_verifiable_or_revoke_them(
    double, world
):
    services, clock = world
    for telegram_id in (LEARNER, SECOND):
        _person(services, telegram_id)
        services.badges.award(AS_ADMIN, "lj-robotika", telegram_id)
    revoked = services.badges.award(AS_ADMIN, "lj-a1", LEARNER).award_id
    services.badges.revoke(AS_ADMIN, revoked, "Napaka pri podelitvi.")
    services.badges.set_email(_person(services, LEARNER), "ana@example.org")
    [kept] = [a.public_id for a in awards_of(services, LEARNER) if a.revoked_at is None]
    [second] = [a.public_id for a in awards_of(services, SECOND)]

    async def scenario(app):
        double.push_message(LEARNER, "/mydata", language_code="sl")
        [mydata] = await double.wait_for("sendMessage", to(LEARNER))
        lines = mydata.params["text"].split("\n")
        assert "Vaš e-poštni naslov za značke: ana@example.org." in lines
        i = lines.index("Imate 2 znački:")
        assert sorted(lines[i + 1 : i + 3]) == [
            "• Mladi robotik — 23. nov. 2026 — veljavna",
            "• Slovenščina A1 — 23. nov. 2026 — preklicana",
        ]
        assert len([line for line in lines if line.startswith("• ")]) == 2  # theirs alone

        double.push_message(LEARNER, "/delete", language_code="sl")
        [_, question] = await double.wait_for("sendMessage", to(LEARNER), count=2)
        assert question.params["text"].startswith(
            "Preden vse izbrišem: imate 2 znački. Kaj naj bo z njima?"
        )
        keep, revoke, nothing = (b["callback_data"] for b in buttons(question))
        assert (keep, revoke, nothing) == ("forget:keep", "forget:revoke", "forget:no")
        assert len(awards_of(services, LEARNER)) == 2  # nothing deleted before the choice
        double.push_callback(LEARNER, keep, language_code="sl")
        [*_, done] = await double.wait_for("sendMessage", to(LEARNER), count=3)
        assert done.params["text"].split("\n") == [
            "Izbrisal sem vse, kar sem hranil o vas. Če mi spet pišete, začnem od začetka.",
            "Vaše značke ostanejo preverljive, a niso več povezane z vami.",
        ]
        with services.database.session() as session:
            assert people.by_telegram_id(session, LEARNER) is None
            award = session.scalar(select(Award).where(Award.public_id == kept))
            assert award.person_id is None and award.revoked_at is None
        assert verify(services.badges.urls.assertion(kept), FakeWeb(services), now=clock()).valid

        double.push_message(SECOND, "/forget", language_code="sl")
        [question] = await double.wait_for("sendMessage", to(SECOND))
        assert question.params["text"].startswith("Preden vse izbrišem: imate 1 značko.")
        double.push_callback(SECOND, "forget:revoke", language_code="sl")
        [_, done] = await double.wait_for("sendMessage", to(SECOND), count=2)
        assert done.params["text"].endswith("Vaše značke so preklicane.")
        assert services.badges.publisher.assertion(second).status == 410

        double.push_message(THIRD, "/start", language_code="sl")  # no badges: asked, no choice
        await double.wait_for("sendMessage", to(THIRD))
        double.push_message(THIRD, "/delete", language_code="sl")
        [_, asked] = await double.wait_for("sendMessage", to(THIRD), count=2)
        assert [b["callback_data"] for b in buttons(asked)] == ["forget:yes", "forget:no"]
        double.push_callback(THIRD, "forget:yes", language_code="sl")
        [*_, gone] = await double.wait_for("sendMessage", to(THIRD), count=3)
        assert gone.params["text"].startswith("Izbrisal sem vse")
        await asyncio.sleep(0.2)
        assert count(services, Person) == 0

    story(double, services, scenario)
