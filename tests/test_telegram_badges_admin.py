"""/badges in the chat for an organisation's administrators, through the real python-telegram-bot
Application and the Bot API double: a shared claim link with its QR code, an award to a person
picked with Telegram's "choose a user" button (delivered baked through the outbox), a person
who never wrote to the bot, editors and strangers refused (and no /badges in their menu), a
CSV of participants (good, broken, not CSV, too large), who earned a badge and a revocation
with a reason, and /cancel."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from access.audit import entries
from badges.problems import ParticipantsError
from bot.services import Services, build_services
from bot.telegram.badge_admin_chat import participants_problem
from store.models import Award, Claim, Organisation

from .badges_world import (
    AS_ADMIN,
    BOT,
    CATALOGUE,
    LEARNER,
    MovableClock,
    code_of,
    load_catalogue,
    person,
    seed_keys,
    settings_for,
)
from .botapi_double import BotApiDouble, Call
from .chat_calls import buttons, saying, to
from .staff_world import ANA, BORIS, COMMAND_LINE, CVETKA, joined
from .test_telegram import running
from .test_telegram_badges import NoFreeText, WordsEmbedder, awards_of, badge_chunks, button

SISKA = "Četrtni mladinski center Šiška"
STRANGER = 4242  # never wrote to the bot
REFUSAL_EN = "Sorry, only an organisation's staff can do that."


@pytest.fixture
def world(tmp_path, issuing_keys) -> Iterator[Services]:
    """The badges' small world, with ANA an administrator of the youth centre that issues the
    robotics badge, BORIS its editor, and CVETKA an administrator of another organisation."""
    seed_keys(issuing_keys, tmp_path)
    services = build_services(
        settings_for(tmp_path),
        clock=MovableClock(),
        embedder=WordsEmbedder(),
        interpreter=NoFreeText(),
    )
    load_catalogue(services, CATALOGUE)
    services.staff.create_organisation(COMMAND_LINE, "knjiznica-bezigrad", "Knjižnica Bežigrad")
    slug = slug_of(services, SISKA)
    joined(services.staff, slug, ANA, "admin")
    joined(services.staff, slug, BORIS, "editor")
    joined(services.staff, "knjiznica-bezigrad", CVETKA, "admin")
    yield services
    services.close()


@pytest.fixture(autouse=True)
def many_presses_allowed(monkeypatch):
    monkeypatch.setattr("bot.telegram.app.THROTTLE_MESSAGES", 100)


def slug_of(services: Services, name: str) -> str:
    with services.database.session() as session:
        return session.scalar(select(Organisation.slug).where(Organisation.name == name))


def claims(services: Services) -> int:
    with services.database.session() as session:
        return session.scalar(select(func.count()).select_from(Claim)) or 0


def actions(services: Services) -> list[tuple[str, int | None]]:
    with services.database.session() as session:
        return [(e.action, e.actor_telegram_id) for e in entries(session)]


def story(double: BotApiDouble, services: Services, scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with running(double, services) as app:
            await scenario(app)

    asyncio.run(main())


def press(double: BotApiDouble, chat: int, call: Call, starting: str) -> None:
    """Press the button of `call`'s message whose data starts with `starting`."""
    double.push_callback(
        chat, button(call, starting), message_id=call.result["message_id"], language_code="en"
    )


async def said(double: BotApiDouble, chat: int, words: str, count: int = 1) -> Call:
    return (await double.wait_for("sendMessage", saying(chat, words), count=count))[-1]


async def robotics_menu(double: BotApiDouble, chat: int = ANA, held: int = 0) -> Call:
    """/badges, then the robotics badge: its own menu."""
    double.push_message(chat, "/badges", language_code="en")
    listing = await said(double, chat, "issues 1 badge")
    assert listing.params["text"] == f"<b>{SISKA}</b> issues 1 badge. Choose one:"
    [only] = buttons(listing)
    assert only["text"] == f"🏅 Young roboticist · {held}"
    press(double, chat, listing, "bdg:b:")
    return await said(double, chat, "Awarded to")


