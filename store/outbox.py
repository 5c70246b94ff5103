"""The outbox: every message the bot sends on its own (reminders and badges now; organisations'
announcements later), one row per message to one person, and the rules for it:
what is due, who may send it, what each outcome of a send does, what is retried, what is given
up. No Telegram here: the Telegram job (bot/telegram/outbox.py) tells each outcome as an
`Outcome`.

A row's status, and how it moves:

    pending ──claim──▶ sending ──▶ sent                      (final)
       ▲                  │ ├───▶ failed   refused (400), or not sent too often (final)
       │                  │ ├───▶ held     the person blocked the bot; pending when they write
       │  flood / paused  │ ├───▶ unsure   timed out: Telegram may or may not have it
       └──────────────────┘ └───▶ pending  not sent (network), after a backoff
    unsure ──▶ pending (once, after UNSURE_RESEND_AFTER) or unconfirmed (final)
    pending, held ──▶ expired (final) once expires_at has passed
    sending whose lease ran out (the process died mid-send) ──▶ unsure
    pending, held, unsure ──▶ cancelled (final) when their batch is cancelled (an announcement);
    a row being sent then ends as its send does

The unsure policy: a message that may or may not have reached Telegram is sent once more after a
delay (at least once: nothing is lost, and only a message that was in flight can arrive twice);
if that send is unsure too, it ends `unconfirmed`, counted with the others.

No transaction is held across a network call: `claim` commits, the sends happen, and each
outcome is recorded (`record`) in a short transaction of its own. Claiming is a compare-and-set
per row (`UPDATE … WHERE id = … AND status = 'pending'`), so two drainers never send one row; on
PostgreSQL the candidates are also read `FOR UPDATE SKIP LOCKED`, on SQLite the claim takes the
database's write lock first."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from store.dialects import dialect_of, per_dialect
from store.models import OutboxMessage, Person

PENDING = "pending"  # waiting for its time (not_before) and its turn
SENDING = "sending"  # claimed by a drainer until lease_until
SENT = "sent"  # Telegram took it: its message ids are kept
HELD = "held"  # the person blocked the bot: pending again when they write
UNSURE = "unsure"  # timed out, or the drainer died mid-send: may or may not have arrived
UNCONFIRMED = "unconfirmed"  # unsure twice (or unsure until it expired): given up, counted
FAILED = "failed"  # refused by Telegram (400), or not sent after MAX_ATTEMPTS tries
EXPIRED = "expired"  # not sent before expires_at: no longer worth sending
CANCELLED = "cancelled"  # its batch was cancelled before it was sent (an announcement)
FINAL = (SENT, UNCONFIRMED, FAILED, EXPIRED, CANCELLED)
STATUSES = (PENDING, SENDING, HELD, UNSURE, *FINAL)
WAITING = (PENDING, HELD, UNSURE)  # may still be sent (not being sent now)

# How long a claimed row may stay `sending`: far longer than a send with its time-out (seconds).
# A row still sending after it was claimed this long ago belongs to a drainer that died.
LEASE = timedelta(minutes=5)
# After a send that did not get through (a network error), wait this long before the next try
# (the n-th wait after the n-th try); after MAX_ATTEMPTS tries the row has `failed`.
NOT_SENT_BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)
MAX_ATTEMPTS = len(NOT_SENT_BACKOFF) + 1
# An unsure message is sent once more (at least once: nothing is lost) …
UNSURE_RESENDS = 1
# … this long after: Telegram has long answered a request that was still in flight by then.
UNSURE_RESEND_AFTER = timedelta(minutes=1)
# Finished rows (sent, unconfirmed, failed, expired) are deleted this long after they were due:
# long enough to count an announcement's deliveries, no longer.
KEEP_FINISHED = timedelta(days=30)
# Rows read per row claimed, so that a person with several messages due gets one per claim
# (their next one comes a run later, paced like any other message to their chat).
CANDIDATES_PER_CLAIM = 4
ERROR_LENGTH = 200  # the last error: Telegram's short description, never the message's text
CHUNK = 1000  # rows written or looked up per statement


class Outcome(StrEnum):
    """What became of one send, as the Telegram front tells it."""

    SENT = "sent"  # every message of the row was taken
    BLOCKED = "blocked"  # 403: the person blocked the bot
    FLOOD = "flood"  # 429: Telegram asks the bot to wait `retry_after`
    PAUSED = "paused"  # not sent: all outbox sending is paused for `retry_after` (a 429 before)
    REFUSED = "refused"  # 400: the chat is gone, the message is malformed …: no use sending again
    UNSURE = "unsure"  # timed out while Telegram had the request: it may or may not have arrived
    NOT_SENT = "not_sent"  # the request did not get through (a network error): try again later


@dataclass(frozen=True)
class NewMessage:
    """A message to put in the outbox. `payload` is the structured messages as JSON
    (actions.messages.to_json), rendered when it is sent."""

    person_id: int
    kind: str  # "reminder", "badge", "announcement", "withdrawal", "staff"…
    payload: list[dict[str, Any]]
    not_before: datetime  # not sent before
    expires_at: datetime | None = None  # not worth sending after (a reminder: the start)
    dedupe_key: str | None = None  # a second message with the same key is not added
    batch_id: str | None = None  # an announcement's rows, to count them


@dataclass(frozen=True)
class ClaimedMessage:
    """A row claimed for sending, with what is needed to send it: the person's chat and the
    languages to render it in."""

    id: int
    person_id: int
    kind: str
    chat_id: int | None  # their Telegram id (None: no way to reach them on Telegram)
    language: str | None  # the language they chose
    telegram_language: str | None  # their Telegram's
    payload: list[dict[str, Any]]
    attempts: int  # this one included
    sent_ids: list[int] = field(default_factory=list)  # messages taken by an earlier try


def enqueue(session: Session, message: NewMessage, now: datetime) -> bool:
    """Put one message in the outbox; False when its dedupe key is there already."""
    return enqueue_many(session, [message], now) == 1


# the insert, built once for each dialect: a dedupe key already there adds nothing
_ENQUEUE = per_dialect(
    lambda dialect: (
        dialect.insert(OutboxMessage)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
)


def enqueue_many(
    session: Session,
    messages: Sequence[NewMessage],
    now: datetime,
    inactive: set[int] | None = None,
) -> int:
    """Put messages in the outbox, in statements of CHUNK rows; how many were added (a dedupe key
    already there, or twice among them, adds one row). A message to someone who blocked the bot
    is held from the start; `inactive` says who did when the caller has just read it (else it is
    read here)."""
    if inactive is None:
        inactive = _inactive(session, {m.person_id for m in messages})
    statement = _ENQUEUE[dialect_of(session)]
    added = 0
    for start in range(0, len(messages), CHUNK):
        rows = [
            {
                "person_id": m.person_id,
                "kind": m.kind,
                "batch_id": m.batch_id,
                "dedupe_key": m.dedupe_key,
                "payload": m.payload,
                "status": HELD if m.person_id in inactive else PENDING,
                "not_before": m.not_before,
                "expires_at": m.expires_at,
                "attempts": 0,
                "unsure": 0,
                "telegram_message_ids": [],
                "created_at": now,
            }
            for m in messages[start : start + CHUNK]
        ]
        added += len(session.execute(statement, rows).all())
    return added


def claim(
    session: Session,
    now: datetime,
    limit: int,
    lease: timedelta = LEASE,
    kinds: Collection[str] | None = None,
) -> list[ClaimedMessage]:
    """Claim up to `limit` rows that are due, at most one per person, oldest first, for people
    who have not blocked the bot: each becomes `sending` until `now + lease`. Commit before
    sending: the claim is what keeps another drainer from sending them too. With `kinds`, only
    rows of those kinds (what the sender can send: the others wait for a sender that can)."""
    if limit <= 0:
        return []
    _write_lock(session)
    due = (
        select(OutboxMessage.id, OutboxMessage.person_id)
        .join(Person, Person.id == OutboxMessage.person_id)
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now),
            Person.active.is_(True),
        )
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit * CANDIDATES_PER_CLAIM)
    )
    if kinds is not None:
        due = due.where(OutboxMessage.kind.in_(sorted(kinds)))
    if dialect_of(session) == "postgresql":
        due = due.with_for_update(of=OutboxMessage, skip_locked=True)
    chosen: list[int] = []
    people: set[int] = set()
    for message_id, person_id in session.execute(due):
        if person_id not in people and len(chosen) < limit:
            people.add(person_id)
            chosen.append(message_id)
    claimed = [
        message_id
        for message_id in chosen
        if _compare_and_set(
            session,
            message_id,
            PENDING,
            status=SENDING,
            lease_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
        )
    ]
    if not claimed:
        return []
    rows = session.execute(
        select(OutboxMessage, Person.telegram_id, Person.language, Person.telegram_language)
        .join(Person, Person.id == OutboxMessage.person_id)
        .where(OutboxMessage.id.in_(claimed))
    )
    found = {
        row.id: ClaimedMessage(
            row.id,
            row.person_id,
            row.kind,
            telegram_id,
            language,
            telegram_language,
            row.payload,
            row.attempts,
            list(row.telegram_message_ids or []),
        )
        for row, telegram_id, language, telegram_language in rows
    }
    return [found[message_id] for message_id in claimed if message_id in found]


def record(
    session: Session,
    message_id: int,
    outcome: Outcome,
    now: datetime,
    *,
    sent_ids: Iterable[int] = (),
    error: str | None = None,
    retry_after: timedelta = timedelta(0),
) -> str | None:
    """Record what became of sending a claimed row, by the rules in this module's docstring;
    `sent_ids` are the Telegram message ids taken so far (a row may be several messages). The
    row's new status, or None when it was not being sent (its lease ran out meanwhile)."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return None
    allowed = (SENDING, UNSURE) if outcome is Outcome.SENT else (SENDING,)
    if row.status not in allowed:
        return None
    values: dict[str, Any] = {
        "lease_until": None,
        "telegram_message_ids": list(sent_ids),
        "last_error": error[:ERROR_LENGTH] if error else None,
    }
    if outcome is Outcome.SENT:
        values |= {"status": SENT, "sent_at": now}
    elif outcome is Outcome.BLOCKED:
        values["status"] = HELD
    elif outcome in (Outcome.FLOOD, Outcome.PAUSED):  # the try does not count
        values |= {
            "status": PENDING,
            "not_before": now + retry_after,
            "attempts": max(0, row.attempts - 1),
        }
    elif outcome is Outcome.REFUSED:
        values["status"] = FAILED
    elif outcome is Outcome.UNSURE:
        values |= {
            "status": UNSURE,
            "unsure": row.unsure + 1,
            "not_before": now + UNSURE_RESEND_AFTER,
        }
    elif row.attempts >= MAX_ATTEMPTS:  # NOT_SENT, too often
        values["status"] = FAILED
    else:  # NOT_SENT: back off
        values |= {"status": PENDING, "not_before": now + backoff_after(row.attempts)}
    if not _compare_and_set(session, message_id, row.status, **values):
        return None
    if outcome is Outcome.BLOCKED:
        _mark_blocked(session, row.person_id, now)
    return str(values["status"])


