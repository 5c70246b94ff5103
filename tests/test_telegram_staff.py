"""Organisations' staff in the chat, through the real python-telegram-bot Application and the Bot
API double: an invitation link opened (the answer names the organisation and role, and the
person's menu gets their commands in their chat's scope), a learner who calls /staff or presses
a forged button is refused and sees no staff commands, an administrator invites and removes
(the removed person's menu is everyone's again and they are refused), /org chooses the
organisation, and the menus job keeps menus as the policy says (the command line's changes
too); open invitations listed under /staff and withdrawn (a withdrawn link says so), the removed
told in their language through the outbox (their menu reset first), a new member told their
commands and the invitation's maker who joined (by first name only)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from access.policy import Actor
from bot.services import Services, build_services

from .badges_world import MovableClock, settings_for
from .botapi_double import BotApiDouble
from .chat_calls import buttons, saying
from .staff_world import ANA, BORIS, COMMAND_LINE, CVETKA, LIBRARY, YOUTH, code_in, joined
from .test_telegram import running
from .test_telegram_badges import NoFreeText, WordsEmbedder

LEARNER = 9001
EVERYONES = {"start", "help", "near", "language", "simple", "saved", "mybadges", "email"}
ADMIN_COMMANDS = {"post", "myposts", "stats", "announce", "announcements", "reviews", "staff"}
REFUSAL_EN = "Sorry, only an organisation's staff can do that."


@pytest.fixture
def world(tmp_path) -> Iterator[Services]:
    services = build_services(
        settings_for(tmp_path),
        clock=MovableClock(),
        embedder=WordsEmbedder(),
        interpreter=NoFreeText(),
    )
    services.staff.create_organisation(COMMAND_LINE, LIBRARY, "Knjižnica Bežigrad")
    services.staff.create_organisation(COMMAND_LINE, YOUTH, "Mladinski center Šiška")
    yield services
    services.close()


@pytest.fixture(autouse=True)
def many_presses_allowed(monkeypatch):
    monkeypatch.setattr("bot.telegram.app.THROTTLE_MESSAGES", 100)


def story(double: BotApiDouble, services: Services, scenario) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with running(double, services) as app:
            await scenario(app)

    asyncio.run(main())


def in_scope_of(chat: int):  # type: ignore[no-untyped-def]
    return lambda call: (call.params.get("scope") or {}).get("chat_id") == chat


def last_reset_of(chat: int):  # type: ignore[no-untyped-def]
    """The last call that resets a menu (for a Telegram in any other language): the job and
    the outbox each reset every language first."""
    return lambda call: in_scope_of(chat)(call) and not call.params.get("language_code")


def organisation_id(services: Services, slug: str) -> int:
    from store.organisations import by_slug

    with services.database.session() as session:
        found = by_slug(session, slug)
        assert found is not None
        return found.id


def test_an_invitation_link_makes_an_administrator_with_their_own_menu(double, world):
    services = world
    link = services.staff.invite(COMMAND_LINE, LIBRARY, "admin").link

    async def scenario(app):
        double.push_message(ANA, f"/start join-{code_in(link)}", language_code="sl")
        [said] = await double.wait_for("sendMessage", saying(ANA, "Knjižnica Bežigrad"))
        assert said.params["text"].startswith(
            "Dobrodošli v ekipi organizacije Knjižnica Bežigrad! Vaša vloga: skrbnik."
        )
        assert "Kaj lahko zdaj počnete:\n/post – " in said.params["text"]
        assert "/staff – " in said.params["text"] and "/kb" not in said.params["text"]
        await double.wait_for("setMyCommands", in_scope_of(ANA), count=3)
        slovenian = double.menu(ANA, "sl")
        assert set(slovenian) >= EVERYONES | ADMIN_COMMANDS
        assert slovenian[: len(double.menu(None, "sl"))] == double.menu(None, "sl")
        assert "org" not in slovenian and "kb" not in slovenian  # one organisation, no platform
        assert set(double.menu(ANA, "en")) == set(slovenian)
        assert set(double.menu(ANA, "de")) == set(slovenian)  # another Telegram: its fallback
        assert "staff" not in double.menu(LEARNER, "sl")  # everyone else: everyone's menu

        double.push_message(ANA, f"/start join-{code_in(link)}", language_code="sl")  # again
        await double.wait_for("sendMessage", saying(ANA, "že bilo uporabljeno"))

    story(double, services, scenario)
    assert [s.telegram_id for s in services.staff.staff(COMMAND_LINE, LIBRARY)] == [ANA]


def test_an_editors_menu_has_only_what_editors_may(double, world):
    services = world
    link = services.staff.invite(COMMAND_LINE, YOUTH, "editor").link

    async def scenario(app):
        double.push_message(BORIS, f"/start join-{code_in(link)}", language_code="en")
        await double.wait_for("sendMessage", saying(BORIS, "Your role: editor"))
        await double.wait_for("setMyCommands", in_scope_of(BORIS), count=3)
        shown = set(double.menu(BORIS, "en"))
        assert {"post", "myposts", "stats"} <= shown
        assert not shown & {"announce", "announcements", "reviews", "staff", "org", "kb"}
        double.push_message(BORIS, "/staff", language_code="en")
        await double.wait_for("sendMessage", saying(BORIS, REFUSAL_EN))

    story(double, services, scenario)


def test_a_learner_is_refused_and_sees_no_staff_commands(double, world):
    services = world
    joined(services.staff, LIBRARY, ANA, "admin")
    library = organisation_id(services, LIBRARY)

    async def scenario(app):
        for command in ("/staff", "/reviews", "/org"):
            double.push_message(LEARNER, command, language_code="sl")
        refused = await double.wait_for(
            "sendMessage", saying(LEARNER, "Oprostite, to lahko storijo le sodelavci"), count=3
        )
        assert len(refused) == 3
        double.push_callback(LEARNER, f"srmok:{library}:{ANA}", language_code="en")  # forged
        double.push_callback(LEARNER, f"sinv:{library}:admin", language_code="en")
        double.push_callback(LEARNER, f"actfor:{library}", language_code="en")
        answers = await double.wait_for(
            "answerCallbackQuery", lambda c: c.params.get("text") == REFUSAL_EN, count=3
        )
        assert len(answers) == 3
        for wrong in ("bogus", "no-join-code", "join-" + "x" * 40):
            double.push_message(LEARNER, f"/start {wrong}", language_code="en")
        await double.wait_for("sendMessage", saying(LEARNER, "I do not know this invitation"))
        assert "staff" not in double.menu(LEARNER, "sl")
        assert double.calls_to("setMyCommands") and not [
            c for c in double.calls_to("setMyCommands") if in_scope_of(LEARNER)(c)
        ]

    story(double, services, scenario)
    assert [s.telegram_id for s in services.staff.staff(COMMAND_LINE, LIBRARY)] == [ANA]
    actions = [line.action for line in services.staff.audit_log(COMMAND_LINE)]
    assert actions.count("staff.invite") == 1  # ANA's own; the forged press made none


def test_an_administrator_invites_and_removes_and_the_removed_keep_nothing(double, world):
    services = world
    joined(services.staff, LIBRARY, ANA, "admin")
    joined(services.staff, LIBRARY, BORIS, "editor")

    async def scenario(app):
        double.push_message(BORIS, "/help", language_code="en")  # the bot knows their chat
        await double.wait_for("sendMessage", lambda c: c.params.get("chat_id") == BORIS)
        double.push_message(ANA, "/staff", language_code="en")
        [listing] = await double.wait_for("sendMessage", saying(ANA, "The staff of"))
        text = listing.params["text"]
        assert f"• {ANA}: administrator" in text and "(you)" in text
        assert f"• {BORIS}: editor" in text
        data = [b["callback_data"] for b in buttons(listing)]
        library = organisation_id(services, LIBRARY)
        assert f"srm:{library}:{BORIS}" in data and f"sinv:{library}:editor" in data

        double.push_callback(ANA, f"sinv:{library}:editor", language_code="en")
        [invited] = await double.wait_for("sendMessage", saying(ANA, "one-time invitation"))
        link = invited.params["text"].splitlines()[-1]
        double.push_message(CVETKA, f"/start join-{code_in(link)}", language_code="en")
        await double.wait_for("sendMessage", saying(CVETKA, "Welcome to the staff of Knjižnica"))

        double.push_callback(ANA, f"srm:{library}:{BORIS}", language_code="en")
        [asked] = await double.wait_for("sendMessage", saying(ANA, f"Remove {BORIS} from"))
        sure, keep = (b["callback_data"] for b in buttons(asked))
        assert (sure, keep) == (f"srmok:{library}:{BORIS}", f"skeep:{library}")
        double.push_callback(ANA, keep, language_code="en")
        await double.wait_for(
            "answerCallbackQuery", lambda c: c.params.get("text") == "Nothing changed."
        )
        assert len(services.staff.staff(COMMAND_LINE, LIBRARY)) == 3
        double.push_callback(ANA, sure, language_code="en")
        await double.wait_for("sendMessage", saying(ANA, f"{BORIS} is no longer on the staff"))
        await double.wait_for("deleteMyCommands", last_reset_of(BORIS))
        await double.wait_for(
            "sendMessage", saying(BORIS, "You are no longer on the staff of Knjižnica Bežigrad")
        )
        assert "post" not in double.menu(BORIS, "en")
        assert double.menu(BORIS, "en") == double.menu(None, "en")
        double.push_message(BORIS, "/staff", language_code="en")
        double.push_message(BORIS, "/org", language_code="en")
        await double.wait_for("sendMessage", saying(BORIS, REFUSAL_EN), count=2)

        double.push_callback(ANA, f"srmok:{library}:{ANA}", language_code="en")  # the only admin
        await double.wait_for("sendMessage", saying(ANA, "only administrator"))

    story(double, services, scenario)
    staff = services.staff.staff(COMMAND_LINE, LIBRARY)
    assert [(s.telegram_id, s.role) for s in staff] == [(ANA, "admin"), (CVETKA, "editor")]


def test_org_chooses_the_organisation_to_act_for(double, world):
    services = world
    joined(services.staff, LIBRARY, ANA, "admin")
    joined(services.staff, YOUTH, ANA, "editor")
    youth = organisation_id(services, YOUTH)

    async def scenario(app):
        double.push_message(ANA, "/org", language_code="en")
        [asked] = await double.wait_for("sendMessage", saying(ANA, "Choose another"))
        labels = {b["text"]: b["callback_data"] for b in buttons(asked)}
        assert labels == {
            "✅ Knjižnica Bežigrad": f"actfor:{organisation_id(services, LIBRARY)}",
            "Mladinski center Šiška": f"actfor:{youth}",
        }
        double.push_callback(ANA, f"actfor:{youth}", language_code="en")
        await double.wait_for("sendMessage", saying(ANA, "You now act for Mladinski center"))
        assert app.user_data[ANA].acting_for == youth

    story(double, services, scenario)


def test_the_menus_job_keeps_menus_as_the_policy_says(double, world, monkeypatch):
    """Staff who joined or left while the bot was away (the command line) get their menus
    from the job: at the start, then every MENUS_EVERY."""
    monkeypatch.setattr("bot.telegram.staff_chat.MENUS_EVERY", 0.2)
    services = world
    joined(services.staff, LIBRARY, ANA, "admin")

    async def scenario(app):
        double.push_message(ANA, "/help", language_code="en")
        await double.wait_for("setMyCommands", in_scope_of(ANA), count=3)
        assert "staff" in double.menu(ANA, "en")
        calls = len([c for c in double.calls_to("setMyCommands") if in_scope_of(ANA)(c)])
        await asyncio.sleep(0.6)  # passes that find nothing to change set nothing
        assert len([c for c in double.calls_to("setMyCommands") if in_scope_of(ANA)(c)]) == calls
        services.staff.remove(COMMAND_LINE, LIBRARY, ANA)  # the command line, meanwhile
        await double.wait_for("deleteMyCommands", last_reset_of(ANA))
        assert "staff" not in double.menu(ANA, "en")

    story(double, services, scenario)


def test_a_large_staff_is_listed_in_one_message(double, world):
    services = world
    joined(services.staff, LIBRARY, ANA, "admin")
    for n in range(41):
        joined(services.staff, LIBRARY, 7000 + n, "editor")

    async def scenario(app):
        double.push_message(ANA, "/staff", language_code="sl")
        [listing] = await double.wait_for("sendMessage", saying(ANA, "Ekipa organizacije"))
        assert "…in še 2 osebi (vse izpiše ukazna vrstica)." in listing.params["text"]
        removable = [b for b in buttons(listing) if b["callback_data"].startswith("srm:")]
        assert len(removable) == 40

    story(double, services, scenario)


def pending_ids(services: Services) -> list[int]:
    return [i.id for i in services.staff.pending_invites(COMMAND_LINE, LIBRARY)]


def test_open_invitations_are_listed_and_withdrawn_in_the_chat(double, world):
    services = world
    joined(services.staff, LIBRARY, ANA, "admin")
    joined(services.staff, LIBRARY, BORIS, "editor")
    mine = services.staff.invite(Actor.on_telegram(ANA), LIBRARY, "editor")
    platforms = services.staff.invite(COMMAND_LINE, LIBRARY, "admin")
    editor_invite, admin_invite = pending_ids(services)
    library = organisation_id(services, LIBRARY)

    async def scenario(app):
        double.push_message(ANA, "/staff", language_code="en")
        [listing] = await double.wait_for("sendMessage", saying(ANA, "The staff of"))
        text = listing.params["text"]
        assert "Invitations not used yet:" in text
        assert "1. editor, made by you, valid until" in text
        assert "2. administrator, made by the platform's administrator, valid until" in text
        assert mine.code not in str(listing.params) and platforms.code not in str(listing.params)
        withdraw = {b["text"]: b["callback_data"] for b in buttons(listing)}
        assert withdraw["✖ Withdraw invitation 1"] == f"sicx:{library}:{editor_invite}"
        assert withdraw["✖ Withdraw invitation 2"] == f"sicx:{library}:{admin_invite}"

        for outsider in (BORIS, LEARNER):  # an editor, a learner: forged presses
            double.push_callback(outsider, f"sicxok:{library}:{admin_invite}", language_code="en")
        refused = await double.wait_for(
            "answerCallbackQuery", lambda c: c.params.get("text") == REFUSAL_EN, count=2
        )
        assert len(refused) == 2 and pending_ids(services) == [editor_invite, admin_invite]

        double.push_callback(ANA, f"sicx:{library}:{admin_invite}", language_code="en")
        [asked] = await double.wait_for("sendMessage", saying(ANA, "Withdraw this invitation?"))
        sure, keep = (b["callback_data"] for b in buttons(asked))
        assert (sure, keep) == (f"sicxok:{library}:{admin_invite}", f"skeep:{library}")
        double.push_callback(ANA, sure, language_code="en")
        await double.wait_for(
            "sendMessage",
            saying(ANA, "The invitation for an administrator of Knjižnica Bežigrad is withdrawn."),
        )
        assert pending_ids(services) == [editor_invite]
        double.push_callback(ANA, sure, language_code="en")  # the same question, pressed again
        await double.wait_for("sendMessage", saying(ANA, "That invitation is no longer open"))

        double.push_message(CVETKA, f"/start join-{platforms.code}", language_code="sl")
        await double.wait_for(
            "sendMessage", saying(CVETKA, "Organizacija je to povabilo preklicala.")
        )
        double.push_message(CVETKA, f"/start join-{platforms.code}", language_code="en")
        await double.wait_for(
            "sendMessage", saying(CVETKA, "This invitation was withdrawn by the organisation.")
        )

        double.push_message(ANA, "/staff", language_code="sl")
        [again] = await double.wait_for("sendMessage", saying(ANA, "Povabila, ki še niso"))
        assert "1. vloga: urednik, avtor povabila: vi, velja do" in again.params["text"]
        assert "2." not in again.params["text"].split("Povabila")[1]

    story(double, services, scenario)
    assert CVETKA not in [s.telegram_id for s in services.staff.staff(COMMAND_LINE, LIBRARY)]
    cancelled = [
        (line.actor_telegram_id, line.target)
        for line in services.staff.audit_log(COMMAND_LINE, LIBRARY)
        if line.action == "staff.invite_cancel"
    ]
    assert cancelled == [(ANA, f"invite:{admin_invite}")]


def test_the_removed_are_told_in_their_language_and_lose_their_menu(double, world):
    """The command line removes someone while the bot runs: the outbox tells them, and resets
    their menu first (the menus job would only in MENUS_EVERY)."""
    services = world
    joined(services.staff, LIBRARY, ANA, "admin")
    joined(services.staff, YOUTH, CVETKA, "editor")
    link = services.staff.invite(COMMAND_LINE, LIBRARY, "editor").link

    async def scenario(app):
        double.push_message(BORIS, f"/start join-{code_in(link)}", language_code="sl")
        await double.wait_for("setMyCommands", in_scope_of(BORIS), count=3)
        assert "post" in double.menu(BORIS, "sl")
        services.staff.remove(COMMAND_LINE, LIBRARY, BORIS)
        [told] = await double.wait_for(
            "sendMessage", saying(BORIS, "Niste več v ekipi organizacije Knjižnica Bežigrad")
        )
        [reset] = [c for c in double.calls_to("deleteMyCommands") if last_reset_of(BORIS)(c)]
        assert double.calls.index(reset) < double.calls.index(told)
        assert double.menu(BORIS, "sl") == double.menu(None, "sl")
        double.push_message(BORIS, "/staff", language_code="sl")
        await double.wait_for("sendMessage", saying(BORIS, "Oprostite, to lahko storijo le"))

        # another organisation's editor, who reads English, is told in English
        double.push_message(CVETKA, "/help", language_code="en")
        await double.wait_for("sendMessage", lambda c: c.params.get("chat_id") == CVETKA)
        services.staff.remove(COMMAND_LINE, YOUTH, CVETKA)
        await double.wait_for(
            "sendMessage",
            saying(CVETKA, "You are no longer on the staff of Mladinski center Šiška"),
        )
        told_cvetka = [c for c in double.calls_to("sendMessage") if saying(CVETKA, "no longer")(c)]
        assert "Knjižnica" not in str(told_cvetka)

    story(double, services, scenario)


def test_a_new_member_learns_their_commands_and_the_inviter_who_joined(double, world):
    services = world
    joined(services.staff, LIBRARY, ANA, "admin")
    library = organisation_id(services, LIBRARY)

    async def scenario(app):
        double.push_callback(ANA, f"sinv:{library}:editor", language_code="en")
        [invited] = await double.wait_for("sendMessage", saying(ANA, "one-time invitation"))
        link = invited.params["text"].splitlines()[-1]
        double.push_message(
            CVETKA, f"/start join-{code_in(link)}", language_code="en", first_name="Cvetka <3"
        )
        [welcome] = await double.wait_for("sendMessage", saying(CVETKA, "Welcome to the staff"))
        text = welcome.params["text"]
        assert "What you can do now:\n/post – Post an opportunity" in text
        assert "/stats – The organisation's numbers" in text
        assert "/staff" not in text and "/announce" not in text  # an editor's commands only
        [news] = await double.wait_for("sendMessage", saying(ANA, "opened your invitation"))
        assert news.params["text"] == (
            "<b>Cvetka &lt;3</b> opened your invitation and is now on the staff of "
            "Knjižnica Bežigrad as editor. /staff lists the staff."
        )
        assert str(CVETKA) not in news.params["text"]

    story(double, services, scenario)
