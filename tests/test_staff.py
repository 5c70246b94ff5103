"""The staff use cases on SQLite and on PostgreSQL: organisations made by platform administrators
only, invitations opened once (then used, expired or unknown, each said plainly), guesses
stopped, the role of a member changed, removal that leaves no access, the last administrator
kept, and an audit log that names every action but never a code; open invitations listed
(never a code) and withdrawn by the organisation's administrators only (a withdrawn link says
so), and staff news in the outbox (the removed told, an invitation's maker told who joined, by
first name only)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from access.policy import Actor, Capability, Refused, Role
from badges.claims import MAX_FAILED
from organisations.invites import JoinStatus, code_from_start
from organisations.staff import StaffService
from organisations.staff_problems import (
    BadInput,
    BotUsernameMissing,
    Fault,
    InviteNotPending,
    LastAdministrator,
    NotOnStaff,
    UnknownOrganisation,
)
from store import people
from store.db import Database
from store.models import (
    AuditEntry,
    Organisation,
    OutboxMessage,
    Person,
    StaffInvite,
    StaffMember,
)
from store.staff import take_invite

from .badges_world import MovableClock
from .staff_world import (
    ANA,
    BORIS,
    CITY,
    COMMAND_LINE,
    CVETKA,
    DAVID,
    LIBRARY,
    PLATFORM_ADMIN,
    SECRET,
    YOUTH,
    code_in,
    joined,
    staff_service,
    with_organisations,
)


@pytest.fixture
def world(database: Database) -> Iterator[tuple[StaffService, MovableClock]]:
    clock = MovableClock()
    yield with_organisations(staff_service(database, clock)), clock


def audit_rows(service: StaffService) -> list[AuditEntry]:
    with service.context.database.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def as_(telegram_id: int) -> Actor:
    return Actor.on_telegram(telegram_id)


# ---- organisations -------------------------------------------------------------------------------
def test_organisations_are_made_by_platform_administrators_with_their_profile(world):
    service, _ = world
    listed = {o.slug: o for o in service.organisations(COMMAND_LINE)}
    assert set(listed) == {LIBRARY, YOUTH}
    assert listed[LIBRARY].name == "Knjižnica Bežigrad"
    assert (listed[LIBRARY].url, listed[LIBRARY].email) == ("https://kb.example", "i@kb.example")
    assert (listed[LIBRARY].staff, listed[LIBRARY].followers) == (0, 0)
    with service.context.database.session() as session:
        made = session.scalar(select(Organisation).where(Organisation.slug == LIBRARY))
        assert made.city == CITY
    service.create_organisation(as_(PLATFORM_ADMIN), "ljudska-univerza", "Ljudska univerza")
    joined(service, LIBRARY, ANA, "admin")
    with pytest.raises(Refused):  # an organisation's administrator makes no organisations
        service.create_organisation(as_(ANA), "other", "Other")
    with pytest.raises(Refused):
        service.organisations(as_(ANA))
    assert [r.action for r in audit_rows(service)].count("organisation.create") == 3


@pytest.mark.parametrize(
    ("slug", "name", "options", "says", "where"),
    [
        ("Knjiznica", "A", {}, "is not a slug", ("slug", Fault.FORM)),
        ("-lead", "A", {}, "is not a slug", ("slug", Fault.FORM)),
        ("a" * 64, "A", {}, "is not a slug", ("slug", Fault.FORM)),
        ("šiška", "A", {}, "is not a slug", ("slug", Fault.FORM)),
        (CITY, "A", {}, "the city's own slug", ("slug", Fault.CITY)),
        (LIBRARY, "Another", {}, "is taken", ("slug", Fault.TAKEN)),
        ("new", "Knjižnica Bežigrad", {}, "exists", ("name", Fault.TAKEN)),
        ("new", "  ", {}, "name is required", ("name", Fault.REQUIRED)),
        ("new", "A" * 201, {}, "at most 200", ("name", Fault.LONG)),
        ("new", "A\x07", {}, "control characters", ("name", Fault.CONTROL)),
        ("new", "A", {"url": "ftp://kb.example"}, "http:// or https://", ("url", Fault.FORM)),
        ("new", "A", {"url": "javascript:alert(1)"}, "http:// or https://", ("url", Fault.FORM)),
        ("new", "A", {"email": "not-an-address"}, "not an e-mail address", ("email", Fault.FORM)),
        (
            "new",
            "A",
            {"image_url": "kb.example/logo.png"},
            "http:// or https://",
            ("image_url", Fault.FORM),
        ),
        ("new", "A", {"description": "x" * 2001}, "at most 2000", ("description", Fault.LONG)),
    ],
)
def test_a_bad_organisation_is_refused_with_what_is_wrong(world, slug, name, options, says, where):
    """What is wrong, in words for the command line, and which value and why for a chat."""
    service, _ = world
    with pytest.raises(BadInput, match=says) as refused:
        service.create_organisation(COMMAND_LINE, slug, name, **options)
    assert (refused.value.field, refused.value.fault) == where
    assert len(service.organisations(COMMAND_LINE)) == 2


def test_a_new_slug_is_checked_as_creating_would_check_it(world):
    service, _ = world
    assert service.check_new_slug(as_(PLATFORM_ADMIN), "  mc-moste ") == "mc-moste"
    for slug, fault in (("MC Moste", Fault.FORM), (CITY, Fault.CITY), (LIBRARY, Fault.TAKEN)):
        with pytest.raises(BadInput) as refused:
            service.check_new_slug(as_(PLATFORM_ADMIN), slug)
        assert (refused.value.field, refused.value.fault) == ("slug", fault)
    with pytest.raises(Refused):
        service.check_new_slug(as_(ANA), "mc-moste")  # staff of no organisation
    assert "mc-moste" not in {o.slug for o in service.organisations(COMMAND_LINE)}


def test_a_slug_of_63_characters_is_taken(world):
    service, _ = world
    service.create_organisation(COMMAND_LINE, "a" * 63, "Long")
    assert "a" * 63 in {o.slug for o in service.organisations(COMMAND_LINE)}


# ---- invitations ---------------------------------------------------------------------------------
def test_an_invitation_is_opened_once_and_its_code_is_kept_only_as_an_hmac(world):
    service, clock = world
    made = service.invite(COMMAND_LINE, LIBRARY, "editor")
    code = code_in(made.link)
    assert code == made.code and len(code) == 32  # 192 bits
    assert code_from_start(f"join-{code}") == code and code_from_start("badge-x") is None
    assert made.expires_at == clock() + timedelta(days=7)
    with service.context.database.session() as session:
        [stored] = session.scalars(select(StaffInvite))
        assert stored.code_hash == hmac.new(SECRET, code.encode(), hashlib.sha256).hexdigest()

    first = service.accept(ANA, code)
    assert (first.status, first.organisation, first.role) == (
        JoinStatus.JOINED,
        "Knjižnica Bežigrad",
        Role.EDITOR,
    )
    assert service.accept(BORIS, code).status is JoinStatus.USED
    assert service.accept(ANA, code).status is JoinStatus.USED
    policy = service.context.policy
    with service.context.database.session() as session:
        assert policy.role_in(session, as_(ANA), 1) is Role.EDITOR
        assert policy.capabilities(session, as_(BORIS)) == frozenset()
    staff = service.staff(COMMAND_LINE, LIBRARY)
    assert [(s.telegram_id, s.role, s.since) for s in staff] == [(ANA, Role.EDITOR, clock())]


def test_an_invitation_expires(world):
    service, clock = world
    code = service.invite(COMMAND_LINE, YOUTH, "admin", timedelta(days=2)).code
    clock.advance(days=2)
    expired = service.accept(ANA, code)
    assert (expired.status, expired.organisation) == (JoinStatus.EXPIRED, "Mladinski center Šiška")
    assert service.staff(COMMAND_LINE, YOUTH) == []
    fresh = service.invite(COMMAND_LINE, YOUTH, "admin", timedelta(days=2)).code
    clock.advance(days=1, hours=23)
    assert service.accept(ANA, fresh).status is JoinStatus.JOINED


@pytest.mark.parametrize("days", [0, -1, 31])
def test_an_invitation_is_valid_for_one_to_thirty_days(world, days):
    service, _ = world
    with pytest.raises(BadInput, match="1 to 30 days"):
        service.invite(COMMAND_LINE, LIBRARY, "editor", timedelta(days=days))


def test_a_wrong_code_is_unknown_and_guessing_is_stopped(world):
    service, clock = world
    real = service.invite(COMMAND_LINE, LIBRARY, "editor").code
    wrong = real[:-1] + ("A" if real[-1] != "A" else "B")
    guesses = [wrong, "short", "x" * 200, "ü" * 32, wrong]
    assert len(guesses) == MAX_FAILED
    for guess in guesses:
        assert service.accept(CVETKA, guess).status is JoinStatus.UNKNOWN
    stopped = service.accept(CVETKA, real)  # even the right code, until the window passes
    assert stopped.status is JoinStatus.TOO_MANY_ATTEMPTS
    assert stopped.retry_after == timedelta(minutes=10) and stopped.organisation is None
    clock.advance(minutes=10, seconds=1)
    assert service.accept(CVETKA, real).status is JoinStatus.JOINED


def test_an_invitation_changes_a_members_role_but_never_leaves_no_administrator(world):
    service, _ = world
    joined(service, LIBRARY, ANA, "admin")
    joined(service, LIBRARY, BORIS, "editor")
    promoted = service.accept(BORIS, service.invite(as_(ANA), LIBRARY, "admin").code)
    assert (promoted.status, promoted.role) == (JoinStatus.ROLE_CHANGED, Role.ADMIN)
    same = service.accept(BORIS, service.invite(as_(ANA), LIBRARY, "admin").code)
    assert same.status is JoinStatus.ALREADY
    service.remove(as_(BORIS), LIBRARY, ANA)
    kept = service.accept(BORIS, service.invite(as_(BORIS), LIBRARY, "editor").code)
    assert (kept.status, kept.role) == (JoinStatus.ALREADY, Role.ADMIN)  # the only one


def test_who_may_invite(world):
    service, _ = world
    joined(service, LIBRARY, ANA, "admin")
    joined(service, LIBRARY, BORIS, "editor")
    assert service.invite(as_(ANA), LIBRARY, "admin").role is Role.ADMIN
    assert service.invite(as_(PLATFORM_ADMIN), YOUTH, Role.EDITOR).slug == YOUTH
    for actor, slug in [(as_(BORIS), LIBRARY), (as_(ANA), YOUTH), (as_(CVETKA), LIBRARY)]:
        with pytest.raises(Refused):
            service.invite(actor, slug, "editor")
    with pytest.raises(Refused):  # a stranger learns nothing of which slugs exist
        service.invite(as_(ANA), "no-such-organisation", "editor")
    with pytest.raises(UnknownOrganisation):
        service.invite(COMMAND_LINE, "no-such-organisation", "editor")
    with pytest.raises(BadInput, match="no role"):
        service.invite(COMMAND_LINE, LIBRARY, "owner")


def test_an_invitation_needs_the_bots_username(database):
    service = with_organisations(staff_service(database, MovableClock(), bot_username=None))
    with pytest.raises(BotUsernameMissing, match="TELEGRAM_BOT_USERNAME"):
        service.invite(COMMAND_LINE, LIBRARY, "editor")
    with service.context.database.session() as session:
        assert session.scalar(select(StaffInvite)) is None


# ---- removal -------------------------------------------------------------------------------------
def test_removed_staff_keep_no_access(world):
    service, _ = world
    joined(service, LIBRARY, ANA, "admin")
    joined(service, LIBRARY, BORIS, "editor")
    policy, database = service.context.policy, service.context.database
    with database.session() as session:
        assert policy.may(session, as_(BORIS), Capability.POST, 1)
    removed = service.remove(as_(ANA), LIBRARY, BORIS)
    assert (removed.telegram_id, removed.role) == (BORIS, Role.EDITOR)
    with database.session() as session:
        assert not policy.may(session, as_(BORIS), Capability.POST, 1)
        assert policy.capabilities(session, as_(BORIS)) == frozenset()
        assert session.scalar(select(StaffMember).where(StaffMember.role == "editor")) is None
    with pytest.raises(NotOnStaff):
        service.remove(as_(ANA), LIBRARY, BORIS)
    with pytest.raises(Refused):  # nor may they remove anyone now
        service.remove(as_(BORIS), LIBRARY, ANA)
    assert service.menu(BORIS).capabilities == frozenset()


def test_the_last_administrator_is_removed_only_by_a_platform_administrator(world):
    service, _ = world
    joined(service, LIBRARY, ANA, "admin")
    joined(service, LIBRARY, BORIS, "admin")
    service.remove(as_(ANA), LIBRARY, BORIS)
    with pytest.raises(LastAdministrator):
        service.remove(as_(ANA), LIBRARY, ANA)
    assert service.remove(as_(PLATFORM_ADMIN), LIBRARY, ANA).role is Role.ADMIN
    assert service.staff(COMMAND_LINE, LIBRARY) == []


def test_editors_neither_list_nor_remove_staff(world):
    service, _ = world
    joined(service, LIBRARY, ANA, "admin")
    joined(service, LIBRARY, BORIS, "editor")
    with pytest.raises(Refused):
        service.staff(as_(BORIS), LIBRARY)
    with pytest.raises(Refused):
        service.staff(as_(ANA), YOUTH)
    assert [s.role for s in service.staff(as_(ANA), LIBRARY)] == [Role.ADMIN, Role.EDITOR]


# ---- the audit log and menus ---------------------------------------------------------------------
def test_every_action_is_audited_and_no_code_is_written(world):
    service, _ = world
    invitation = service.invite(COMMAND_LINE, LIBRARY, "admin")
    service.accept(ANA, invitation.code)
    second = service.invite(as_(ANA), LIBRARY, "editor")
    service.accept(BORIS, second.code)
    service.remove(as_(ANA), LIBRARY, BORIS)
    rows = audit_rows(service)
    assert [(r.action, r.actor_telegram_id) for r in rows] == [
        ("organisation.create", None),
        ("organisation.create", None),
        ("staff.invite", None),
        ("staff.join", ANA),
        ("staff.invite", ANA),
        ("staff.join", BORIS),
        ("staff.remove", ANA),
    ]
    assert rows[-1].target == f"telegram:{BORIS}" and rows[-1].details == {"role": "editor"}
    assert rows[3].details["role"] == "admin"
    written = json.dumps([[r.target, r.details] for r in rows])
    for code in (invitation.code, second.code):
        assert code not in written
        assert hmac.new(SECRET, code.encode(), hashlib.sha256).hexdigest() not in written

    mine = service.audit_log(as_(ANA), LIBRARY)
    assert [line.action for line in mine][:2] == ["staff.remove", "staff.join"]
    assert {line.organisation for line in mine} == {LIBRARY}
    assert len(service.audit_log(COMMAND_LINE, limit=3)) == 3
    with pytest.raises(Refused):  # all of it is the platform's
        service.audit_log(as_(ANA))
    with pytest.raises(Refused):
        service.audit_log(as_(BORIS), LIBRARY)


def test_menus_follow_roles(world):
    service, _ = world
    joined(service, LIBRARY, ANA, "admin")
    joined(service, YOUTH, ANA, "editor")
    joined(service, LIBRARY, BORIS, "editor")
    ana, boris = service.menu(ANA), service.menu(BORIS)
    assert Capability.STAFF in ana.capabilities and ana.several
    assert boris.capabilities == {Capability.POST, Capability.STATS} and not boris.several
    assert service.menu(CVETKA).capabilities == frozenset()
    assert service.menu(PLATFORM_ADMIN).capabilities == frozenset(Capability)
    service.remove(as_(ANA), LIBRARY, BORIS)
    assert service.menu_holders() == sorted({ANA, BORIS, PLATFORM_ADMIN})  # BORIS: to reset


# ---- open invitations listed and withdrawn -------------------------------------------------------
def staff_news(service: StaffService) -> list[tuple[int | None, list[dict]]]:
    """The staff news in the outbox: to whom (their Telegram id), and what."""
    with service.context.database.session() as session:
        rows = session.execute(
            select(Person.telegram_id, OutboxMessage.payload)
            .join(Person, Person.id == OutboxMessage.person_id)
            .where(OutboxMessage.kind == "staff")
            .order_by(OutboxMessage.id)
        )
        return [(telegram_id, payload) for telegram_id, payload in rows]


def test_open_invitations_are_listed_without_their_codes_and_withdrawn_once(world):
    service, clock = world
    joined(service, LIBRARY, ANA, "admin")
    mine = service.invite(as_(ANA), LIBRARY, "editor", timedelta(days=3))
    platform = service.invite(COMMAND_LINE, LIBRARY, "admin")  # 7 days
    used = service.invite(COMMAND_LINE, LIBRARY, "editor")
    service.accept(BORIS, used.code)
    expiring = service.invite(COMMAND_LINE, LIBRARY, "editor", timedelta(days=1))
    service.invite(COMMAND_LINE, YOUTH, "editor")  # another organisation's
    clock.advance(days=1)  # `expiring` has expired

    listed = service.pending_invites(as_(ANA), LIBRARY)
    assert [(i.role, i.created_by) for i in listed] == [(Role.EDITOR, ANA), (Role.ADMIN, None)]
    assert [i.expires_at for i in listed] == [mine.expires_at, platform.expires_at]
    assert not any(hasattr(i, "code") or hasattr(i, "code_hash") for i in listed)
    assert expiring.expires_at <= clock()

    withdrawn = service.cancel_invite(as_(ANA), LIBRARY, listed[1].id)
    assert (withdrawn.organisation, withdrawn.role) == ("Knjižnica Bežigrad", Role.ADMIN)
    assert [i.id for i in service.pending_invites(as_(ANA), LIBRARY)] == [listed[0].id]
    with pytest.raises(InviteNotPending):  # twice
        service.cancel_invite(as_(ANA), LIBRARY, listed[1].id)
    with service.context.database.session() as session:
        ids = {
            row.expires_at: row.id
            for row in session.scalars(select(StaffInvite).order_by(StaffInvite.id))
        }
    for gone in (ids[used.expires_at], ids[expiring.expires_at], 999_999):
        with pytest.raises(InviteNotPending):  # used, expired, not there
            service.cancel_invite(COMMAND_LINE, LIBRARY, gone)

    opened = service.accept(CVETKA, platform.code)  # the withdrawn link
    assert (opened.status, opened.organisation) == (JoinStatus.CANCELLED, "Knjižnica Bežigrad")
    assert [s.telegram_id for s in service.staff(COMMAND_LINE, LIBRARY)] == [ANA, BORIS]
    cancelled = [r for r in audit_rows(service) if r.action == "staff.invite_cancel"]
    assert [(r.actor_telegram_id, r.target, r.details) for r in cancelled] == [
        (ANA, f"invite:{listed[1].id}", {"role": "admin"})
    ]
    assert platform.code not in json.dumps([r.details for r in audit_rows(service)])


def test_only_the_organisations_administrators_list_and_withdraw_its_invitations(world):
    service, _ = world
    joined(service, LIBRARY, ANA, "admin")
    joined(service, LIBRARY, BORIS, "editor")
    joined(service, YOUTH, CVETKA, "admin")
    service.invite(COMMAND_LINE, LIBRARY, "editor")
    [open_one] = service.pending_invites(COMMAND_LINE, LIBRARY)
    for outsider in (as_(BORIS), as_(CVETKA), as_(DAVID)):  # an editor, another's admin, nobody
        with pytest.raises(Refused):
            service.pending_invites(outsider, LIBRARY)
        with pytest.raises(Refused):
            service.cancel_invite(outsider, LIBRARY, open_one.id)
    with pytest.raises(Refused):  # a stranger learns nothing of which organisations exist
        service.cancel_invite(as_(DAVID), "no-such-place", open_one.id)
    with pytest.raises(InviteNotPending):  # their own organisation's name, another's invitation
        service.cancel_invite(as_(CVETKA), YOUTH, open_one.id)
    assert [i.id for i in service.pending_invites(as_(ANA), LIBRARY)] == [open_one.id]
    assert "staff.invite_cancel" not in [r.action for r in audit_rows(service)]


def test_an_invitation_withdrawn_as_it_is_opened_is_not_taken(world):
    """The last step of opening one (take_invite) is a compare-and-set that a withdrawal made
    meanwhile makes fail: the opener is told it was withdrawn, not that it was used."""
    service, _ = world
    service.invite(COMMAND_LINE, LIBRARY, "editor")
    [pending] = service.pending_invites(COMMAND_LINE, LIBRARY)
    service.cancel_invite(COMMAND_LINE, LIBRARY, pending.id)
    with service.context.database.session() as session:
        person = people.reached_on_telegram(session, BORIS, service.context.clock())
        assert take_invite(session, pending.id, person.id, service.context.clock()) is False
        assert session.get(StaffInvite, pending.id).used_at is None


# ---- staff news ----------------------------------------------------------------------------------
def test_the_removed_are_told_through_the_outbox(world):
    service, _ = world
    joined(service, LIBRARY, ANA, "admin")
    joined(service, LIBRARY, BORIS, "editor")
    joined(service, LIBRARY, CVETKA, "admin")
    service.remove(as_(ANA), LIBRARY, BORIS)  # from the chat
    service.remove(COMMAND_LINE, LIBRARY, CVETKA)  # the command line
    joined(service, LIBRARY, DAVID, "admin")
    service.remove(as_(DAVID), LIBRARY, DAVID)  # who removes themselves is not told
    removed = {"kind": "staff_removed", "organisation": "Knjižnica Bežigrad"}
    assert staff_news(service) == [(BORIS, [removed]), (CVETKA, [removed])]


def test_an_invitations_maker_is_told_who_joined_by_first_name_only(world):
    service, _ = world
    joined(service, LIBRARY, ANA, "admin")  # the command line's invitation: nobody to tell
    assert staff_news(service) == []
    mine = service.invite(as_(ANA), LIBRARY, "editor")
    assert service.accept(BORIS, mine.code, "  Boris\n<b>  ").status == JoinStatus.JOINED
    again = service.invite(as_(ANA), LIBRARY, "editor")
    assert service.accept(BORIS, again.code, "Boris").status == JoinStatus.ALREADY  # no news
    own = service.invite(as_(ANA), LIBRARY, "admin")
    service.accept(ANA, own.code, "Ana")  # their own link: no news either
    for_cvetka = service.invite(as_(ANA), LIBRARY, "editor")
    joined(service, LIBRARY, DAVID, "admin")
    service.remove(as_(DAVID), LIBRARY, ANA)  # ANA is gone before Cvetka opens it
    assert service.accept(CVETKA, for_cvetka.code, "Cvetka").status == JoinStatus.JOINED
    news = [(to, payload) for to, payload in staff_news(service) if to == ANA]
    assert news == [
        (
            ANA,
            [
                {
                    "kind": "staff_joined",
                    "organisation": "Knjižnica Bežigrad",
                    "first_name": "Boris <b>",
                    "role": "editor",
                }
            ],
        ),
        (ANA, [{"kind": "staff_removed", "organisation": "Knjižnica Bežigrad"}]),
    ]