def backoff_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th try that did not get through."""
    return NOT_SENT_BACKOFF[min(max(attempts, 1), len(NOT_SENT_BACKOFF)) - 1]


def sweep(session: Session, now: datetime) -> dict[str, int]:
    """Move the rows whose time has come by the rules: rows whose lease ran out while sending
    become unsure; an unsure row is pending again once (after UNSURE_RESEND_AFTER) and then
    unconfirmed; what expired before it was sent is expired. How many rows went where."""
    moved = {
        "lost_leases": _update(
            session,
            (OutboxMessage.status == SENDING, OutboxMessage.lease_until <= now),
            status=UNSURE,
            unsure=OutboxMessage.unsure + 1,
            not_before=now + UNSURE_RESEND_AFTER,
            lease_until=None,
            last_error="the sending stopped before Telegram answered (lease ran out)",
        ),
        UNCONFIRMED: _update(
            session,
            (
                OutboxMessage.status == UNSURE,
                or_(OutboxMessage.unsure > UNSURE_RESENDS, OutboxMessage.expires_at <= now),
            ),
            status=UNCONFIRMED,
        ),
        "resent": _update(
            session,
            (OutboxMessage.status == UNSURE, OutboxMessage.not_before <= now),
            status=PENDING,
        ),
        EXPIRED: _update(
            session,
            (OutboxMessage.status.in_((PENDING, HELD)), OutboxMessage.expires_at <= now),
            status=EXPIRED,
        ),
    }
    return {name: count for name, count in moved.items() if count}


def hold_for(session: Session, person_id: int) -> int:
    """The person blocked the bot: their pending messages wait for them (how many)."""
    return _update(
        session,
        (OutboxMessage.person_id == person_id, OutboxMessage.status == PENDING),
        status=HELD,
    )


def release_held(session: Session, person_id: int, now: datetime) -> int:
    """The person wrote again: their held messages that have not expired are due now."""
    return _update(
        session,
        (
            OutboxMessage.person_id == person_id,
            OutboxMessage.status == HELD,
            or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now),
        ),
        status=PENDING,
        not_before=now,
    )


def counts(session: Session, batch_id: str | None = None) -> dict[str, int]:
    """How many rows are in each status: all of them, or one batch's (an announcement)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if batch_id is not None:
        query = query.where(OutboxMessage.batch_id == batch_id)
    return {status: count for status, count in session.execute(query)}


