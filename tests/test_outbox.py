"""The outbox: every message the bot sends on its own. The store's rules on SQLite and
PostgreSQL (enqueue and dedupe, claims that never overlap, each outcome, held, expired, unsure
and lost rows); the pacer; and the drainer through the real Application and the Bot API double
(message ids kept, 429, 403, time-outs, the pace measured where the double received the calls)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import httpx
import pytest
from sqlalchemy import delete, func, select
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from actions.messages import OpportunityView, Reminder, to_json
from bot.pacing import (
    MAX_IN_FLIGHT,
    OUTBOX_RATE,
    PER_CHAT_SPACING,
    START_MARGIN,
    Pacer,
    Sending,
)
from bot.telegram import outbox as outbox_front
from bot.telegram.outbox import describe, outcome_of
from index.when import wall_clock
from store import outbox, people
from store.models import OutboxMessage, Person
from store.outbox import Outcome

from .conftest import make_services
from .test_telegram import running

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

        async def sent(chat: int) -> tuple[int, float]:
            sending = await pacer.turn(chat)
            await asyncio.sleep(0.002)  # on its way
            pacer.landed(sending)
            return chat, sending.at

        return list(await asyncio.gather(*(sent(chat) for chat in chats)))

    taken = sorted(asyncio.run(turns()), key=lambda turn: turn[1])
    moments = [moment for _, moment in taken]
    assert_on_the_grid(moments, 50.0)
    for chat in {chat for chat, _ in taken}:
        mine = [moment for c, moment in taken if c == chat]
        assert all(b - a >= 0.3 for a, b in pairwise(mine))
    # a chat that must wait does not hold up the others: chats 3 to 6 go before chat 1's second
    order = [chat for chat, _ in taken]
    assert order.index(6) < order.index(1, 1)
    assert (OUTBOX_RATE, PER_CHAT_SPACING) == (29.0, 1.0)


def assert_on_the_grid(moments: list[float], rate: float) -> None:
    """Any n + 1 turns span at least n spacings less a quarter of one: never a burst, and no
    second holds more than rate + 1 turns."""
    spacing = 1 / rate
    for i, first in enumerate(moments):
        for n, later in enumerate(moments[i + 1 :], start=1):
            assert later - first >= n * spacing - spacing / 4 - 1e-9
        assert sum(1 for t in moments[i:] if t - first < 1.0) <= rate + 1


def test_a_turn_may_come_a_quarter_of_a_spacing_early_and_no_more(monkeypatch):
    now = [0.0]

    async def sleep(seconds: float) -> None:  # the pretended clock moves while the pacer waits
        now[0] += seconds

    monkeypatch.setattr("bot.pacing.asyncio.sleep", sleep)

    async def turns() -> list[float]:
        pacer = Pacer(rate=10.0, per_chat=0.0, clock=lambda: now[0])

        async def at(chat: int) -> float:
            sending = await pacer.turn(chat)
            pacer.landed(sending)
            return sending.at

        moments = [await at(1)]  # due at once; the first of a run: the grid starts at 0.2
        now[0] = 0.18  # 20 ms before its place (0.2), within the quarter: it goes at once …
        moments.append(await at(2))
        moments.append(await at(3))  # … and the next keeps to the grid: 0.275, for 0.3
        now[0] = 0.46  # the event loop woke 60 ms late (its place: 0.4): that much is lost …
        moments.append(await at(4))
        moments.append(await at(5))  # … the grid starts again from then: 0.535
        now[0] = 1.0  # idle for less than a second: no credit saved up beyond a quarter …
        moments += [await at(6), await at(7)]
        pacer.note(9)  # a reply to someone takes the next place on the grid: the outbox waits
        moments.append(await at(8))
        now[0] = 3.0  # quiet for more than a second: a new run, whose grid starts a margin later
        moments += [await at(10), await at(11)]
        return moments

    assert START_MARGIN == 0.1
    assert asyncio.run(turns()) == pytest.approx(
        [0.0, 0.18, 0.275, 0.46, 0.535, 1.0, 1.075, 1.275, 3.0, 3.175]
    )


def test_a_turn_waits_for_the_message_a_limit_before_it_to_have_landed_a_second_ago(monkeypatch):
    """However late the answers come back, no second at Telegram holds more than the limit: a
    turn comes a window after the landing of the turn `limit` before it (the grid alone would
    let it go)."""
    now = [0.0]
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:  # the pretended clock moves while the pacer waits
        now[0] += seconds

    monkeypatch.setattr("bot.pacing.asyncio.sleep", sleep)

    async def turns() -> list[float]:
        pacer = Pacer(rate=100.0, per_chat=0.0, clock=lambda: now[0], limit=3, in_flight=9)
        first = await pacer.turn(1)
        second = await pacer.turn(2)
        reply = pacer.note(9)  # a reply counts among the latest turns too
        now[0] = 0.5
        pacer.landed(second)
        pacer.landed(reply)
        fourth = asyncio.create_task(pacer.turn(4))
        await real_sleep(0.01)
        assert not fourth.done()  # the first is still on its way: it may arrive any moment
        now[0] = 0.7
        pacer.landed(first)  # … it arrived by now
        pacer.landed(first)  # (a second landing changes nothing)
        moment = (await fourth).at  # a window after the first landed
        fifth = await pacer.turn(5)  # the second landed at 0.5: its window is over already
        return [first.at, second.at, reply.at, moment, fifth.at]

    moments = asyncio.run(turns())
    assert moments[3] == pytest.approx(1.7)
    # the grid's next place (a quarter of a spacing early), a start margin later after the wait
    assert moments[4] == pytest.approx(1.7 + 0.01 + START_MARGIN - 0.01 / 4)
    assert moments[:3] == sorted(moments[:3]) and moments[2] < 0.5


def test_no_more_than_two_messages_are_on_their_way_at_once():
    """What a crash can duplicate is what was on its way: a third turn waits for an answer."""

    async def turns() -> tuple[bool, bool]:
        pacer = Pacer(rate=1000.0, per_chat=0.0)
        first, second = await pacer.turn(1), await pacer.turn(2)
        third = asyncio.create_task(pacer.turn(3))
        await asyncio.sleep(0.05)  # twenty spacings: the grid alone would have let it go
        waited = not third.done()
        pacer.landed(second)  # any answer frees a place
        await asyncio.wait_for(third, timeout=1.0)
        pacer.landed(first)
        return waited, third.done()

    assert MAX_IN_FLIGHT == 2
    assert asyncio.run(turns()) == (True, True)


def test_the_pacer_pauses_when_telegram_asks():
    now = [100.0]
    pacer = Pacer(clock=lambda: now[0])
    assert pacer.paused_for() == 0
    pacer.pause(3)
    pacer.pause(1)  # a shorter pause does not shorten the first
    assert pacer.paused_for() == 3
    now[0] += 3
    assert pacer.paused_for() == 0
    assert pacer.per_run(1.0) == 29


# ---- what Telegram's answers mean ----------------------------------------------------------------
def timed_out(cause: Exception) -> TimedOut:
    try:
        raise TimedOut from cause
    except TimedOut as error:
        return error


@pytest.mark.parametrize(
    ("error", "outcome", "wait"),
    [
        (RetryAfter(3), Outcome.FLOOD, 3.0),
        (Forbidden("Forbidden: bot was blocked by the user"), Outcome.BLOCKED, 0.0),
        (BadRequest("Bad Request: chat not found"), Outcome.REFUSED, 0.0),  # a NetworkError too
        (timed_out(httpx.ReadTimeout("read")), Outcome.UNSURE, 0.0),  # it may have arrived
        (timed_out(httpx.WriteTimeout("write")), Outcome.UNSURE, 0.0),
        (timed_out(httpx.ConnectTimeout("connect")), Outcome.NOT_SENT, 0.0),  # never left
        (timed_out(httpx.PoolTimeout("pool")), Outcome.NOT_SENT, 0.0),
        (NetworkError("httpx.ConnectError: refused"), Outcome.NOT_SENT, 0.0),
        (InvalidToken(), Outcome.REFUSED, 0.0),
    ],
)
def test_what_each_answer_of_telegram_means_for_the_message(error, outcome, wait):
    assert outcome_of(error) == (outcome, wait)


def test_a_kept_error_is_telegrams_description_without_the_token():
    assert describe(Forbidden("Forbidden: bot was blocked by the user")) == (
        "Forbidden: bot was blocked by the user"
    )
    assert describe(BadRequest("Bad Request: chat not found")) == "BadRequest: Chat not found"
    quoting = NetworkError("httpx.ConnectError: https://api.telegram.org/bot123:SECRET/sendMessage")
    assert "SECRET" not in describe(quoting, "123:SECRET")


# ---- the drainer, through the real Application and the Bot API double --------------------------
# The pace the outbox keeps is checked exactly at the moments its pacer gives the sends their
# turns. Where the double receives them (Call.at), a loaded machine moves each call by a few
# milliseconds, or by tens when other work holds the processor, so there the calls are checked
# against Telegram's own limits (about 30 a second, one a second a chat), with this margin.
RECEIVED_JITTER = 0.100  # seconds
TELEGRAM_RATE = 30  # messages a second, all chats together


class MovedClock:
    """The wall clock (which runs on from NOW in the tests), moved on by the test when it
    would otherwise have to wait (for an unsure message's second try)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return wall_clock() + self.ahead


@pytest.fixture(scope="module")
def bot_services(tmp_path_factory, embedder, warm_cache, interpreter):
    """Services of this module (no catalogue: the messages carry what they show)."""
    clock = MovedClock()
    services = make_services(
        tmp_path_factory.mktemp("outbox"), embedder, warm_cache, interpreter, clock=clock
    )
    yield services, clock
    services.close()


@pytest.fixture
def live(bot_services):
    """The module's services with an empty outbox, no people, and the clock set right."""
    services, clock = bot_services
    clock.ahead = timedelta(0)
    with services.database.session() as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(Person))
    return services, clock


