"""Announcements' use cases on SQLite and PostgreSQL: who may announce (an organisation's
administrators and the platform's, never its editors or anyone else), the audiences and what
they reach, writing (limits, links), sending now and scheduling (time-machine), queueing in
chunks that a crash may stop midway, cancelling, withdrawing (what is planned for whom), the
counts and the reach."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from access.policy import Actor, Policy, Refused
from actions.messages import from_json
from bot.services import AnnouncementMessages
from organisations import announcing
from organisations.announcing import AnnouncementService, Content, Counts, Invalid
from organisations.context import OrganisationContext
from store import follows, outbox, usage
from store.db import Database
from store.models import Announcement, AuditEntry, Organisation, OutboxMessage, Person, StaffMember

ZONE = ZoneInfo("Europe/Ljubljana")
CITY = "ljubljana"
PLATFORM, ADMIN, EDITOR, STRANGER, OTHER_ADMIN = 1, 2, 3, 4, 5  # Telegram ids
FOLLOWERS = 30


def city_clock() -> datetime:
    return datetime.now(ZONE)


@pytest.fixture
def world(database: Database) -> tuple[AnnouncementService, int, int]:
    """Two organisations with staff; 30 people follow the first (3 of them also the topic
    "robotics"), 2 the second; one follower blocked the bot."""
    now = city_clock()
    with database.session() as session:
        mc = Organisation(name="Mladinski center", slug="mc", city=CITY)
        lib = Organisation(name="Knjižnica", slug="lib", city=CITY)
        session.add_all([mc, lib])
        session.flush()
        staff = {ADMIN: (mc, "admin"), EDITOR: (mc, "editor"), OTHER_ADMIN: (lib, "admin")}
        for telegram_id in (PLATFORM, ADMIN, EDITOR, STRANGER, OTHER_ADMIN):
            person = Person(telegram_id=telegram_id)
            session.add(person)
            session.flush()
            if telegram_id in staff:
                organisation, role = staff[telegram_id]
                session.add(
                    StaffMember(organisation_id=organisation.id, person_id=person.id, role=role)
                )
        for n in range(FOLLOWERS + 2):
            person = Person(telegram_id=10_000 + n, language="sl" if n % 2 else "en")
            session.add(person)
            session.flush()
            key = "mc" if n < FOLLOWERS else "lib"
            follows.follow(session, person.id, "organisation", key, CITY, now)
            if n < 3:
                follows.follow(session, person.id, "topic", "robotics", CITY, now)
        session.flush()
        blocked = session.scalar(select(Person).where(Person.telegram_id == 10_004))
        blocked.active = False
        ids = mc.id, lib.id
    ctx = OrganisationContext(database, city_clock, Policy(frozenset({PLATFORM})), CITY, b"s")
    return AnnouncementService(ctx, AnnouncementMessages()), *ids


def hello() -> Content:
    return Content({"sl": "Živjo, sledilci!", "en": "Hello, followers!"}, link="https://mc.si")


def test_only_administrators_announce_for_their_own_organisation(world) -> None:
    service, mc, lib = world
    for refused in (EDITOR, STRANGER, OTHER_ADMIN):
        with pytest.raises(Refused):
            service.compose(Actor.on_telegram(refused), mc, hello(), "followers")
        with pytest.raises(Refused):
            service.audiences(Actor.on_telegram(refused), mc)
    own = service.compose(Actor.on_telegram(ADMIN), mc, hello(), "followers")
    platform = service.compose(Actor.on_telegram(PLATFORM), lib, hello(), "followers")
    assert (own.status, platform.status) == ("draft", "draft")
    with pytest.raises(Refused):  # an editor may not send the administrator's draft either
        service.send(Actor.on_telegram(EDITOR), own.id)
    with pytest.raises(Refused):
        service.cancel(Actor.on_telegram(OTHER_ADMIN), own.id)
    with service.ctx.database.session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("announce.draft") == 2


def test_audiences_count_active_followers_only(world) -> None:
    service, mc, _lib = world
    admin = Actor.on_telegram(ADMIN)
    choices = {audience.name: n for audience, n in service.audiences(admin, mc)}
    assert choices["followers"] == FOLLOWERS - 1  # the one who blocked the bot is not reached
    assert choices["topic:robotics"] == 3
    assert service.reach(admin, mc, "topic:robotics") == 3
    assert service.reach(admin, mc, "district:Bežigrad") == 0
    with pytest.raises(Invalid) as bad:
        service.reach(admin, mc, "everyone")
    assert bad.value.code == "bad_audience"


def test_an_audience_names_a_topic_or_district_as_follows_keep_it() -> None:
    assert announcing.Audience.parse("district: Šiška ", "mc").name == "district:šiška"
    assert announcing.Audience.parse("topic:Robotics", "mc").name == "topic:robotics"
    assert announcing.Audience.parse("followers", "mc") == announcing.Audience("organisation", "mc")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (Content({}), "no_text"),
        (Content({"sl": "   "}), "no_text"),
        (Content({"sl": "x" * 4097}), "too_long"),
        (Content({"sl": "x" * 1025}, photo="AgAD"), "too_long"),
        (Content({"sl": "ok"}, link="javascript:alert(1)"), "bad_link"),
        (Content({"sl": "ok"}, link="mc.si"), "bad_link"),
        (Content({"de": "Hallo"}), "bad_language"),
        (Content({"sl": "ok"}, photo="a", document="b"), "two_files"),
    ],
)
def test_bad_content_is_refused_with_its_reason(world, content: Content, code: str) -> None:
    service, mc, _lib = world
    with pytest.raises(Invalid) as bad:
        service.compose(Actor.on_telegram(ADMIN), mc, content, "followers")
    assert bad.value.code == code


def test_a_long_text_fits_with_the_organisations_name(world) -> None:
    service, mc, _lib = world
    limit = service.text_limit(mc, photo=False)
    assert 4096 - 40 < limit < 4096
    service.compose(Actor.on_telegram(ADMIN), mc, Content({"sl": "x" * limit}), "followers")
    with pytest.raises(Invalid):
        service.compose(
            Actor.on_telegram(ADMIN), mc, Content({"sl": "x" * (limit + 1)}), "followers"
        )


def test_send_now_queues_one_message_per_follower_in_chunks(world, monkeypatch) -> None:
    service, mc, _lib = world
    monkeypatch.setattr(announcing, "QUEUE_CHUNK", 7)
    admin = Actor.on_telegram(ADMIN)
    draft = service.compose(admin, mc, hello(), "followers")
    assert draft.recipients == FOLLOWERS - 1
    sent = service.send(admin, draft.id, progress=(ADMIN, 77))
    assert sent.status == "scheduled"
    assert service.due() == [draft.id]
    seen: list[tuple[int, int]] = []
    assert service.queue(draft.id, lambda done, total: seen.append((done, total))) == 29
    assert seen == [(7, 29), (14, 29), (21, 29), (28, 29), (29, 29)]
    [running] = service.running()
    assert (running.status, running.recipients, running.counts.pending) == ("sending", 29, 29)
    assert (running.progress_chat_id, running.progress_message_id) == (ADMIN, 77)
    assert service.due() == []
    with service.ctx.database.session() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    assert {row.kind for row in rows} == {"announcement"}
    assert {row.batch_id for row in rows} == {running_batch(service, draft.id)}
    assert len({row.person_id for row in rows}) == 29
    [message] = [from_json(data) for data in rows[0].payload]
    assert message.announcement_id == draft.id  # rendered when sent, in the person's language


def running_batch(service: AnnouncementService, announcement_id: int) -> str:
    with service.ctx.database.session() as session:
        return session.get(Announcement, announcement_id).batch_id


def test_queueing_again_after_a_crash_adds_nobody_twice(world, monkeypatch) -> None:
    service, mc, _lib = world
    admin = Actor.on_telegram(ADMIN)
    draft = service.compose(admin, mc, hello(), "followers")
    service.send(admin, draft.id)
    monkeypatch.setattr(announcing, "QUEUE_CHUNK", 10)

    def crash(done: int, total: int) -> None:
        if done >= 20:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        service.queue(draft.id, crash)
    with service.ctx.database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 20
        assert session.get(Announcement, draft.id).status == "scheduled"  # still due
    assert service.due() == [draft.id]
    assert service.queue(draft.id) == 29
    with service.ctx.database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 29


def test_scheduling_refuses_the_past_and_waits_for_its_time(world) -> None:
    service, mc, _lib = world
    admin = Actor.on_telegram(ADMIN)
    draft = service.compose(admin, mc, hello(), "topic:robotics")
    with pytest.raises(Invalid) as bad:
        service.send(admin, draft.id, send_at=city_clock() - timedelta(minutes=1))
    assert bad.value.code == "past_time"
    at = (city_clock() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    scheduled = service.send(admin, draft.id, send_at=at)
    assert scheduled.send_at == at
    assert service.due() == []
    with pytest.raises(Invalid):  # sent once only
        service.send(admin, draft.id)
    with time_machine.travel(at + timedelta(seconds=1), tick=False):
        assert service.due() == [draft.id]
        assert service.queue(draft.id) == 3


def test_counts_follow_the_outbox_and_a_run_settles(world) -> None:
    service, mc, _lib = world
    admin = Actor.on_telegram(ADMIN)
    draft = service.compose(admin, mc, hello(), "followers")
    service.send(admin, draft.id)
    service.queue(draft.id)
    now = city_clock()
    outcomes = [outbox.Outcome.SENT] * 25 + [
        outbox.Outcome.BLOCKED,
        outbox.Outcome.REFUSED,
        outbox.Outcome.UNSURE,
    ]
    with service.ctx.database.session() as session:
        claimed = outbox.claim(session, now, 28)
    with service.ctx.database.session() as session:
        for message, outcome in zip(claimed, outcomes, strict=True):
            outbox.record(session, message.id, outcome, now, sent_ids=[1])
    view = service.status(admin, draft.id)
    assert view.counts == Counts(sent=25, failed=1, blocked=1, unconfirmed=0, pending=2)
    assert service.settle() == []  # two still to go
    with service.ctx.database.session() as session:
        assert outbox.sweep(session, now + timedelta(minutes=2))  # the unsure one is due again
        for message in outbox.claim(session, now + timedelta(minutes=2), 10):
            what = outbox.Outcome.UNSURE if message.attempts > 1 else outbox.Outcome.SENT
            outbox.record(session, message.id, what, now)
    with service.ctx.database.session() as session:
        outbox.sweep(session, now + timedelta(minutes=5))
    [done] = service.settle()
    assert done.counts == Counts(sent=26, failed=1, blocked=1, unconfirmed=1)
    assert service.status(admin, draft.id).status == "done"
    # an editor sees the numbers (counts only), a stranger does not
    assert service.status(Actor.on_telegram(EDITOR), draft.id).counts.sent == 26
    with pytest.raises(Refused):
        service.status(Actor.on_telegram(STRANGER), draft.id)


def test_cancel_stops_what_is_not_sent(world) -> None:
    service, mc, _lib = world
    admin = Actor.on_telegram(ADMIN)
    draft = service.compose(admin, mc, hello(), "followers")
    service.send(admin, draft.id)
    service.queue(draft.id)
    now = city_clock()
    with service.ctx.database.session() as session:
        for message in outbox.claim(session, now, 10):
            outbox.record(session, message.id, outbox.Outcome.SENT, now, sent_ids=[5])
    cancelled = service.cancel(admin, draft.id)
    assert cancelled.status == "cancelled"
    assert cancelled.counts == Counts(sent=10, cancelled=19)
    with service.ctx.database.session() as session:
        assert outbox.claim(session, now, 50) == []  # nothing more goes
    with pytest.raises(Invalid):
        service.cancel(admin, draft.id)
    later = service.compose(admin, mc, hello(), "followers")
    service.send(admin, later.id, send_at=now + timedelta(hours=1))
    assert service.cancel(admin, later.id).status == "cancelled"
    assert service.due() == []


def test_withdraw_plans_one_paced_row_per_message_sent(world) -> None:
    service, mc, _lib = world
    admin = Actor.on_telegram(ADMIN)
    draft = service.compose(admin, mc, hello(), "followers")
    with pytest.raises(Invalid):  # nothing sent yet
        service.withdraw(admin, draft.id)
    service.send(admin, draft.id)
    service.queue(draft.id)
    now = city_clock()
    with service.ctx.database.session() as session:
        for message in outbox.claim(session, now, 4):
            outbox.record(session, message.id, outbox.Outcome.SENT, now, sent_ids=[40, 41])
    with pytest.raises(Refused):
        service.withdraw(Actor.on_telegram(EDITOR), draft.id)
    assert service.withdraw(admin, draft.id) == 4
    with service.ctx.database.session() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "withdrawal"))
        payloads = [from_json(row.payload[0]) for row in rows]
        statuses = outbox.counts(session, running_batch(service, draft.id))
    assert [p.message_ids for p in payloads] == [[40, 41]] * 4
    assert all(p.sent_at for p in payloads)
    assert statuses == {"sent": 4, "cancelled": 25}  # the rest will never go
    assert service.card(draft.id) is None  # a row still in flight sends nothing
    assert service.status(admin, draft.id).status == "withdrawn"
    assert service.withdrawal_note(draft.id).has_file is False


def test_a_message_on_its_way_at_the_withdrawal_is_withdrawn_once_it_lands(world) -> None:
    service, mc, _lib = world
    admin = Actor.on_telegram(ADMIN)
    draft = service.compose(admin, mc, hello(), "followers")
    service.send(admin, draft.id)
    service.queue(draft.id)
    now = city_clock()
    with service.ctx.database.session() as session:
        landed, on_its_way = outbox.claim(session, now, 2)
        outbox.record(session, landed.id, outbox.Outcome.SENT, now, sent_ids=[40])
    assert service.withdraw(admin, draft.id) == 1  # the other is not known to be sent yet
    with service.ctx.database.session() as session:  # … and then its answer comes
        outbox.record(session, on_its_way.id, outbox.Outcome.SENT, now, sent_ids=[50])
    assert service.delivered(Counter({draft.id: 1})) == 1  # the drainer reports it
    assert service.delivered(Counter({draft.id: 1})) == 0  # once
    other = service.compose(admin, mc, hello(), "followers")
    assert service.delivered(Counter({other.id: 1})) == 0  # not withdrawn: nothing to do
    with service.ctx.database.session() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "withdrawal"))
        withdrawn = sorted(from_json(row.payload[0]).message_ids for row in rows)
    assert withdrawn == [[40], [50]]


def test_reach_is_one_count_per_organisation_and_day(world) -> None:
    service, mc, lib = world
    admin = Actor.on_telegram(ADMIN)
    first = service.compose(admin, mc, hello(), "followers")
    second = service.compose(Actor.on_telegram(PLATFORM), lib, hello(), "followers")
    service.delivered(Counter({first.id: 20, second.id: 2}))
    service.delivered(Counter({first.id: 9, 999_999: 3}))  # one gone since counts nowhere
    day = city_clock().date()
    with service.ctx.database.session() as session:
        assert usage.totals(session, mc, day, day) == {(usage.REACHED, 0): 29}
        assert usage.totals(session, lib, day, day) == {(usage.REACHED, 0): 2}


def test_recent_lists_the_organisations_own(world) -> None:
    service, mc, lib = world
    admin = Actor.on_telegram(ADMIN)
    ids = [service.compose(admin, mc, hello(), "followers").id for _ in range(3)]
    service.compose(Actor.on_telegram(OTHER_ADMIN), lib, hello(), "followers")
    assert [view.id for view in service.recent(admin, mc)] == ids[::-1]
    with pytest.raises(Refused):
        service.recent(Actor.on_telegram(ADMIN), lib)
