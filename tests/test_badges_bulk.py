"""Many awards at once, and how status places are chosen: an administrator awards a badge to a
whole group in one transaction (all or nothing; who holds it already is skipped), every award
signed, placed and queued as one alone would be; places fill a list to half, then the next, and
a process that knows less than the store (another awarded meanwhile) still chooses free ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from access.policy import Actor
from badges.problems import BadInput, NotAllowed, UnknownPerson
from openbadges.verify import verify
from store import badges as store_badges
from store.models import Award, BadgeClass, OutboxMessage, UsageCount

from .badges_world import LEARNER, PLATFORM, START, FakeWeb, badge_services, person

GROUP = [20_000 + n for n in range(30)]


@pytest.fixture
def world(tmp_path, issuing_keys, database_url):
    services, clock = badge_services(tmp_path, issuing_keys, database_url)
    for telegram_id in GROUP:
        person(services, telegram_id)
    yield services, clock
    services.close()


def awards_and_messages(services) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with services.database.session() as session:
        awards = session.scalar(select(func.count()).select_from(Award))
        messages = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "badge")
        )
        counted = session.scalar(select(func.coalesce(func.sum(UsageCount.count), 0)))
    return int(awards or 0), int(messages or 0), int(counted or 0)


def test_a_group_is_awarded_at_once_and_who_holds_it_already_is_skipped(world):
    services, clock = world
    badges = services.badges
    earlier = [badges.award(PLATFORM, "lj-robotika", t) for t in GROUP[:2]]
    done = badges.award_many(
        PLATFORM, "lj-robotika", [*GROUP, GROUP[5]], evidence="https://mc-siska.example/day"
    )
    assert done.held_already == GROUP[:2]
    assert len(done.issued) == len(GROUP) - 2
    assert all(issued.queued for issued in done.issued)
    assert awards_and_messages(services) == (
        len(GROUP),
        len(GROUP),
        len(GROUP),
    )  # one "awarded" each
    with services.database.session() as session:
        places = session.execute(select(Award.status_list, Award.status_position)).all()
    assert len(set(places)) == len(GROUP)
    web = FakeWeb(services)
    for issued in [*earlier, *done.issued[:: len(done.issued) // 4]]:
        credential = badges.publisher.credential(issued.award_id).body.decode()
        assert verify(credential, web, now=clock()).valid
        assert verify(issued.assertion_url, web, now=clock()).valid


def test_someone_unknown_in_the_group_awards_nobody(world):
    services, _clock = world
    with pytest.raises(UnknownPerson, match="424242"):
        services.badges.award_many(PLATFORM, "lj-robotika", [*GROUP, 424242])
    assert awards_and_messages(services) == (0, 0, 0)


def test_a_group_award_is_all_or_nothing(world, monkeypatch):
    services, _clock = world
    calls = []

    def broken(award_id: str) -> list[dict]:
        calls.append(award_id)
        if len(calls) == len(GROUP) - 1:
            raise RuntimeError("the outbox is broken")
        return []

    monkeypatch.setattr(services.badges.context.messages, "badge_earned", broken)
    with pytest.raises(RuntimeError):
        services.badges.award_many(PLATFORM, "lj-robotika", GROUP)
    assert awards_and_messages(services) == (0, 0, 0)


def test_a_group_award_is_checked_like_one(world):
    services, clock = world
    with pytest.raises(NotAllowed):
        services.badges.award_many(Actor.on_telegram(123), "lj-robotika", GROUP)
    with pytest.raises(BadInput):
        services.badges.award_many(PLATFORM, "lj-robotika", [])
    with pytest.raises(BadInput):
        services.badges.award_many(
            PLATFORM, "lj-robotika", GROUP, expires_at=clock() - timedelta(days=1)
        )
    assert awards_and_messages(services) == (0, 0, 0)


def test_places_fill_a_list_to_half_then_the_next(world):
    services, _clock = world
    places = store_badges.StatusPlaces()
    chosen = []
    with services.database.session() as session:
        for _ in range(10):
            found = store_badges.free_places(session, places, "someone", 1, 8)
            chosen += found
            add_award(session, "someone", *found[0], number=len(chosen))
    lists = [number for number, _position in chosen]
    assert lists == [0] * 4 + [1] * 4 + [2] * 2
    assert len(set(chosen)) == len(chosen)


def test_another_process_that_knows_less_still_chooses_free_places(world):
    services, _clock = world
    mine, theirs = store_badges.StatusPlaces(), store_badges.StatusPlaces()
    with services.database.session() as session:
        taken = set()
        for n in range(6):  # "they" fill list 0 to half and start list 1
            place = store_badges.free_places(session, theirs, "someone", 1, 8)[0]
            add_award(session, "someone", *place, number=n)
            taken.add(place)
        for n in range(2):  # "I" last looked when the store was empty
            place = store_badges.free_places(session, mine, "someone", 1, 8)[0]
            assert place not in taken and place[0] == 1
            add_award(session, "someone", *place, number=10 + n)
            taken.add(place)


def test_an_award_whose_place_was_taken_meanwhile_is_placed_again(world, monkeypatch):
    """On PostgreSQL two awards may choose the same place at the same moment; the insert of the
    second does nothing, and it is placed (and signed) again."""
    services, _clock = world
    first = services.badges.award(PLATFORM, "lj-robotika", GROUP[0])
    with services.database.session() as session:
        taken = session.execute(
            select(Award.status_list, Award.status_position).where(
                Award.public_id == first.award_id
            )
        ).one()
    choose = store_badges.free_places
    calls = []

    def collide(session, places, slug, wanted, size):  # type: ignore[no-untyped-def]
        calls.append(wanted)
        if len(calls) == 1:
            return [tuple(taken)] * wanted  # as if it was free when looked at
        return choose(session, places, slug, wanted, size)

    person(services, LEARNER)
    monkeypatch.setattr(store_badges, "free_places", collide)
    second = services.badges.award(PLATFORM, "lj-robotika", LEARNER)
    assert len(calls) == 2
    with services.database.session() as session:
        place = session.execute(
            select(Award.status_list, Award.status_position).where(
                Award.public_id == second.award_id
            )
        ).one()
    assert tuple(place) != tuple(taken)
    assert awards_and_messages(services)[:2] == (2, 2)


def add_award(session, slug: str, status_list: int, position: int, number: int) -> None:  # type: ignore[no-untyped-def]
    """An award row at a place of `slug`'s lists (of the first badge class: any will do)."""
    badge_class_id = session.scalar(select(BadgeClass.id).order_by(BadgeClass.id).limit(1))
    session.add(
        Award(
            public_id=f"place-{number}",
            badge_class_id=badge_class_id,
            issuer_slug=slug,
            recipient_type="url",
            recipient_hash="sha256$x",
            recipient_salt="s",
            subject_id=f"urn:uuid:{number}",
            status_list=status_list,
            status_position=position,
            issued_at=START,
            evidence=[],
            hidden=False,
            credential="x",
            version=1,
        )
    )
    session.flush()