# ---- a claim link ------------------------------------------------------------------------------
def test_an_administrator_makes_a_shared_claim_link_and_gets_the_link_and_its_qr_code(
    double, world
):
    services = world

    async def scenario(app):
        menu = await robotics_menu(double)
        assert "Awarded to 0 people so far." in menu.params["text"]
        assert [b["text"] for b in buttons(menu)] == [
            "🔗 Claim link",
            "🎖 Award to a person",
            "📄 Award from CSV",
            "👥 Who earned it",
        ]
        press(double, ANA, menu, "bdg:cl:")
        kind = await said(double, ANA, "A claim link for")
        assert [b["text"] for b in buttons(kind)] == [
            "Shared: 30 people, 14 days",
            "One link per participant",
        ]
        double.push_message(ANA, "30 days please", language_code="en")  # not two numbers
        await said(double, ANA, "Write two numbers")
        double.push_message(ANA, "5 7", language_code="en")  # 5 people, 7 days
        question = await said(double, ANA, "Should people send evidence")
        press(double, ANA, question, "bdg:ev:n")
        [link_message] = await double.wait_for("sendMessage", saying(ANA, "https://t.me/"))
        text = link_message.params["text"]
        assert text.startswith("A shared claim link for <b>Young roboticist</b>: up to 5 people")
        assert "valid until Nov 30, 2026." in text  # 7 days from 23 November
        link = text.rsplit("\n", 1)[1]
        assert link.startswith(f"https://t.me/{BOT}?start=badge-")
        [qr] = await double.wait_for("sendDocument", to(ANA))
        assert qr.params["document"]["filename"] == "claim-link-qr.png"
        assert qr.uploads["document"].startswith(b"\x89PNG\r\n\x1a\n")

        # the link works: a learner opens it and gets the badge
        double.push_message(LEARNER, f"/start badge-{code_of(link)}", language_code="en")
        await said(double, LEARNER, "is yours")

    story(double, services, scenario)
    assert len(awards_of(services, LEARNER)) == 1
    assert ("badge.claim_link", ANA) in actions(services)


def test_one_link_per_participant_comes_as_links_and_a_zip_of_qr_codes(double, world):
    services = world

    async def scenario(app):
        menu = await robotics_menu(double)
        press(double, ANA, menu, "bdg:cl:")
        kind = await said(double, ANA, "A claim link for")
        press(double, ANA, kind, "bdg:pp")
        count = await said(double, ANA, "How many participants?")
        press(double, ANA, count, "bdg:pn:10")
        question = await said(double, ANA, "Should people send evidence")
        press(double, ANA, question, "bdg:ev:y")
        await said(double, ANA, "10 claim links for <b>Young roboticist</b>, one per participant")
        [listed] = await double.wait_for("sendMessage", saying(ANA, "10. https://t.me/"))
        assert len(listed.params["text"].splitlines()) == 10
        [archive] = await double.wait_for("sendDocument", to(ANA))
        assert archive.params["document"]["filename"] == "claim-links-qr.zip"

    story(double, services, scenario)
    assert claims(services) == 10