def waiting_keys(session: Session, dedupe_keys: Sequence[str]) -> set[str]:
    """Which of these rows (by dedupe key) may still be sent."""
    keys, found = list(dedupe_keys), set()
    for start in range(0, len(keys), CHUNK):
        found.update(
            session.scalars(
                select(OutboxMessage.dedupe_key).where(
                    OutboxMessage.dedupe_key.in_(keys[start : start + CHUNK]),
                    OutboxMessage.status.in_(WAITING),
                )
            )
        )
    return {key for key in found if key is not None}


def waiting_payloads(session: Session, batch_id: str) -> list[list[dict[str, Any]]]:
    """The payloads of a batch's rows that may still be sent, oldest first."""
    return [
        list(payload or [])
        for payload in session.scalars(
            select(OutboxMessage.payload)
            .where(OutboxMessage.batch_id == batch_id, OutboxMessage.status.in_(WAITING))
            .order_by(OutboxMessage.id)
        )
    ]


def cancel_batch(session: Session, batch_id: str) -> int:
    """Stop a batch (an announcement): its rows not yet sent, nor being sent, are cancelled
    (how many). A row being sent now ends as its send does."""
    return _update(
        session,
        (OutboxMessage.batch_id == batch_id, OutboxMessage.status.in_(WAITING)),
        status=CANCELLED,
        lease_until=None,
    )