def someone(services, telegram_id: int, **fields) -> int:
    """A person the bot can reach at this Telegram id; our id of them."""
    with services.database.session() as session:
        person = Person(telegram_id=telegram_id, active=True, **fields)
        session.add(person)
        session.flush()
        return person.id


def queue(services, person_id: int, payload: list[dict] | None = None, **fields) -> int:
    """A message for the person, due now; its id."""
    now = services.clock()
    values = {"kind": "reminder", "not_before": now, "expires_at": now + timedelta(days=1)}
    message = outbox.NewMessage(person_id, payload=payload or reminder_payload(), **values | fields)
    with services.database.session() as session:
        assert outbox.enqueue(session, message, now)
        return session.scalar(select(func.max(OutboxMessage.id)))


def outbox_row(services, message_id: int) -> OutboxMessage:
    with services.database.session() as session:
        return session.get(OutboxMessage, message_id)


def statuses(services) -> list[str]:
    with services.database.session() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


async def until(check, timeout: float = 20.0) -> None:
    """Wait until `check()` holds (the drainer runs every second on its own)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still not so after {timeout} s")
        await asyncio.sleep(0.05)


def test_a_reminder_sent_through_the_outbox_keeps_its_telegram_message_id(double, live):
    services, _clock = live
    teen = someone(services, 7001, language="sl")
    visitor = someone(services, 7002, telegram_language="en-GB")  # never chose a language

    async def scenario():
        async with running(double, services):
            queue(services, teen)
            queue(services, visitor)
            await until(lambda: statuses(services) == ["sent", "sent"])

    asyncio.run(scenario())
    [to_teen] = double.sent_messages(7001)
    [to_visitor] = double.sent_messages(7002)
    assert to_teen.params["text"].startswith("⏰ <b>Jutri: Robotski krožek</b>")
    assert to_visitor.params["text"].startswith("⏰ <b>Tomorrow: Robotics club</b>")
    with services.database.session() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [r.telegram_message_ids for r in rows] == [
            [to_teen.result["message_id"]],
            [to_visitor.result["message_id"]],
        ]
        assert all(r.attempts == 1 and r.sent_at is not None for r in rows)


def test_flood_control_pauses_all_outbox_sending_for_as_long_as_telegram_asks(double, live):
    services, _clock = live
    everyone = [someone(services, 7100 + n) for n in range(4)]

    async def scenario():
        async with running(double, services) as app:
            # two a second: the 429's answer is back long before the next message's turn
            app.bot_data.outbox.pacer.rate = 2.0
            double.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
            for person_id in everyone:
                queue(services, person_id)
            await until(lambda: statuses(services) == ["sent"] * 4, timeout=30)

    asyncio.run(scenario())
    [flood, *after] = double.calls_to("sendMessage")
    assert flood.status == 429
    assert [c.status for c in after] == [200] * 4  # the refused one again, and the others
    assert all(c.at - flood.at >= 2.0 for c in after)  # nothing at all during the pause
    assert {c.params["chat_id"] for c in after} == {7100, 7101, 7102, 7103}
    with services.database.session() as session:  # the refused try did not count
        assert set(session.scalars(select(OutboxMessage.attempts))) == {1}


def test_a_person_who_blocked_the_bot_gets_the_message_when_they_write_again(double, live):
    services, _clock = live

    async def scenario():
        async with running(double, services):
            double.push_message(7201, "/start", language_code="sl")
            await double.wait_for("sendMessage")
            [person_id] = people_ids(services)
            double.block_chat(7201)
            message_id = queue(services, person_id)
            await until(lambda: outbox_row(services, message_id).status == "held")
            with services.database.session() as session:
                assert session.get(Person, person_id).active is False  # marked inactive
            await asyncio.sleep(2.5)  # two more runs of the drainer: nothing is tried
            refused = [c for c in double.calls_to("sendMessage") if c.status == 403]
            assert [c.params["text"][:2] for c in refused] == ["⏰ "]

            double.unblock_chat(7201)
            double.push_message(7201, "/help", language_code="sl")
            await until(lambda: outbox_row(services, message_id).status == "sent")
            sent = [c for c in double.sent_messages(7201) if c.params["text"].startswith("⏰")]
            assert len(sent) == 1
            assert outbox_row(services, message_id).telegram_message_ids == [
                sent[0].result["message_id"]
            ]

    asyncio.run(scenario())


def people_ids(services) -> list[int]:
    with services.database.session() as session:
        return list(session.scalars(select(Person.id)))


def test_a_send_that_timed_out_is_unsure_and_sent_once_more(double, live):
    services, clock = live
    lucky, unlucky = someone(services, 7301), someone(services, 7302)

    async def scenario():
        async with running(double, services) as app:
            app.bot_data.outbox.send_timeout = 0.5
            double.delay("sendMessage", 1.5)  # Telegram takes the message but answers late
            first = queue(services, lucky)
            await until(lambda: outbox_row(services, first).status == "unsure")
            [arrived] = double.sent_messages(7301)  # it did arrive: the bot cannot know
            double.delay("sendMessage", 0)
            clock.ahead += outbox.UNSURE_RESEND_AFTER
            await until(lambda: outbox_row(services, first).status == "sent")
            [_, again] = double.sent_messages(7301)  # sent once more: a duplicate
            assert again.params["text"] == arrived.params["text"]
            row = outbox_row(services, first)
            assert (row.attempts, row.unsure) == (2, 1)
            assert row.telegram_message_ids == [again.result["message_id"]]

            double.delay("sendMessage", 1.5)  # and a time-out both times
            second = queue(services, unlucky)
            await until(lambda: outbox_row(services, second).status == "unsure")
            clock.ahead += outbox.UNSURE_RESEND_AFTER
            await until(lambda: outbox_row(services, second).status == "unconfirmed")
            assert len(double.sent_messages(7302)) == 2  # once more, and no more
            row = outbox_row(services, second)
            assert (row.attempts, row.unsure, row.telegram_message_ids) == (2, 2, [])
            double.delay("sendMessage", 0)

    asyncio.run(scenario())


def test_a_message_on_its_way_when_the_bot_stops_is_recorded_first(double, live):
    services, _clock = live
    person_id = someone(services, 7701)

    async def scenario() -> int:
        async with running(double, services):
            double.delay("sendMessage", 2.5)  # Telegram is slow to answer
            message_id = queue(services, person_id)
            await until(lambda: outbox_row(services, message_id).status == "sending")
        return message_id  # the bot has stopped

    message_id = asyncio.run(scenario())
    double.delay("sendMessage", 0)
    [sent] = double.sent_messages(7701)
    row = outbox_row(services, message_id)
    assert (row.status, row.telegram_message_ids) == ("sent", [sent.result["message_id"]])


def test_replies_to_people_take_their_places_in_the_outboxs_pace(double, live, monkeypatch):
    services, _clock = live
    person_id = someone(services, 7801)
    noted: list[int] = []
    note = Pacer.note
    monkeypatch.setattr(Pacer, "note", lambda self, chat: noted.append(chat) or note(self, chat))

    async def scenario():
        async with running(double, services) as app:
            await app.bot.send_message(7801, "A reply to someone")  # the application's own bot
            await app.bot.get_me()  # not a message: not counted
            queue(services, person_id)  # the outbox's message to the same person …
            await until(lambda: set(statuses(services)) == {"sent"}, timeout=10)

    asyncio.run(scenario())
    reply, news = double.sent_messages(7801)
    assert reply.params["text"] == "A reply to someone" and noted == [7801]
    # … waits a second after the reply to that chat: replies and outbox keep one pace
    assert news.at - reply.at >= PER_CHAT_SPACING - RECEIVED_JITTER


def test_the_outbox_keeps_the_pace_overall_and_in_each_chat(double, live, monkeypatch):
    services, _clock = live
    turns: list[tuple[int, float]] = []  # (chat, the moment the pacer gave it its turn)
    take_turn = Pacer.turn

    async def recorded_turn(self: Pacer, chat_id: int) -> Sending:
        sending = await take_turn(self, chat_id)
        turns.append((chat_id, sending.at))
        return sending

    monkeypatch.setattr(Pacer, "turn", recorded_turn)
    looking, most_at_once, lock = [0], [0], threading.Lock()
    look_up = outbox_front.look_up

    def one_look_up(*args: object) -> object:  # a batch's look-ups go one at a time
        with lock:
            looking[0] += 1
            most_at_once[0] = max(most_at_once[0], looking[0])
        try:
            time.sleep(0.002)  # long enough for others to overlap, were they let
            return look_up(*args)
        finally:
            with lock:
                looking[0] -= 1

    monkeypatch.setattr(outbox_front, "look_up", one_look_up)
    one_each = [someone(services, 7400 + n) for n in range(30)]
    two_rows = [someone(services, 7500 + n) for n in range(5)]  # two messages due at once
    two_parts = [someone(services, 7600 + n, language="sl") for n in range(5)]  # two parts each
    badge_like = reminder_payload("Prvi del") + reminder_payload("Drugi del")

    async def scenario():
        async with running(double, services):
            for person_id in one_each + two_rows + two_rows:
                queue(services, person_id)
            for person_id in two_parts:
                queue(services, person_id, badge_like)
            await until(lambda: set(statuses(services)) == {"sent"}, timeout=30)

    asyncio.run(scenario())
    sends = sorted(double.calls_to("sendMessage"), key=lambda c: c.at)
    assert len(sends) == 30 + 10 + 10 and {c.status for c in sends} == {200}
    assert len(turns) == len(sends)
    assert most_at_once[0] == 1
    moments = [moment for _chat, moment in turns]
    assert moments == sorted(moments)
    assert_on_the_grid(moments, OUTBOX_RATE)
    for chat in {chat for chat, _moment in turns}:
        mine = [moment for c, moment in turns if c == chat]
        assert all(b - a >= PER_CHAT_SPACING for a, b in pairwise(mine))
    received = [c.at for c in sends]  # and as received: within Telegram's limits
    for i, first in enumerate(received):
        within_a_second = [t for t in received[i:] if t - first < 1.0 - RECEIVED_JITTER]
        assert len(within_a_second) <= TELEGRAM_RATE
    for chat in {c.params["chat_id"] for c in sends}:
        mine = [c.at for c in sends if c.params["chat_id"] == chat]
        assert all(b - a >= PER_CHAT_SPACING - RECEIVED_JITTER for a, b in pairwise(mine))
    parts = [c.params["text"] for c in sends if c.params["chat_id"] == 7600]
    assert [p.split("\n")[0] for p in parts] == [
        "⏰ <b>Jutri: Prvi del</b>",
        "⏰ <b>Jutri: Drugi del</b>",
    ]