# ---- an award to a person ----------------------------------------------------------------------
def test_an_administrator_awards_a_person_chosen_with_telegrams_button_and_they_get_the_badge(
    double, world
):
    services = world

    async def scenario(app):
        double.push_message(LEARNER, "/start", language_code="en")  # the learner wrote once
        await double.wait_for("sendMessage", to(LEARNER))
        menu = await robotics_menu(double)
        press(double, ANA, menu, "bdg:aw:")
        asked = await said(double, ANA, "Who gets")
        [[choose]] = asked.params["reply_markup"]["keyboard"]
        assert choose["request_users"]["user_is_bot"] is False
        assert choose["request_users"]["max_quantity"] == 1

        # someone who never wrote to the bot, typed: told to send a claim link; nothing made
        double.push_message(ANA, str(STRANGER), language_code="en")
        await said(double, ANA, "has not written to the bot yet")
        press(double, ANA, menu, "bdg:aw:")
        await said(double, ANA, "Who gets", count=2)

        double.push_users_shared(
            ANA, [{"user_id": LEARNER, "first_name": "Luka"}], language_code="en"
        )
        await said(double, ANA, "The badge goes to Luka (Telegram id 9001).")
        await said(double, ANA, "Add evidence to the award?")
        double.push_message(ANA, "Built a line-following robot", language_code="en")
        preview = await said(double, ANA, "Award <b>Young roboticist</b> to Luka")
        assert "Evidence: Built a line-following robot" in preview.params["text"]
        assert awards_of(services, LEARNER) == []  # not before the confirmation
        press(double, ANA, preview, "bdg:ok")
        await said(double, ANA, "Awarded: Luka (Telegram id 9001) gets the badge")

        [sent] = await double.wait_for("sendDocument", to(LEARNER), timeout=15)
        assert sent.params["document"]["filename"] == "Young-roboticist.png"
        assert badge_chunks(sent.uploads["document"]) == ["openbadges"]

    story(double, services, scenario)
    [award] = awards_of(services, LEARNER)
    assert award.evidence == [{"narrative": "Built a line-following robot"}]
    assert award.awarded_by == ANA
    assert ("badge.award", ANA) in actions(services)
    assert not awards_of(services, STRANGER)


def test_a_forwarded_message_names_the_person_and_cancel_leaves_nothing_done(double, world):
    services = world
    person(services, LEARNER)

    async def scenario(app):
        menu = await robotics_menu(double)
        press(double, ANA, menu, "bdg:aw:")
        await said(double, ANA, "Who gets")
        double.push_forwarded(ANA, "hi", sender_id=None, language_code="en")  # hidden account
        await said(double, ANA, "hide who they are")
        double.push_forwarded(ANA, "hi", sender_id=LEARNER, sender_name="Luka", language_code="en")
        await said(double, ANA, "The badge goes to Luka (Telegram id 9001).")
        await said(double, ANA, "Add evidence to the award?")
        double.push_message(ANA, "/cancel", language_code="en")
        cancelled = await said(double, ANA, "Cancelled: nothing was changed.")
        assert "keyboard" in cancelled.params["reply_markup"]  # the usual keyboard again
        double.push_message(ANA, "Built a robot", language_code="en")  # no longer evidence
        await asyncio.sleep(0.5)

    story(double, services, scenario)
    assert awards_of(services, LEARNER) == []


# ---- who may ------------------------------------------------------------------------------------
def in_scope_of(chat: int):  # type: ignore[no-untyped-def]
    return lambda call: (call.params.get("scope") or {}).get("chat_id") == chat


def test_editors_strangers_and_other_organisations_are_refused_and_see_no_badges_command(
    double, world, monkeypatch
):
    monkeypatch.setattr("bot.telegram.staff_chat.MENUS_EVERY", 0.2)  # the menus job, soon
    services = world
    [robotics] = [b for b in services.badges.badge_classes() if b.opportunity_id == "lj-robotika"]

    async def scenario(app):
        for chat in (ANA, BORIS):  # a menu is set once the person has written to the bot
            double.push_message(chat, "/start", language_code="en")
            await double.wait_for("setMyCommands", in_scope_of(chat), count=3)
        assert "badges" in double.menu(ANA, "en") and "badges" in double.menu(ANA, "sl")
        assert "badges" not in double.menu(BORIS, "en")
        assert {"post", "stats"} <= set(double.menu(BORIS, "en"))
        assert "badges" not in double.menu(LEARNER, "en")
        for chat in (BORIS, LEARNER):
            double.push_message(chat, "/badges", language_code="en")
            await said(double, chat, REFUSAL_EN)
            double.push_callback(chat, f"bdg:cl:{robotics.badge_id}", language_code="en")
            await double.wait_for(
                "answerCallbackQuery", lambda c: c.params.get("text") == REFUSAL_EN, count=1
            )
        # another organisation's administrator: their own (empty) list, and the youth centre's
        # badge refused even by a forged button
        double.push_message(CVETKA, "/badges", language_code="en")
        await said(double, CVETKA, "issues no badges yet")
        double.push_callback(CVETKA, f"bdg:cl:{robotics.badge_id}", language_code="en")
        await said(double, CVETKA, REFUSAL_EN)  # in the chat: the press was answered at once

    story(double, services, scenario)
    assert claims(services) == 0


