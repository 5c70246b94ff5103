"""Following organisations, topics and districts, and the news of new opportunities, on SQLite
and PostgreSQL: following (once, twice, undone), what may be followed, the counts an organisation
sees, a typed topic's or district's name (no case, no accents), instant news (one row a person,
an item at most once, nobody who chose the weekly digest or blocked the bot), the weekly digest's
time (a Saturday morning in the city's time, spread over two hours, summer time or not) and what
/mydata and /delete do with follows."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import delete, func, select, update

from access.policy import Policy
from actions.messages import FollowedNews, from_json
from actions.news import FollowNewsMessages, looked_up
from organisations.context import OrganisationContext
from organisations.following import (
    DIGEST_KIND,
    DISTRICT,
    NEWS_KIND,
    ORGANISATION,
    TOPIC,
    WEEKLY,
    Followed,
    FollowService,
    digest_minute,
    digest_slot,
)
from store import follows as follows_store
from store import people, usage
from store.catalogue_import import apply_records, read_catalogue
from store.db import Database
from store.models import Follow, Opportunity, Organisation, OutboxMessage, Person

from .conftest import GAZETTEER

ZONE = ZoneInfo("Europe/Ljubljana")
MONDAY = datetime(2026, 11, 23, 12, 0, tzinfo=ZONE)  # the suite's pinned moment
SISKA_CENTRE = "cetrtni-mladinski-center-siska"
STUPAR = "javni-zavod-cene-stupar"
LIBRARY = "knjiznica-otona-zupancica"


def record(key: str, organisation: str, topics: list[str], district: str | None) -> dict:
    found = {
        "id": key,
        "title": {"sl": f"Naslov {key}", "en": f"Title {key}"},
        "description": {"sl": "Opis.", "en": "A description."},
        "organisation": organisation,
        "kind": "workshop",
        "topics": topics,
    }
    if district:
        found["location"] = {"address": "Ulica 1", "district": district}
    return found


ROBOTICS = record("lj-robotika", "Četrtni mladinski center Šiška", ["Robotics", "stem"], "Šiška")
SLOVENIAN = record(
    "lj-a1", "Javni zavod Cene Štupar", ["slovenian language", "integration"], "Moste"
)
READING = record("lj-branje", "Knjižnica Otona Župančiča", ["reading", "stem"], "Center")
MARIBOR = record("lj-maribor", "Knjižnica Otona Župančiča", ["reading"], "Maribor")


class Clock:
    """Stands at `now`; set to None, it is the wall clock (which time-machine moves)."""

    def __init__(self, now: datetime | None = MONDAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now or datetime.now(ZONE)


def load(database: Database, records: list[dict], created: datetime = MONDAY) -> dict[str, int]:
    """The records in the catalogue, made at `created`; their ids by external id."""
    found = read_catalogue([json.dumps(r, ensure_ascii=False) for r in records])
    with database.session() as session:
        apply_records(session, found, "ljubljana", ZONE, now=created)
        keys = [r["id"] for r in records]
        session.execute(
            update(Opportunity).where(Opportunity.external_id.in_(keys)).values(created_at=created)
        )
        return dict(
            session.execute(
                select(Opportunity.external_id, Opportunity.id).where(
                    Opportunity.external_id.in_(keys)
                )
            ).all()
        )


@pytest.fixture
def world(database: Database) -> tuple[FollowService, Clock, dict[str, int]]:
    clock = Clock()
    ids = load(database, [ROBOTICS, SLOVENIAN, READING, MARIBOR])
    ctx = OrganisationContext(database, clock, Policy(()), "ljubljana", b"s" * 32)
    districts = [p.name for p in GAZETTEER.places if p.kind == "district"]
    return FollowService(ctx, ZONE, districts, FollowNewsMessages()), clock, ids


def someone(service: FollowService, telegram_id: int, news: str = "instant") -> int:
    with service.ctx.database.session() as session:
        person = people.seen(session, telegram_id, service.ctx.clock())
        person_id = person.id
    if news != "instant":
        assert service.set_news(person_id, news)
    return person_id


def rows(service: FollowService, kind: str | None = None) -> list[OutboxMessage]:
    with service.ctx.database.session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.scalars(query))


def news_ids(row: OutboxMessage) -> list[int]:
    [message] = [from_json(m) for m in row.payload]
    assert isinstance(message, FollowedNews)
    return message.opportunity_ids


# ---- following -----------------------------------------------------------------------------------
def test_following_an_organisation_once_twice_and_undone_and_what_it_is_told(world):
    service, _clock, _ids = world
    learner, other = someone(service, 9001), someone(service, 9002)

    first = service.follow(learner, ORGANISATION, SISKA_CENTRE)
    assert first.outcome is Followed.NEW
    assert first.followed.name == "Četrtni mladinski center Šiška"
    assert service.follow(learner, ORGANISATION, SISKA_CENTRE).outcome is Followed.ALREADY
    assert service.follow(other, ORGANISATION, SISKA_CENTRE).outcome is Followed.NEW
    assert service.follower_count(SISKA_CENTRE) == 2
    assert service.follower_count(STUPAR) == 0
    with service.ctx.database.session() as session:  # counted once a new follower, no one named
        organisation_id = session.scalar(
            select(Organisation.id).where(Organisation.slug == SISKA_CENTRE)
        )
        totals = usage.totals(session, organisation_id, MONDAY.date(), MONDAY.date())
    assert totals == {(usage.FOLLOWED, 0): 2}

    following = service.following(learner)
    assert [(f.kind, f.key, f.name) for f in following.items] == [
        (ORGANISATION, SISKA_CENTRE, "Četrtni mladinski center Šiška")
    ]
    assert following.news == "instant"
    assert service.unfollow(learner, ORGANISATION, SISKA_CENTRE) is True
    assert service.unfollow(learner, ORGANISATION, SISKA_CENTRE) is False
    assert service.following(learner).items == []
    assert service.follower_count(SISKA_CENTRE) == 1


def test_topics_and_districts_are_followed_whatever_their_case_and_by_their_buttons(world):
    service, _clock, _ids = world
    learner = someone(service, 9001)
    assert service.follow(learner, TOPIC, "ROBOTICS").outcome is Followed.NEW
    assert service.follow(learner, TOPIC, "robotics").outcome is Followed.ALREADY
    assert service.follow(learner, DISTRICT, "ŠIŠKA").outcome is Followed.NEW
    assert service.follow(learner, DISTRICT, "Šiška").outcome is Followed.ALREADY
    # a district of the gazetteer with nothing there yet, and a town the catalogue uses
    assert service.follow(learner, DISTRICT, "Črnuče").outcome is Followed.NEW
    assert service.follow(learner, DISTRICT, "Maribor").outcome is Followed.NEW
    items = service.following(learner).items
    assert [(f.kind, f.key, f.name) for f in items] == [
        (TOPIC, "robotics", "robotics"),
        (DISTRICT, "šiška", "Šiška"),
        (DISTRICT, "črnuče", "Črnuče"),
        (DISTRICT, "maribor", "Maribor"),
    ]
    # a button's token stands for the same thing in /follow's list and in /following
    [siska] = [f for f in service.districts() if f.name == "Šiška"]
    assert siska.token == items[1].token and siska.token.isascii() and len(siska.token) == 10
    assert service.by_token(DISTRICT, siska.token) == siska
    assert service.unfollow_token(learner, DISTRICT, siska.token).name == "Šiška"
    assert service.unfollow_token(learner, DISTRICT, siska.token) is None

    topics = [f.key for f in service.topics()]
    assert topics[:2] == ["reading", "stem"]  # the most used first
    assert "robotics" in topics and "slovenian language" in topics
    assert [f.name for f in service.active_districts()] == ["Center", "Maribor", "Moste", "Šiška"]


def test_only_what_the_city_knows_may_be_followed(world, database):
    service, _clock, _ids = world
    learner = someone(service, 9001)
    with database.session() as session:
        session.add(Organisation(name="Drugje", slug="drugje", city="maribor"))
    for kind, key in [
        (ORGANISATION, "no-such-organisation"),
        (ORGANISATION, "drugje"),  # another city's
        (TOPIC, "astrology"),
        (DISTRICT, "Atlantis"),
        ("friend", "9002"),
    ]:
        assert service.follow(learner, kind, key).outcome is Followed.UNKNOWN, (kind, key)
    assert service.follow_organiser(learner, 10**6).outcome is Followed.UNKNOWN
    assert service.following(learner).items == []
    assert service.set_news(learner, "hourly") is False
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Follow)) == 0


def test_a_typed_name_is_a_topic_or_district_of_the_city_whatever_its_case_and_accents(
    world, database
):
    service, _clock, _ids = world
    with database.session() as session:  # followed, though no opportunity has it now
        person_id = people.seen(session, 9001, MONDAY).id
        follows_store.follow(session, person_id, TOPIC, "knitting", "ljubljana", MONDAY)

    def named(text: str, *names: dict[str, str]) -> tuple[str, str] | None:
        found = service.named(text, names)
        return (found.kind, found.stored) if found else None

    assert named("  ŠIŠKA ") == named("siska") == (DISTRICT, "šiška")  # of an opportunity
    assert named("Bezigrad") == (DISTRICT, "bežigrad")  # of the gazetteer only
    assert named("ROBOTICS") == (TOPIC, "robotics")  # the catalogue writes "Robotics"
    assert named("Robotika") is None  # no name of it given …
    assert named("Robotika", {"robotics": "robotika"}) == (TOPIC, "robotics")  # … and given
    assert named("Knitting") == (TOPIC, "knitting")
    assert named("district:Moste") == (DISTRICT, "moste")  # as the command line writes it
    assert named("topic:Moste") is None
    for nothing in ["", "   ", "Atlantis", "astrology", "x" * 200, "topic:", "Robotics Šiška"]:
        assert named(nothing) is None, nothing


def test_a_cards_button_follows_the_organisation_that_offers_it(world):
    service, _clock, ids = world
    learner = someone(service, 9001)
    result = service.follow_organiser(learner, ids["lj-a1"])
    assert (result.outcome, result.followed.key) == (Followed.NEW, STUPAR)
    assert service.follow_organiser(learner, ids["lj-a1"]).outcome is Followed.ALREADY


# ---- instant news --------------------------------------------------------------------------------
def test_news_reaches_each_follower_once_and_only_those_who_chose_it(world, database):
    service, clock, ids = world
    both = someone(service, 9001)  # follows the organisation AND a topic of the workshop
    service.follow(both, ORGANISATION, SISKA_CENTRE)
    service.follow(both, TOPIC, "robotics")
    moste = someone(service, 9002)  # the district of the course
    service.follow(moste, DISTRICT, "Moste")
    weekly = someone(service, 9003, WEEKLY)  # hears of it on Saturday instead
    service.follow(weekly, ORGANISATION, SISKA_CENTRE)
    gone = someone(service, 9004)  # blocked the bot
    service.follow(gone, TOPIC, "robotics")
    with database.session() as session:
        people.blocked(session, gone, clock())
    nobody = someone(service, 9005)  # follows something else
    service.follow(nobody, TOPIC, "reading")

    assert service.news_of([ids["lj-robotika"], ids["lj-a1"]]) == 2
    queued = rows(service)
    assert [(r.person_id, r.kind, news_ids(r)) for r in queued] == [
        (both, NEWS_KIND, [ids["lj-robotika"]]),
        (moste, NEWS_KIND, [ids["lj-a1"]]),
    ]
    assert all(r.status == "pending" and r.expires_at > clock() for r in queued)

    # the same items again (a second publish, an import run twice): nothing more
    assert service.news_of([ids["lj-robotika"], ids["lj-a1"]]) == 0
    # a new item with one already told: only the new one is named
    service.follow(both, TOPIC, "stem")
    assert service.news_of([ids["lj-robotika"], ids["lj-branje"]]) == 2
    latest = {r.person_id: news_ids(r) for r in rows(service)[-2:]}
    assert latest == {both: [ids["lj-branje"]], nobody: [ids["lj-branje"]]}
    assert service.news_of([]) == 0
    assert service.news_of([10**6]) == 0


def test_withdrawn_items_are_no_news_and_the_cards_are_looked_up_when_sent(world, database):
    service, clock, ids = world
    learner = someone(service, 9001)
    service.follow(learner, TOPIC, "reading")
    assert service.news_of([ids["lj-branje"], ids["lj-maribor"]]) == 1
    [row] = rows(service)
    with database.session() as session:
        session.execute(
            update(Opportunity)
            .where(Opportunity.id == ids["lj-maribor"])
            .values(withdrawn_at=clock())
        )
    [message] = [from_json(m) for m in row.payload]
    cards = looked_up(database, ZONE, message).cards
    assert [c.key for c in cards] == ["lj-branje"]  # withdrawn meanwhile: left out
    assert cards[0].organisation == "Knjižnica Otona Župančiča"
    assert service.news_of([ids["lj-maribor"]]) == 0  # withdrawn: no news


def test_import_report_ids_are_found_for_the_news(world):
    service, _clock, ids = world
    assert sorted(service.ids_of(["lj-a1", "lj-branje", "unknown"])) == sorted(
        [ids["lj-a1"], ids["lj-branje"]]
    )
    assert service.ids_of([]) == []


# ---- the weekly digest ---------------------------------------------------------------------------
def test_the_digest_slot_is_a_saturday_morning_in_the_citys_time_summer_or_winter():
    minutes = Counter(digest_minute(person_id) for person_id in range(1, 2001))
    assert len(minutes) == 120 and max(minutes.values()) < 40  # spread over the two hours
    for moment in (datetime(2027, 3, 26, 12, tzinfo=UTC), datetime(2027, 4, 2, 12, tzinfo=UTC)):
        slot = digest_slot(7, moment, ZONE)
        assert slot.weekday() == 5 and slot.tzinfo is not None
        assert slot.astimezone(ZONE).hour in (10, 11)
        assert slot <= moment and moment - slot < timedelta(days=7)
    winter = digest_slot(7, datetime(2027, 3, 27, 12, tzinfo=UTC), ZONE)
    summer = digest_slot(7, datetime(2027, 4, 3, 12, tzinfo=UTC), ZONE)
    assert winter.astimezone(ZONE).time() == summer.astimezone(ZONE).time()  # the same hour
    elapsed = summer.astimezone(UTC) - winter.astimezone(UTC)
    assert elapsed == timedelta(days=7, hours=-1)  # the clocks moved on 28 March


def test_the_weekly_digest_goes_out_once_on_saturday_with_what_is_new(world, database):
    service, clock, ids = world
    reader = someone(service, 9001, WEEKLY)
    service.follow(reader, TOPIC, "stem")
    service.follow(reader, ORGANISATION, SISKA_CENTRE)
    instant = someone(service, 9002)  # chose instant news: never a digest
    service.follow(instant, TOPIC, "stem")
    blocked = someone(service, 9003, WEEKLY)
    service.follow(blocked, TOPIC, "stem")
    with database.session() as session:
        people.blocked(session, blocked, clock())
    idle = someone(service, 9004, WEEKLY)  # follows nothing new
    service.follow(idle, TOPIC, "integration")
    slot = digest_slot(reader, datetime(2026, 11, 28, 12, tzinfo=ZONE), ZONE)
    assert slot.date().isoformat() == "2026-11-28" and slot.hour in (10, 11)

    tuesday = MONDAY + timedelta(days=1)
    new = load(
        database,
        [
            record("lj-new-stem", "Nova organizacija", ["STEM"], None),
            record("lj-new-other", "Nova organizacija", ["cooking"], None),
        ],
        created=tuesday,
    )
    clock.now = None  # the wall clock from here on, moved by time-machine

    def digests_at(moment: datetime) -> int:
        with time_machine.travel(moment, tick=False):
            return service.queue_digests()

    assert digests_at(tuesday + timedelta(days=3)) == 0  # Friday
    assert digests_at(slot - timedelta(minutes=1)) == 0  # not yet
    assert digests_at(slot) == 1
    [row] = rows(service, DIGEST_KIND)
    assert row.person_id == reader
    [message] = [from_json(m) for m in row.payload]
    assert message.digest is True
    assert message.opportunity_ids == [new["lj-new-stem"]]  # the older items were not new
    assert row.not_before == slot
    assert digests_at(slot + timedelta(minutes=15)) == 0  # once a week
    assert digests_at(slot + timedelta(days=3)) == 0
    next_week = slot + timedelta(days=7)
    assert digests_at(next_week) == 0  # nothing new: nothing sent
    assert len(rows(service, DIGEST_KIND)) == 1
    with database.session() as session:
        last = session.scalar(select(Person.last_digest_at).where(Person.id == reader))
        assert last == next_week
        last_idle = session.scalar(select(Person.last_digest_at).where(Person.id == idle))
        assert last_idle > slot - timedelta(hours=2)  # its time moved on too
    assert rows(service, NEWS_KIND) == []
    assert ids  # the older catalogue was there all along


def test_switching_to_the_digest_starts_it_from_now(world):
    service, clock, _ids = world
    learner = someone(service, 9001)
    service.follow(learner, TOPIC, "stem")
    clock.now = MONDAY + timedelta(days=2)
    assert service.set_news(learner, WEEKLY)
    assert service.following(learner).news == WEEKLY
    saturday = digest_slot(learner, MONDAY + timedelta(days=5, hours=3), ZONE)
    # everything in the catalogue was made on Monday: before the digest started
    assert service.queue_digests(saturday) == 0
    assert service.set_news(learner, "instant")
    assert service.following(learner).news == "instant"


# ---- privacy -------------------------------------------------------------------------------------
def test_mydata_shows_follows_and_forget_deletes_them_and_the_database_cascades(world, database):
    service, _clock, _ids = world
    learner = someone(service, 9001, WEEKLY)
    service.follow(learner, ORGANISATION, SISKA_CENTRE)
    service.follow(learner, DISTRICT, "Moste")
    with database.session() as session:
        stored = people.stored_about(session, learner)
    assert stored.follows == ((ORGANISATION, SISKA_CENTRE), (DISTRICT, "moste"))
    assert stored.news == WEEKLY
    with database.session() as session:
        assert people.forget(session, learner)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Follow)) == 0

    other = someone(service, 9002)  # a person row deleted by hand: the foreign key cascades
    service.follow(other, TOPIC, "stem")
    with database.session() as session:
        session.execute(delete(Person).where(Person.id == other))
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Follow)) == 0
    assert service.follower_count(SISKA_CENTRE) == 0
