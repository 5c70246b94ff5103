"""Organisations run from the chat, through the real python-telegram-bot Application and the Bot
API double: a platform administrator creates one with /neworg (one line, then the optional
steps; a value the use case refuses is explained in their language and asked for again; /cancel
creates nothing), the creation is audited as the command line's is and the administrator then
acts for it; staff and learners are refused /neworg and do not see it in their menus; staff of
any role get their organisation's follow link and its QR code with /followlink (the same link
and PNG as `admin follow-link SLUG --qr`), learners are refused."""

from __future__ import annotations

import pytest

from bot.services import Services
from openbadges import images

from .badges_world import BOT
from .botapi_double import BotApiDouble, Call
from .chat_calls import saying, to
from .staff_world import ANA, BORIS, COMMAND_LINE, LIBRARY, PLATFORM_ADMIN, YOUTH, joined
from .test_telegram_staff import LEARNER, REFUSAL_EN, in_scope_of, organisation_id, story
from .test_telegram_staff import world as world  # the fixture, shared

REFUSAL_SL = "Oprostite, to lahko storijo le sodelavci"


@pytest.fixture(autouse=True)
def many_presses_allowed(monkeypatch):
    monkeypatch.setattr("bot.telegram.app.THROTTLE_MESSAGES", 100)
    # the menus job sets a menu once its person has written (Telegram knows no chat before)
    monkeypatch.setattr("bot.telegram.staff_chat.MENUS_EVERY", 0.2)


def answers(double: BotApiDouble, chat: int, words: str) -> list[Call]:
    return [c for c in double.calls_to("sendMessage") if saying(chat, words)(c)]


async def ask(double: BotApiDouble, chat: int, text: str, answer: str, lang: str = "en") -> Call:
    """`chat` writes `text` and waits for the bot's next answer holding `answer`."""
    before = len(answers(double, chat, answer))
    double.push_message(chat, text, language_code=lang)
    found = await double.wait_for("sendMessage", saying(chat, answer), count=before + 1)
    return found[-1]


def slugs(services: Services) -> dict[str, tuple[str, str | None, str | None]]:
    return {o.slug: (o.name, o.url, o.email) for o in services.staff.organisations(COMMAND_LINE)}


def creations(services: Services) -> list[tuple[int | None, str | None]]:
    return [
        (line.actor_telegram_id, line.target)
        for line in services.staff.audit_log(COMMAND_LINE)
        if line.action == "organisation.create"
    ]


def test_a_platform_administrator_creates_an_organisation_from_one_line(double, world):
    services = world

    async def scenario(app):
        said = await ask(
            double, PLATFORM_ADMIN, "/neworg mc-moste Mladinski center Moste", "/skip", "sl"
        )
        assert said.params["text"] == (
            "Njena spletna stran (http:// ali https://)? Pošljite jo ali pa /skip."
        )
        await ask(double, PLATFORM_ADMIN, "www.mcmoste.si", "e-poštni naslov", "sl")
        # the answer comes last, the question asked again after it
        await ask(double, PLATFORM_ADMIN, "/skip", "Njena spletna stran", "sl")
        assert answers(double, PLATFORM_ADMIN, "To ni spletni naslov: začeti se mora s http://")
        # the web address the use case refused is asked for again, the rest is kept
        done = await ask(double, PLATFORM_ADMIN, "https://mcmoste.si", "je ustvarjena", "sl")
        assert done.params["text"].startswith(
            "Organizacija Mladinski center Moste je ustvarjena, njen naslov je mc-moste.\n"
            "Zdaj delujete v njenem imenu."
        )
        assert "/staff" in done.params["text"] and "/followlink" in done.params["text"]
        assert slugs(services)["mc-moste"] == ("Mladinski center Moste", "https://mcmoste.si", None)

        # it acts for the new organisation now: /staff invites its first administrator
        listing = await ask(double, PLATFORM_ADMIN, "/staff", "The staff of")
        assert listing.params["text"].startswith("The staff of Mladinski center Moste:")
        await double.wait_for("setMyCommands", in_scope_of(PLATFORM_ADMIN), count=3)
        menu = set(double.menu(PLATFORM_ADMIN, "sl"))
        assert {"neworg", "followlink", "org", "staff", "kb"} <= menu

    story(double, services, scenario)
    assert creations(services)[0] == (PLATFORM_ADMIN, "organisation:mc-moste")  # newest first


