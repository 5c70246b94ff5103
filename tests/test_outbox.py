"""The outbox: every message the bot sends on its own. The store's rules on SQLite and
PostgreSQL (enqueue and dedupe, claims that never overlap, each outcome, held, expired, unsure
and lost rows); the pacer; and the drainer through the real Application and the Bot API double
(message ids kept, 429, 403, time-outs, the pace measured where the double received the calls)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import delete, select

from actions.messages import OpportunityView, Reminder, to_json
from bot.pacing import OUTBOX_RATE, PER_CHAT_SPACING, Pacer
from store import outbox, people
from store.models import OutboxMessage, Person
from store.outbox import Outcome

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 9:00 in Ljubljana
STARTS = T0 + timedelta(days=1)
TEEN, SENIOR, MIGRANT = 1, 2, 3  # our ids of three people
TELEGRAM = {TEEN: 5001, SENIOR: 5002, MIGRANT: 5003}  # and their Telegram ids


def reminder_payload(title: str = "Robotski krožek") -> list[dict]:
    view = OpportunityView(
        id=7,
        key="lj-0013",
        title={"sl": title, "en": "Robotics club"},
        organisation="Mladinski center",
        kind="club",
        district="Šiška",
        address="Kebetova 1",
        lat=46.07,
        lon=14.49,
        online=False,
        starts_at="2026-12-03T16:00:00+01:00",
        ends_at=None,
        schedule={},
        price_eur=0.0,
        languages=["sl"],
        url=None,
    )
    return [to_json(Reminder(view, "tomorrow"))]


def new(person_id: int, key: str | None = None, **fields) -> outbox.NewMessage:
    values = {
        "kind": "reminder",
        "payload": reminder_payload(),
        "not_before": T0,
        "expires_at": STARTS,
        "dedupe_key": key,
    } | fields
    return outbox.NewMessage(person_id, **values)


def add_people(database, *person_ids: int, active: bool = True) -> None:
    with database.session() as session:
        for person_id in person_ids:
            telegram_id = TELEGRAM.get(person_id, 9000 + person_id)
            session.add(Person(id=person_id, telegram_id=telegram_id, active=active))


@pytest.fixture
def store(database):
    add_people(database, TEEN, SENIOR, MIGRANT)
    return database


def rows(database) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def row(database, message_id: int) -> OutboxMessage:
    with database.session() as session:
        return session.get(OutboxMessage, message_id)


def put(database, *messages: outbox.NewMessage, now: datetime = T0) -> int:
    with database.session() as session:
        return outbox.enqueue_many(session, list(messages), now)


def claim(database, now: datetime = T0, limit: int = 10) -> list[outbox.ClaimedMessage]:
    with database.session() as session:
        return outbox.claim(session, now, limit)


def record(database, message_id: int, outcome: Outcome, now: datetime = T0, **details):
    with database.session() as session:
        return outbox.record(session, message_id, outcome, now, **details)


def sweep(database, now: datetime) -> dict[str, int]:
    with database.session() as session:
        return outbox.sweep(session, now)


def is_active(database, person_id: int) -> bool:
    with database.session() as session:
        return session.get(Person, person_id).active


# ---- enqueue ----------------------------------------------------------------------------------
def test_the_same_thing_enqueued_twice_is_one_row(store):
    with store.session() as session:
        assert outbox.enqueue(session, new(TEEN, "reminder:1:7"), T0) is True
        assert outbox.enqueue(session, new(TEEN, "reminder:1:7"), T0) is False
    assert put(store, new(TEEN, "reminder:1:7"), new(SENIOR, "a:1"), new(SENIOR, "a:1")) == 1
    assert put(store, new(TEEN), new(TEEN)) == 2  # without a key, nothing is deduplicated
    kept = rows(store)
    assert [(r.person_id, r.dedupe_key) for r in kept] == [
        (TEEN, "reminder:1:7"),
        (SENIOR, "a:1"),
        (TEEN, None),
        (TEEN, None),
    ]
    first = kept[0]
    assert (first.kind, first.status, first.attempts, first.unsure) == ("reminder", "pending", 0, 0)
    assert first.payload == reminder_payload()  # the structured message, not rendered text
    assert (first.not_before, first.expires_at, first.created_at) == (T0, STARTS, T0)
    assert first.telegram_message_ids == [] and first.sent_at is None


def test_a_message_to_someone_who_blocked_the_bot_is_held_from_the_start(store):
    with store.session() as session:
        people.blocked(session, MIGRANT, T0)
    put(store, new(MIGRANT), new(TEEN))
    assert [(r.person_id, r.status) for r in rows(store)] == [(MIGRANT, "held"), (TEEN, "pending")]


def test_an_announcements_rows_are_counted_by_status(store):
    put(store, *(new(p, batch_id="announcement-1") for p in (TEEN, SENIOR, MIGRANT)))
    put(store, new(TEEN, batch_id="announcement-2"))
    [first] = claim(store, limit=1)
    record(store, first.id, Outcome.SENT, sent_ids=[11])
    claim(store, limit=1)  # the next one is on its way
    with store.session() as session:
        assert outbox.counts(session, "announcement-1") == {"sent": 1, "sending": 1, "pending": 1}
        assert outbox.counts(session, "announcement-2") == {"pending": 1}
        assert outbox.counts(session) == {"sent": 1, "sending": 1, "pending": 2}


# ---- claiming ---------------------------------------------------------------------------------
def test_a_claim_takes_what_is_due_once_one_per_person_oldest_first(store):
    put(
        store,
        new(SENIOR, not_before=T0 - timedelta(minutes=2)),
        new(TEEN, not_before=T0 - timedelta(minutes=1)),
        new(TEEN),  # the teen's second: the next claim
        new(SENIOR, not_before=T0 + timedelta(seconds=1)),  # not yet
        new(MIGRANT, expires_at=T0),  # too late: never sent
    )
    first = claim(store, limit=10)
    assert [(m.person_id, m.chat_id) for m in first] == [(SENIOR, 5002), (TEEN, 5001)]
    assert all(m.attempts == 1 and m.payload == reminder_payload() for m in first)
    sending = row(store, first[0].id)
    assert (sending.status, sending.attempts) == ("sending", 1)
    assert sending.lease_until == T0 + outbox.LEASE
    [second] = claim(store)  # what is sending is not claimed again
    assert (second.person_id, second.id) == (TEEN, first[1].id + 1)
    assert claim(store) == []
    [later] = claim(store, T0 + timedelta(seconds=1))
    assert later.person_id == SENIOR
    assert claim(store, limit=0) == []


def test_a_claim_skips_people_who_blocked_the_bot(store):
    put(store, new(MIGRANT), new(TEEN))
    with store.session() as session:  # blocked after it was enqueued
        session.get(Person, MIGRANT).active = False
    assert [m.person_id for m in claim(store)] == [TEEN]


def test_two_drainers_never_claim_the_same_message(database):
    """Four drainers, each with its own connection, claim at the same moment, round after round,
    until everything is claimed (a drainer may come back empty-handed while the others hold
    the rows it would have taken)."""
    everyone = range(100, 160)
    add_people(database, *everyone)
    put(database, *(new(person_id) for person_id in everyone))
    drainers, claimed, errors = 4, [], []
    start = threading.Barrier(drainers)

    def drainer() -> None:
        try:
            for _ in range(40):
                start.wait(timeout=30)
                claimed.extend(m.id for m in claim(database, limit=3))
                start.wait(timeout=30)
                if len(claimed) >= 60:
                    return
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=drainer) for _ in range(drainers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(claimed) == sorted(set(claimed))  # none twice …
    assert len(claimed) == 60  # … and every one once
    assert {r.status for r in rows(database)} == {"sending"}
    assert {r.attempts for r in rows(database)} == {1}


# ---- outcomes ---------------------------------------------------------------------------------
def test_a_sent_message_keeps_its_telegram_message_ids(store):
    put(store, new(TEEN))
    [message] = claim(store)
    later = T0 + timedelta(seconds=2)
    assert record(store, message.id, Outcome.SENT, later, sent_ids=[41, 42]) == "sent"
    sent = row(store, message.id)
    assert (sent.status, sent.telegram_message_ids, sent.sent_at) == ("sent", [41, 42], later)
    assert sent.lease_until is None and sent.last_error is None
    assert record(store, message.id, Outcome.SENT) is None  # it is no longer being sent


def test_a_refused_message_fails_with_the_error_and_is_not_retried(store):
    put(store, new(TEEN))
    [message] = claim(store)
    error = "BadRequest: Chat not found " + "x" * 300
    assert record(store, message.id, Outcome.REFUSED, error=error) == "failed"
    failed = row(store, message.id)
    assert failed.status == "failed" and failed.last_error == error[: outbox.ERROR_LENGTH]
    assert sweep(store, T0 + timedelta(days=1)) == {}
    assert claim(store, T0 + timedelta(hours=1)) == []


def test_flood_control_puts_a_message_back_without_counting_the_try(store):
    put(store, new(TEEN), new(SENIOR))
    first, second = claim(store)
    wait = timedelta(seconds=7)
    assert record(store, first.id, Outcome.FLOOD, retry_after=wait) == "pending"
    assert record(store, second.id, Outcome.PAUSED, retry_after=wait) == "pending"
    for message_id in (first.id, second.id):
        back = row(store, message_id)
        assert (back.status, back.attempts, back.not_before) == ("pending", 0, T0 + wait)
    assert claim(store, T0 + wait - timedelta(seconds=1)) == []
    assert len(claim(store, T0 + wait)) == 2


def test_a_message_that_did_not_get_through_is_retried_with_backoff_then_fails(store):
    put(store, new(TEEN, expires_at=None))
    now = T0
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        [message] = claim(store, now)
        assert message.attempts == attempt
        assert record(store, message.id, Outcome.NOT_SENT, now, error="NetworkError") == "pending"
        assert row(store, message.id).not_before == now + outbox.backoff_after(attempt)
        assert claim(store, now + outbox.backoff_after(attempt) - timedelta(seconds=1)) == []
        now += outbox.backoff_after(attempt)
    [message] = claim(store, now)
    assert record(store, message.id, Outcome.NOT_SENT, now, error="NetworkError") == "failed"
    assert outbox.NOT_SENT_BACKOFF[0] < outbox.NOT_SENT_BACKOFF[-1]


def test_a_person_who_blocked_the_bot_is_marked_and_their_messages_wait_for_them(store):
    put(store, new(MIGRANT, "first"), new(MIGRANT, "second"), new(MIGRANT, "soon", expires_at=T0))
    [message] = claim(store)  # one at a time per person
    assert message.person_id == MIGRANT
    assert record(store, message.id, Outcome.BLOCKED, error="Forbidden: bot was blocked") == "held"
    assert not is_active(store, MIGRANT)
    assert [r.status for r in rows(store)] == ["held", "held", "held"]
    assert claim(store, T0 + timedelta(hours=1)) == []  # nothing while they are away
    assert sweep(store, T0 + timedelta(minutes=1)) == {"expired": 1}  # "soon" is too late now

    with store.session() as session:  # they write again
        people.seen(session, TELEGRAM[MIGRANT], T0 + timedelta(hours=2))
    assert is_active(store, MIGRANT)
    assert [r.status for r in rows(store)] == ["pending", "pending", "expired"]
    assert row(store, message.id).not_before == T0 + timedelta(hours=2)
    [again] = claim(store, T0 + timedelta(hours=2))
    assert again.id == message.id and again.attempts == 2


def test_a_held_message_that_expired_is_not_released(store):
    put(store, new(MIGRANT, expires_at=T0 + timedelta(hours=1)))
    with store.session() as session:
        people.blocked(session, MIGRANT, T0)
        people.seen(session, TELEGRAM[MIGRANT], T0 + timedelta(hours=1))
    assert [r.status for r in rows(store)] == ["held"]
    assert sweep(store, T0 + timedelta(hours=1)) == {"expired": 1}
    assert [r.status for r in rows(store)] == ["expired"]


def test_what_expired_before_it_was_sent_is_expired(store):
    put(store, new(TEEN, expires_at=T0 + timedelta(minutes=5)), new(SENIOR, expires_at=None))
    assert sweep(store, T0 + timedelta(minutes=4)) == {}
    assert sweep(store, T0 + timedelta(minutes=5)) == {"expired": 1}
    assert [r.status for r in rows(store)] == ["expired", "pending"]
    assert [m.person_id for m in claim(store, T0 + timedelta(minutes=5))] == [SENIOR]


# ---- the unsure policy ------------------------------------------------------------------------
def test_an_unsure_message_is_sent_once_more_then_unconfirmed(store):
    put(store, new(TEEN))
    [message] = claim(store)
    assert record(store, message.id, Outcome.UNSURE, error="TimedOut: Timed out") == "unsure"
    unsure = row(store, message.id)
    assert (unsure.status, unsure.unsure, unsure.last_error) == (
        "unsure",
        1,
        "TimedOut: Timed out",
    )
    resend_at = T0 + outbox.UNSURE_RESEND_AFTER
    assert sweep(store, resend_at - timedelta(seconds=1)) == {}  # not at once
    assert claim(store, resend_at) == []  # unsure is not pending
    assert sweep(store, resend_at) == {"resent": 1}
    [again] = claim(store, resend_at)
    assert again.id == message.id and again.attempts == 2
    assert record(store, again.id, Outcome.UNSURE, resend_at) == "unsure"
    assert sweep(store, resend_at) == {"unconfirmed": 1}  # unsure twice: given up, counted
    with store.session() as session:
        assert outbox.counts(session) == {"unconfirmed": 1}
    assert sweep(store, resend_at + timedelta(hours=1)) == {}
    assert outbox.UNSURE_RESENDS == 1


def test_an_unsure_message_sent_once_more_is_sent(store):
    put(store, new(TEEN))
    [message] = claim(store)
    record(store, message.id, Outcome.UNSURE)
    sweep(store, T0 + outbox.UNSURE_RESEND_AFTER)
    [again] = claim(store, T0 + outbox.UNSURE_RESEND_AFTER)
    assert record(store, again.id, Outcome.SENT, sent_ids=[77]) == "sent"
    assert row(store, message.id).telegram_message_ids == [77]


def test_an_unsure_message_that_expired_is_unconfirmed_not_resent(store):
    put(store, new(TEEN, expires_at=T0 + timedelta(seconds=30)))
    [message] = claim(store)
    record(store, message.id, Outcome.UNSURE)
    assert sweep(store, T0 + outbox.UNSURE_RESEND_AFTER) == {"unconfirmed": 1}


def test_a_drainer_that_died_mid_send_leaves_an_unsure_message_sent_once_more(store):
    put(store, new(TEEN, expires_at=None))
    [message] = claim(store)  # … and the process dies before Telegram answers
    assert sweep(store, T0 + outbox.LEASE - timedelta(seconds=1)) == {}  # still sending
    lost = T0 + outbox.LEASE
    assert sweep(store, lost) == {"lost_leases": 1}
    crashed = row(store, message.id)
    assert (crashed.status, crashed.unsure, crashed.lease_until) == ("unsure", 1, None)
    assert "lease" in crashed.last_error
    assert record(store, message.id, Outcome.SENT) == "sent"  # a late answer still counts
    put(store, new(SENIOR, expires_at=None))
    [other] = claim(store, lost)
    sweep(store, lost + outbox.LEASE)  # it died again
    assert sweep(store, lost + outbox.LEASE + outbox.UNSURE_RESEND_AFTER) == {"resent": 1}
    [again] = claim(store, lost + outbox.LEASE + outbox.UNSURE_RESEND_AFTER)
    assert again.id == other.id
    sweep(store, lost + 2 * outbox.LEASE + outbox.UNSURE_RESEND_AFTER)  # and again
    assert row(store, other.id).status == "unconfirmed"


# ---- keeping and forgetting -------------------------------------------------------------------
def test_finished_messages_are_deleted_after_a_while(store):
    put(store, new(TEEN, expires_at=None), new(SENIOR, expires_at=None))
    [sent, waiting] = claim(store)
    record(store, sent.id, Outcome.SENT, sent_ids=[1])
    record(store, waiting.id, Outcome.NOT_SENT)
    with store.session() as session:
        assert outbox.purge_finished(session, T0 + outbox.KEEP_FINISHED) == 0
        assert outbox.purge_finished(session, T0 + outbox.KEEP_FINISHED + timedelta(1)) == 1
    assert [r.id for r in rows(store)] == [waiting.id]  # what is not finished is kept


def test_forgetting_a_person_forgets_their_messages(store):
    put(store, new(TEEN), new(SENIOR), new(MIGRANT))
    with store.session() as session:
        assert people.forget(session, TEEN) is True
        # the database cascades as well: a person deleted by hand takes their messages along
        session.execute(delete(Person).where(Person.id == SENIOR))
    assert [r.person_id for r in rows(store)] == [MIGRANT]


# ---- the pacer --------------------------------------------------------------------------------
def test_the_pacer_spaces_all_messages_and_each_chats_messages():
    async def turns() -> list[tuple[int, float]]:
        pacer = Pacer(rate=50.0, per_chat=0.3)
        chats = [1, 2, 1, 3, 1, 2, 4, 5, 6, 1]
        moments = await asyncio.gather(*(pacer.turn(chat) for chat in chats))
        return list(zip(chats, moments, strict=True))

    taken = sorted(asyncio.run(turns()), key=lambda turn: turn[1])
    moments = [moment for _, moment in taken]
    assert all(b - a >= 1 / 50.0 for a, b in pairwise(moments))
    for chat in {chat for chat, _ in taken}:
        mine = [moment for c, moment in taken if c == chat]
        assert all(b - a >= 0.3 for a, b in pairwise(mine))
    # a chat that must wait does not hold up the others: chats 3 to 6 go before chat 1's second
    order = [chat for chat, _ in taken]
    assert order.index(6) < order.index(1, 1)
    assert (OUTBOX_RATE, PER_CHAT_SPACING) == (25.0, 1.0)


def test_the_pacer_pauses_when_telegram_asks():
    now = [100.0]
    pacer = Pacer(clock=lambda: now[0])
    assert pacer.paused_for() == 0
    pacer.pause(3)
    pacer.pause(1)  # a shorter pause does not shorten the first
    assert pacer.paused_for() == 3
    now[0] += 3
    assert pacer.paused_for() == 0
    assert pacer.per_run(1.0) == 25
