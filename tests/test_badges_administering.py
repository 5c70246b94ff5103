"""An organisation's badges as its administrators handle them (badges/administering.py and the
audit log of the badge use cases), on SQLite and PostgreSQL: only its administrators see its
badges and who earned them, a holder is named only as they show themselves publicly, a person
is checked before an award, and every change is audited without a claim code."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from access.audit import entries
from access.policy import Actor
from badges.problems import AlreadyHolds, NotAllowed, UnknownBadge, UnknownPerson
from store.models import Organisation

from .badges_world import AS_ADMIN, LEARNER, PLATFORM, SECOND, badge_services, code_of, person
from .staff_world import ANA, BORIS, CVETKA, joined

SISKA = "Četrtni mladinski center Šiška"


@pytest.fixture
def world(tmp_path, issuing_keys, database_url):
    services, _clock = badge_services(tmp_path, issuing_keys, database_url)
    with services.database.session() as session:
        siska = session.scalar(select(Organisation).where(Organisation.name == SISKA))
        ids = {"siska": siska.id, "slug": siska.slug}
    services.staff.create_organisation(PLATFORM, "knjiznica-bezigrad", "Knjižnica Bežigrad")
    joined(services.staff, ids["slug"], ANA, "admin")
    joined(services.staff, ids["slug"], BORIS, "editor")
    joined(services.staff, "knjiznica-bezigrad", CVETKA, "admin")
    yield services, ids
    services.close()


def robotics(services) -> str:  # type: ignore[no-untyped-def]
    [badge] = [b for b in services.badges.badge_classes() if b.opportunity_id == "lj-robotika"]
    return badge.badge_id


def test_only_the_organisations_administrators_see_its_badges(world):
    services, ids = world
    ana, boris, cvetka = (Actor.on_telegram(i) for i in (ANA, BORIS, CVETKA))
    page = services.badges.organisation_badges(ana, ids["siska"])
    assert page.total == 1
    [badge] = page.badges
    assert (badge.opportunity_id, badge.name["en"], badge.held) == (
        "lj-robotika",
        "Young roboticist",
        0,
    )
    for refused in (boris, cvetka, Actor.on_telegram(LEARNER)):
        with pytest.raises(NotAllowed):
            services.badges.organisation_badges(refused, ids["siska"])
        with pytest.raises(NotAllowed):
            services.badges.badge_for_admin(refused, badge.badge_id)
        with pytest.raises(NotAllowed):
            services.badges.earned(refused, badge.badge_id)
    assert services.badges.organisation_badges(AS_ADMIN, ids["siska"]).total == 1  # platform
    with pytest.raises(UnknownBadge):
        services.badges.badge_for_admin(ana, "no-such-badge")


def test_who_earned_names_a_holder_only_as_they_show_themselves_publicly(world):
    services, _ids = world
    ana = Actor.on_telegram(ANA)
    first, second = person(services, LEARNER), person(services, SECOND)
    shown = services.badges.award(ana, "lj-robotika", LEARNER)
    hidden = services.badges.award(ana, "lj-robotika", SECOND)
    services.badges.show_name(first, shown.award_id, "Luka N.")
    services.badges.show_name(second, hidden.award_id, "Nika")
    services.badges.hide(second, hidden.award_id)
    services.badges.revoke(ana, hidden.award_id, "a mistake")
    page = services.badges.earned(ana, robotics(services))
    assert page.total == 2 and page.badge.held == 1
    named = {a.award_id: (a.shown_name, a.revoked) for a in page.awards}
    assert named == {shown.award_id: ("Luka N.", False), hidden.award_id: (None, True)}


def test_a_person_is_checked_before_an_award(world):
    services, _ids = world
    ana = Actor.on_telegram(ANA)
    badge = robotics(services)
    with pytest.raises(UnknownPerson):
        services.badges.check_recipient(ana, badge, LEARNER)  # never wrote to the bot
    person(services, LEARNER)
    assert services.badges.check_recipient(ana, badge, LEARNER).badge_id == badge
    services.badges.award(ana, "lj-robotika", LEARNER)
    with pytest.raises(AlreadyHolds):
        services.badges.check_recipient(ana, badge, LEARNER)
    with pytest.raises(NotAllowed):
        services.badges.check_recipient(Actor.on_telegram(BORIS), badge, LEARNER)


def test_badge_changes_are_audited_without_a_claim_code(world):
    services, ids = world
    ana = Actor.on_telegram(ANA)
    person(services, LEARNER)
    link = services.badges.claim_link(ana, "lj-robotika", uses=5, valid_days=7)
    links = services.badges.claim_links(ana, "lj-robotika", 3, needs_evidence=True)
    award = services.badges.award(ana, "lj-robotika", LEARNER, evidence="built a robot")
    services.badges.revoke(PLATFORM, award.award_id, "awarded by mistake")
    with services.database.session() as session:
        logged = [
            (e.action, e.actor_telegram_id, e.organisation_id, e.target, e.details)
            for e in reversed(entries(session, ids["siska"]))
            if e.action.startswith("badge.")
        ]
    badge = robotics(services)
    assert [row[:4] for row in logged] == [
        ("badge.claim_link", ANA, ids["siska"], badge),
        ("badge.claim_link", ANA, ids["siska"], badge),
        ("badge.award", ANA, ids["siska"], award.award_id),
        ("badge.revoke", None, ids["siska"], award.award_id),  # the command line
    ]
    assert logged[0][4]["links"] == 1 and logged[0][4]["uses"] == 5
    assert logged[1][4] == {**logged[1][4], "links": 3, "uses": 1, "evidence": True}
    assert logged[3][4]["reason"] == "awarded by mistake"
    written = json.dumps(logged)
    for made in (link, *links):
        assert code_of(made.link) not in written