def test_what_the_use_case_refuses_is_explained_and_asked_again(double, world):
    services = world
    before = slugs(services)

    async def scenario(app):
        await ask(double, PLATFORM_ADMIN, "/neworg", "Send its address (slug)")
        said = await ask(double, PLATFORM_ADMIN, "MC Moste", "cannot be an organisation's")
        assert said.params["text"].startswith("“MC Moste” cannot be an organisation's address")
        said = await ask(double, PLATFORM_ADMIN, LIBRARY, "already has the address")
        assert said.params["text"] == (
            f"Another organisation already has the address {LIBRARY}. Please choose another."
        )
        await ask(double, PLATFORM_ADMIN, "ljubljana", "is the city's own address")
        await ask(double, PLATFORM_ADMIN, "mc-moste", "Send the organisation's name")
        await ask(double, PLATFORM_ADMIN, "Knjižnica Bežigrad", "web site")  # a name taken
        await ask(double, PLATFORM_ADMIN, "/help", "You are creating an organisation")
        await ask(double, PLATFORM_ADMIN, "/skip", "e-mail address?")
        # what the use case refuses is explained, then its question is asked again
        await ask(double, PLATFORM_ADMIN, "not-an-address", "e-mail address?")
        assert answers(double, PLATFORM_ADMIN, "That is not an e-mail address (e.g. info@")
        await ask(double, PLATFORM_ADMIN, "x" * 300 + "@example.si", "e-mail address?")
        assert answers(double, PLATFORM_ADMIN, "That is too long: at most 254 characters.")
        await ask(double, PLATFORM_ADMIN, "info@mcmoste.si", "Send the organisation's name")
        [said] = answers(double, PLATFORM_ADMIN, "already exists")
        assert said.params["text"] == (
            "An organisation named Knjižnica Bežigrad already exists. Please choose another name."
        )
        await ask(double, PLATFORM_ADMIN, "Mladinski center Moste", "is created")
        assert slugs(services)["mc-moste"] == ("Mladinski center Moste", None, "info@mcmoste.si")

        # /cancel leaves at any step and creates nothing
        await ask(double, PLATFORM_ADMIN, "/neworg mc-bezigrad", "Send the organisation's name")
        await ask(double, PLATFORM_ADMIN, "/cancel", "nothing was created")
        await ask(double, PLATFORM_ADMIN, "/neworg", "Pošljite njen naslov", "sl")  # Slovenian
        said = await ask(double, PLATFORM_ADMIN, "Mc_Moste!", "ne more biti naslov", "sl")
        assert said.params["text"].startswith("„Mc_Moste!“ ne more biti naslov organizacije")
        await ask(double, PLATFORM_ADMIN, "/cancel", "nič ni bilo ustvarjeno", "sl")

    story(double, services, scenario)
    assert set(slugs(services)) == {*before, "mc-moste"}
    assert creations(services)[0] == (PLATFORM_ADMIN, "organisation:mc-moste")  # newest first
    assert len(creations(services)) == len(before) + 1


def test_answers_typed_at_once_are_taken_in_order(double, world):
    """Someone who types ahead (or whose messages arrive together after a lost connection) has
    each answer taken by the step it answers: one person's updates are handled in order."""
    services = world

    async def scenario(app):
        for text in ("/neworg", "mc-polje", "Mladinski center Polje", "/skip", "/skip"):
            double.push_message(PLATFORM_ADMIN, text, language_code="en")
        await double.wait_for("sendMessage", saying(PLATFORM_ADMIN, "is created"))
        assert slugs(services)["mc-polje"] == ("Mladinski center Polje", None, None)
        questions = [
            c.params["text"][:30]
            for c in double.calls_to("sendMessage")
            if c.params["chat_id"] == PLATFORM_ADMIN
        ]
        assert questions == [  # each question once, the next after each answer
            "A new organisation. Send its a",
            "Send the organisation's name a",
            "Its web site (http:// or https",
            "Its public e-mail address? Sen",
            "Mladinski center Polje is crea",
        ]

    story(double, services, scenario)


def test_only_platform_administrators_may_create_organisations(double, world):
    services = world
    joined(services.staff, LIBRARY, ANA, "admin")
    before = slugs(services)

    async def scenario(app):
        await ask(double, ANA, "/neworg mc-moste Mladinski center Moste", REFUSAL_EN)
        await ask(double, LEARNER, "/neworg", REFUSAL_SL, "sl")
        await ask(double, ANA, "/skip", "I do not know that command")  # no step was begun
        assert not answers(double, ANA, "e-mail address?")
        await double.wait_for("setMyCommands", in_scope_of(ANA), count=3)
        shown = set(double.menu(ANA, "en"))
        assert "followlink" in shown and "neworg" not in shown and "kb" not in shown
        assert "neworg" not in double.menu(LEARNER, "en")

    story(double, services, scenario)
    assert slugs(services) == before
    assert sorted(creations(services)) == [  # the command line's two: none from the chat
        (None, f"organisation:{LIBRARY}"),
        (None, f"organisation:{YOUTH}"),
    ]


def test_staff_of_any_role_get_the_follow_link_and_its_qr_code(double, world):
    services = world
    joined(services.staff, YOUTH, BORIS, "editor")
    joined(services.staff, LIBRARY, ANA, "admin")
    joined(services.staff, YOUTH, ANA, "editor")
    link = services.staff.follow_link(YOUTH)
    assert link == f"https://t.me/{BOT}?start=follow-{YOUTH}"

    async def scenario(app):
        said = await ask(double, BORIS, "/followlink", "Povezava za spremljanje", "sl")
        assert said.params["text"].startswith(
            "Povezava za spremljanje organizacije Mladinski center Šiška: kdor jo odpre"
        )
        assert said.params["text"].endswith("\n" + link)
        [qr] = await double.wait_for("sendDocument", to(BORIS))
        assert qr.params["document"]["filename"] == f"follow-{YOUTH}-qr.png"
        assert qr.uploads["document"] == images.qr_png(link)  # as `admin follow-link --qr`
        await double.wait_for("setMyCommands", in_scope_of(BORIS), count=3)
        assert "followlink" in double.menu(BORIS, "sl")
        assert "neworg" not in double.menu(BORIS, "sl")

        # someone on two staffs gets the one they act for, and how to choose the other
        said = await ask(double, ANA, "/followlink", "The follow link of")
        assert f"?start=follow-{LIBRARY}" in said.params["text"]
        assert "/org chooses another organisation." in said.params["text"]
        app.user_data[ANA].acting_for = organisation_id(services, YOUTH)  # as /org chooses
        said = await ask(double, ANA, "/followlink", "The follow link of Mladinski center")
        assert "\n" + link + "\n" in said.params["text"]

        await ask(double, LEARNER, "/followlink", REFUSAL_EN)
        assert not [c for c in double.calls_to("sendDocument") if to(LEARNER)(c)]

    story(double, services, scenario)