# ---- a CSV of participants ----------------------------------------------------------------------
def test_a_csv_of_participants_gives_a_csv_of_links_or_names_the_broken_row(double, world):
    services = world

    async def scenario(app):
        menu = await robotics_menu(double)
        press(double, ANA, menu, "bdg:csv:")
        await said(double, ANA, "Send the participants for")
        double.push_document(ANA, "notes.pdf", b"%PDF-1.4", language_code="en")
        await said(double, ANA, "That is not a CSV file.")
        double.push_document(ANA, "huge.csv", b"label\n" + b"x" * 600_000, language_code="en")
        await said(double, ANA, "That file is too large")
        broken = "label,email\nAna Novak,ana@example.org\nBor Kos,not-an-address\n"
        double.push_document(ANA, "people.csv", broken.encode(), language_code="en")
        problem = await said(double, ANA, "Nothing was made")
        assert "• Row 3, field “email”: “not-an-address” is not an e-mail address" in (
            problem.params["text"].split("\n")
        )
        assert claims(services) == 0  # nothing half-made

        good = "label,email\nAna Novak,ana@example.org\nBor Kos,\n"
        double.push_document(ANA, "people.csv", good.encode(), language_code="en")
        [sent] = await double.wait_for(
            "sendDocument", lambda c: c.params.get("chat_id") == ANA, timeout=10
        )
        assert sent.params["document"]["filename"] == "claim-links.csv"
        assert sent.params["caption"].startswith("2 claim links for <b>Young roboticist</b>")
        rows = list(csv.DictReader(io.StringIO(sent.uploads["document"].decode())))
        assert [(r["line"], r["label"], r["email"]) for r in rows] == [
            ("2", "Ana Novak", "ana@example.org"),
            ("3", "Bor Kos", ""),
        ]
        assert all(r["link"].startswith(f"https://t.me/{BOT}?start=badge-") for r in rows)

    story(double, services, scenario)
    assert claims(services) == 2


def test_what_is_wrong_with_a_list_is_said_in_slovenian_too(world):
    services = world
    broken = (
        "label,email,expires\n"
        "Ana,ana@example.org,2027-06-30\n"
        "Bor,bor(at)example.org,\n"
        "Ana,,\n"
        "Cvetka,,2026-11-01\n"
        "Darja,,30. 6.\n"
        ",,\n"
        "Eva\x07,,\n"
    )
    with pytest.raises(ParticipantsError) as refused:
        services.badges.participant_links(AS_ADMIN, "lj-robotika", broken)
    assert participants_problem(refused.value, "sl").split("\n") == [
        "Nič ni bilo narejeno: seznama v tej obliki ni mogoče uporabiti.",
        "• Vrstica 3, polje »email«: »bor(at)example.org« ni e-poštni naslov",
        "• Vrstica 4, polje »label«: »Ana« je tudi v vrstici 2",
        "• Vrstica 5, polje »expires«: 2026-11-01 ni v prihodnosti: navedite poznejši datum",
        "• Vrstica 6, polje »expires«: »30. 6.« ni datum: zapišite ga kot 2027-06-30",
        "• Vrstica 8, polje »label«: vsebuje znak, ki ga ni mogoče shraniti (kontrolni znak)",
        "Popravite seznam in datoteko pošljite znova ali pošljite /cancel.",
    ]
    english = participants_problem(refused.value, "en")
    assert "• Row 6, field “expires”: “30. 6.” is not a date: write it as 2027-06-30" in english
    with pytest.raises(ParticipantsError) as headless:
        services.badges.participant_links(AS_ADMIN, "lj-robotika", "email\nana@example.org\n")
    assert participants_problem(headless.value, "sl").split("\n")[1] == (
        "• Vrstica 1, polje »(header)«: glava potrebuje stolpec »label« (kdo je v posamezni "
        "vrstici)"
    )
    assert claims(services) == 0