def sent_in_batch(session: Session, batch_id: str) -> list[tuple[int, list[int], datetime | None]]:
    """A batch's sent rows: who got it, the Telegram message ids, when (to withdraw it)."""
    rows = session.execute(
        select(OutboxMessage.person_id, OutboxMessage.telegram_message_ids, OutboxMessage.sent_at)
        .where(OutboxMessage.batch_id == batch_id, OutboxMessage.status == SENT)
        .order_by(OutboxMessage.id)
    )
    return [(person_id, list(ids or []), sent_at) for person_id, ids, sent_at in rows]


def purge_finished(session: Session, now: datetime) -> int:
    """Delete the finished rows that were due more than KEEP_FINISHED ago (how many)."""
    result = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_(FINAL), OutboxMessage.not_before < now - KEEP_FINISHED
        )
    )
    return int(result.rowcount or 0)


def forget_person(session: Session, person_id: int) -> int:
    """Delete a person's messages, whatever their status (the person is being forgotten)."""
    result = session.execute(delete(OutboxMessage).where(OutboxMessage.person_id == person_id))
    return int(result.rowcount or 0)


# ---- helpers -----------------------------------------------------------------------------------


def _write_lock(session: Session) -> None:
    """On SQLite, take the database's write lock now, with a write that changes nothing: claimers
    then take turns, each reading the candidates after the one before committed, instead of
    racing for the same rows (and, where the driver opens a transaction before a read, the
    read-then-write of two claimers cannot deadlock into 'database is locked')."""
    if dialect_of(session) == "sqlite":
        session.execute(text("UPDATE outbox_message SET status = status WHERE 1 = 0"))


def _compare_and_set(session: Session, message_id: int, was: str, **values: Any) -> bool:
    """Change one row if its status is still `was`; whether it did."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == was)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def _update(session: Session, where: tuple[Any, ...], **values: Any) -> int:
    result = session.execute(
        update(OutboxMessage)
        .where(*where)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def _inactive(session: Session, person_ids: set[int]) -> set[int]:
    """Which of these people blocked the bot."""
    ids = sorted(person_ids)
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = select(Person.id).where(Person.id.in_(chunk), Person.active.is_(False))
        found.update(session.scalars(query))
    return found


def _mark_blocked(session: Session, person_id: int, now: datetime) -> None:
    """As store.people.blocked (which calls into this module, so it is not imported here): the
    person is inactive and their other pending messages wait for them too."""
    session.execute(
        update(Person)
        .where(Person.id == person_id)
        .values(active=False, blocked_at=now)
        .execution_options(synchronize_session=False)
    )
    hold_for(session, person_id)