# ---- who earned it, and revoking ---------------------------------------------------------------
def test_who_earned_it_shows_only_public_names_and_revokes_with_a_reason(double, world):
    services = world
    learner = person(services, LEARNER)
    second = person(services, 9002)
    shown = services.badges.award(AS_ADMIN, "lj-robotika", LEARNER)
    hidden = services.badges.award(AS_ADMIN, "lj-robotika", 9002)
    services.badges.show_name(learner, shown.award_id, "Luka N.")
    services.badges.show_name(second, hidden.award_id, "Nika")
    services.badges.hide(second, hidden.award_id)

    async def scenario(app):
        menu = await robotics_menu(double, held=2)
        assert "Awarded to 2 people so far." in menu.params["text"]
        press(double, ANA, menu, "bdg:we:")
        listing = await said(double, ANA, "2 awards")
        text = listing.params["text"]
        assert "Luka N." in text
        assert "Nika" not in text and f"award {hidden.award_id}" in text
        revoke = next(b for b in buttons(listing) if b["callback_data"].endswith(shown.award_id))
        double.push_callback(
            ANA,
            revoke["callback_data"],
            message_id=listing.result["message_id"],
            language_code="en",
        )
        await said(double, ANA, "Why do you revoke")
        double.push_message(ANA, "  Awarded   by mistake ", language_code="en")
        confirm = await said(double, ANA, "Revoke the award")
        assert "“Awarded by mistake”" in confirm.params["text"]
        press(double, ANA, confirm, "bdg:ok")
        await said(double, ANA, "Revoked.")

    story(double, services, scenario)
    with services.database.session() as session:
        award = session.scalar(select(Award).where(Award.public_id == shown.award_id))
        assert award.revoked_at is not None
        assert award.revocation_reason == "Awarded by mistake"
    assert ("badge.revoke", ANA) in actions(services)


def test_in_slovenian_the_counts_take_their_four_forms(double, world):
    services = world
    for n in (2, 3):  # two people hold it
        person(services, 9000 + n)
        services.badges.award(AS_ADMIN, "lj-robotika", 9000 + n)

    async def scenario(app):
        double.push_message(ANA, "/badges", language_code="sl")
        listing = await said(double, ANA, "podeljuje 1 značko")
        assert listing.params["text"] == f"<b>{SISKA}</b> podeljuje 1 značko. Izberite:"
        double.push_callback(
            ANA, button(listing, "bdg:b:"), message_id=listing.result["message_id"]
        )
        menu = await said(double, ANA, "Doslej jo")
        assert menu.params["text"].endswith("Doslej jo imata 2 osebi.")
        assert buttons(menu)[0]["text"] == "🔗 Povezava za prevzem"

    story(double, services, scenario)


def test_who_earned_it_pages_in_place(double, world):
    services = world
    for n in range(11):
        person(services, 8000 + n)
        services.badges.award(AS_ADMIN, "lj-robotika", 8000 + n)

    async def scenario(app):
        menu = await robotics_menu(double, held=11)
        press(double, ANA, menu, "bdg:we:")
        first = await said(double, ANA, "11 awards")
        assert first.params["text"].count("\n") == 10  # the head, then ten awards
        more = next(b for b in buttons(first) if b["text"] == "More ›")
        double.push_callback(
            ANA, more["callback_data"], message_id=first.result["message_id"], language_code="en"
        )
        [edited] = await double.wait_for("editMessageText", to(ANA))
        lines = edited.params["text"].splitlines()
        assert len(lines) == 2 and lines[1].startswith("11. ")
        assert [b["text"] for b in buttons(edited)] == ["🚫 11. Revoke", "‹ Back"]

    story(double, services, scenario)
