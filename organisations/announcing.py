"""Announcements: an organisation's administrator writes a message (a text per language, a
photo or a file, a link), chooses its audience (the organisation's followers, or the followers
of a topic or a district in its city), sends it now or schedules it, cancels it while it runs and
withdraws it after. Delivery is the outbox's: queueing puts one row per recipient there (in
chunks, idempotent if it stops midway), and the fronts send and withdraw them at Telegram's pace.
Every privileged use case checks the policy and writes the audit log in one transaction; no
Telegram types here, and no person is ever named to the organisation (counts only)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from access import audit
from access.policy import Actor, Capability
from organisations.context import OrganisationContext
from organisations.following import stored_key
from store import follows as follows_store
from store import outbox as outbox_store
from store import usage
from store.models import Announcement, Follow, Organisation
from store.outbox import NewMessage

LANGUAGES = ("sl", "en")
MAX_TEXT = 4096  # Telegram's limit of a message's text …
MAX_CAPTION = 1024  # … and of a photo's or a file's caption
MAX_LINK = 500
FOLLOWERS = "followers"  # the organisation's own followers; else "topic:T" or "district:D"
AUDIENCE_KINDS = {"topic": "topic", "district": "district"}
AUDIENCE_CHOICES = 8  # topics and districts offered as audiences, most followed first
QUEUE_CHUNK = outbox_store.CHUNK  # recipients queued per transaction
RECENT = 10  # announcements listed

# An announcement's life (Announcement.status)
DRAFT = "draft"  # written, not sent
SCHEDULED = "scheduled"  # to be queued at send_at (now, or later)
SENDING = "sending"  # its outbox rows are queued and being sent
DONE = "done"  # every row has an outcome
CANCELLED = "cancelled"  # stopped before or while it was sent
WITHDRAWN = "withdrawn"  # taken back from those who got it
OPEN = (SCHEDULED, SENDING)
WITHDRAWABLE = (SENDING, DONE, CANCELLED)


class Invalid(ValueError):
    """The announcement cannot be so: `code` names why (the front words it), `params` fill in
    the words."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Content:
    """What an announcement says: texts by language, and a photo or a file (Telegram file ids,
    the text then its caption), and a link."""

    texts: dict[str, str]
    photo: str | None = None
    document: str | None = None
    link: str | None = None

    @property
    def limit(self) -> int:
        return MAX_CAPTION if self.photo or self.document else MAX_TEXT

    def checked(self, room: int = 0) -> Content:
        """The content, trimmed, or Invalid: at least one text, none over Telegram's limit (less
        `room` for what goes above it), an http(s) link, a photo or a file but not both."""
        texts = {lang: text.strip() for lang, text in self.texts.items() if text and text.strip()}
        if any(lang not in LANGUAGES for lang in texts):
            raise Invalid("bad_language")
        if not texts:
            raise Invalid("no_text")
        limit = self.limit - room
        for lang, text in texts.items():
            if telegram_length(text) > limit:
                raise Invalid("too_long", limit=limit, length=telegram_length(text), language=lang)
        if self.photo and self.document:
            raise Invalid("two_files")
        link = self.link.strip() if self.link else None
        if link is not None:
            check_link(link)
        return Content(texts, self.photo or None, self.document or None, link or None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "texts": dict(self.texts),
            "photo": self.photo,
            "document": self.document,
            "link": self.link,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Content:
        return cls(
            dict(data.get("texts") or {}), data.get("photo"), data.get("document"), data.get("link")
        )


def telegram_length(text: str) -> int:
    """A text's length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def header_room(organisation_name: str) -> int:
    """What the organisation's name takes above the text ("📣 Name", a blank line)."""
    return telegram_length(f"📣 {organisation_name}\n\n")


def check_link(link: str) -> str:
    """An http(s) address, or Invalid("bad_link")."""
    parts = urlsplit(link)
    if (
        len(link) > MAX_LINK
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in link)
    ):
        raise Invalid("bad_link")
    return link


@dataclass(frozen=True)
class Audience:
    """Who an announcement reaches: followers of the organisation (key: its slug), of a topic or
    of a district, in the organisation's city."""

    kind: str  # one of store.models.FOLLOW_KINDS
    key: str

    @classmethod
    def parse(cls, text: str, slug: str) -> Audience:
        """ "followers", "topic:T" or "district:D" (Invalid otherwise); T and D as follows keep
        them (in lower case: "district:Šiška" is the followers of "šiška")."""
        text = text.strip()
        if text == FOLLOWERS:
            return cls("organisation", slug)
        kind, _, key = text.partition(":")
        if kind not in AUDIENCE_KINDS or not key.strip() or len(text) > 120:
            raise Invalid("bad_audience")
        return cls(AUDIENCE_KINDS[kind], stored_key(AUDIENCE_KINDS[kind], key))

    @property
    def name(self) -> str:
        """As it is stored and typed: followers, topic:T, district:D."""
        return FOLLOWERS if self.kind == "organisation" else f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class Counts:
    """What became of an announcement's messages (the outbox's rows by status)."""

    sent: int = 0
    failed: int = 0  # refused by Telegram, or not sent in time
    blocked: int = 0  # the person blocked the bot (held until they write again)
    unconfirmed: int = 0  # Telegram may or may not have delivered it (sent once more, unsure)
    pending: int = 0  # still to be sent (being sent, or to be sent once more)
    cancelled: int = 0

    @classmethod
    def of(cls, statuses: dict[str, int]) -> Counts:
        return cls(
            sent=statuses.get(outbox_store.SENT, 0),
            failed=statuses.get(outbox_store.FAILED, 0) + statuses.get(outbox_store.EXPIRED, 0),
            blocked=statuses.get(outbox_store.HELD, 0),
            unconfirmed=statuses.get(outbox_store.UNCONFIRMED, 0),
            pending=sum(
                statuses.get(s, 0)
                for s in (outbox_store.PENDING, outbox_store.SENDING, outbox_store.UNSURE)
            ),
            cancelled=statuses.get(outbox_store.CANCELLED, 0),
        )

    @property
    def total(self) -> int:
        return (
            self.sent
            + self.failed
            + self.blocked
            + self.unconfirmed
            + self.pending
            + self.cancelled
        )


@dataclass(frozen=True)
class AnnouncementView:
    """An announcement as its organisation's staff see it: never who got it."""

    id: int
    organisation_id: int
    organisation_name: str
    audience: str
    status: str
    content: Content
    send_at: datetime | None
    recipients: int
    created_at: datetime
    counts: Counts = field(default_factory=Counts)
    progress_chat_id: int | None = None
    progress_message_id: int | None = None


@dataclass(frozen=True)
class AnnouncementCard:
    """What a follower is sent: the organisation's name and the content."""

    id: int
    organisation_name: str
    content: Content


@dataclass(frozen=True)
class WithdrawalNote:
    """What replaces a withdrawn announcement that can no longer be deleted."""

    announcement_id: int
    organisation_name: str
    has_file: bool  # the message is a photo or a file: its caption is edited


class AnnouncementMessages(Protocol):
    """The outbox's structured messages for announcements, as the dialogue's messages write
    them (a layer above: handed in by the wiring)."""

    def announcement(self, announcement_id: int) -> list[dict[str, Any]]: ...

    def withdrawal(
        self, announcement_id: int, message_ids: list[int], sent_at: datetime | None
    ) -> list[dict[str, Any]]: ...


Progress = Callable[[int, int], None]  # queued so far, of how many


class AnnouncementService:
    """The announcement use cases over one organisation context."""

    def __init__(self, ctx: OrganisationContext, messages: AnnouncementMessages) -> None:
        self.ctx = ctx
        self.messages = messages

    # ---- writing and choosing the audience ---------------------------------------------------
    def audiences(self, actor: Actor, organisation_id: int) -> list[tuple[Audience, int]]:
        """The audiences to choose from, with how many each reaches: the organisation's
        followers, then the most followed topics and districts of the city."""
        with self.ctx.database.session() as session:
            organisation = self._organisation(session, actor, organisation_id)
            found = [Audience("organisation", organisation.slug)]
            for kind in ("topic", "district"):
                keys = session.execute(
                    select(Follow.key)
                    .where(Follow.kind == kind, Follow.city == self.ctx.city_slug)
                    .group_by(Follow.key)
                    .order_by(func.count().desc(), Follow.key)
                    .limit(AUDIENCE_CHOICES)
                )
                found += [Audience(kind, key) for (key,) in keys]
            return [(audience, self._count(session, audience)) for audience in found]

    def reach(self, actor: Actor, organisation_id: int, audience: str) -> int:
        """How many an audience reaches now (a count, never who)."""
        with self.ctx.database.session() as session:
            organisation = self._organisation(session, actor, organisation_id)
            return self._count(session, Audience.parse(audience, organisation.slug))

    def text_limit(self, organisation_id: int, photo: bool) -> int:
        """How long a text may be (Telegram's limit less the organisation's name above it)."""
        with self.ctx.database.session() as session:
            organisation = session.get(Organisation, organisation_id)
            name = organisation.name if organisation else ""
        return (MAX_CAPTION if photo else MAX_TEXT) - header_room(name)

    def compose(
        self, actor: Actor, organisation_id: int, content: Content, audience: str
    ) -> AnnouncementView:
        """A new draft, checked (Invalid says what is wrong)."""
        now = self.ctx.clock()
        with self.ctx.database.session() as session:
            organisation = self._organisation(session, actor, organisation_id)
            checked = content.checked(header_room(organisation.name))
            chosen = Audience.parse(audience, organisation.slug)
            row = Announcement(
                organisation_id=organisation.id,
                author_telegram_id=actor.audit_id,
                audience=chosen.name,
                content=checked.to_dict(),
                status=DRAFT,
                recipients=self._count(session, chosen),
                created_at=now,
            )
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor,
                "announce.draft",
                at=now,
                organisation_id=organisation.id,
                target=f"announcement:{row.id}",
                details={"audience": chosen.name},
            )
            return self._view(session, row)

    def send(
        self,
        actor: Actor,
        announcement_id: int,
        send_at: datetime | None = None,
        progress: tuple[int, int | None] | None = None,
    ) -> AnnouncementView:
        """Send a draft now (`send_at` None) or at `send_at` (in the future); the job queues it.
        `progress`: the chat and message that show its progress (edited as it goes); a chat
        without a message yet gets one when it starts sending (show_progress_in keeps it)."""
        now = self.ctx.clock()
        if send_at is not None and send_at <= now:
            raise Invalid("past_time")
        with self.ctx.database.session() as session:
            row = self._announcement(session, actor, announcement_id)
            if row.status != DRAFT:
                raise Invalid("not_draft", status=row.status)
            row.status = SCHEDULED
            row.send_at = send_at or now
            if progress is not None:
                row.progress_chat_id, row.progress_message_id = progress
            audit.record(
                session,
                actor,
                "announce.schedule" if send_at else "announce.send",
                at=now,
                organisation_id=row.organisation_id,
                target=f"announcement:{row.id}",
                details={"send_at": row.send_at.isoformat(), "recipients": row.recipients},
            )
            session.flush()
            return self._view(session, row)

    def show_progress_in(
        self, announcement_id: int, chat_id: int | None, message_id: int | None
    ) -> None:
        """The message that shows the announcement's progress (the front sent it); None and None
        when its chat can no longer be written to (the administrator blocked the bot)."""
        with self.ctx.database.session() as session:
            row = session.get(Announcement, announcement_id)
            if row is not None:
                row.progress_chat_id, row.progress_message_id = chat_id, message_id

    # ---- delivery ----------------------------------------------------------------------------
    def due(self) -> list[int]:
        """The announcements whose time has come and that are not queued yet."""
        now = self.ctx.clock()
        with self.ctx.database.session() as session:
            return list(
                session.scalars(
                    select(Announcement.id)
                    .where(Announcement.status == SCHEDULED, Announcement.send_at <= now)
                    .order_by(Announcement.send_at, Announcement.id)
                )
            )

    def queue(self, announcement_id: int, progress: Progress | None = None) -> int:
        """Put one outbox row per recipient, QUEUE_CHUNK a transaction; the announcement is
        `sending` once all are in. Stopped midway (a crash), it is queued again from the start:
        the rows already in are kept once (a dedupe key per announcement and person). How many
        recipients it has."""
        with self.ctx.database.session() as session:
            row = session.get(Announcement, announcement_id)
            if row is None or row.status != SCHEDULED:
                return 0
            slug = session.scalar(
                select(Organisation.slug).where(Organisation.id == row.organisation_id)
            )
            audience = Audience.parse(row.audience, slug or "")
            batch = row.batch_id or f"announcement-{row.id}-{uuid.uuid4().hex[:12]}"
            row.batch_id = batch
            payload = self.messages.announcement(row.id)
            send_at = row.send_at or self.ctx.clock()
        people = self._recipients(audience)
        total = 0
        for chunk in _chunks(people, QUEUE_CHUNK):
            now = self.ctx.clock()
            rows = [
                NewMessage(
                    person_id,
                    "announcement",
                    payload,
                    not_before=send_at,
                    dedupe_key=f"announcement:{announcement_id}:{person_id}",
                    batch_id=batch,
                )
                for person_id in chunk
            ]
            with self.ctx.database.session() as session:
                if (
                    session.scalar(
                        select(Announcement.status).where(Announcement.id == announcement_id)
                    )
                    != SCHEDULED
                ):
                    return total  # cancelled meanwhile
                outbox_store.enqueue_many(session, rows, now)
            total += len(chunk)
            if progress is not None:
                progress(total, len(people))
        with self.ctx.database.session() as session:
            row = session.get(Announcement, announcement_id)
            if row is not None and row.status == SCHEDULED:
                row.status = SENDING
                row.recipients = total
                row.queued_at = self.ctx.clock()
        return total

    def running(self) -> list[AnnouncementView]:
        """The announcements being sent, with their counts (to show progress)."""
        with self.ctx.database.session() as session:
            rows = session.scalars(
                select(Announcement).where(Announcement.status == SENDING).order_by(Announcement.id)
            )
            return [self._view(session, row) for row in rows]

    def settle(self) -> list[AnnouncementView]:
        """The announcements being sent whose every message has an outcome: now done."""
        finished = []
        now = self.ctx.clock()
        with self.ctx.database.session() as session:
            rows = session.scalars(select(Announcement).where(Announcement.status == SENDING))
            for row in rows:
                view = self._view(session, row)
                if view.counts.pending == 0:
                    row.status, row.finished_at = DONE, now
                    finished.append(view)
        return finished

    def delivered(self, reached: Counter[int]) -> int:
        """What the drainer reports after each batch it sent, in one transaction: the messages
        delivered (by announcement) added to their organisations' daily reach (one upsert, never
        one a message); and the messages of an announcement withdrawn while they were on their
        way (their rows ended sent only afterwards, so the withdrawal did not see them)
        withdrawn too, by the same outbox rows (one a person: those queued already are kept
        once). How many withdrawals were queued."""
        now = self.ctx.clock()
        with self.ctx.database.session() as session:
            rows = session.scalars(
                select(Announcement).where(Announcement.id.in_(sorted(reached)))
            ).all()
            counted: Counter[tuple[int, str, int]] = Counter()
            for row in rows:
                counted[(row.organisation_id, usage.REACHED, 0)] += reached[row.id]
            usage.add(session, now.date(), counted)
            return sum(
                outbox_store.enqueue_many(session, self._withdrawals(session, row, now), now)
                for row in rows
                if row.status == WITHDRAWN and row.batch_id
            )

    def card(self, announcement_id: int) -> AnnouncementCard | None:
        """What a follower is sent (None: withdrawn, cancelled or gone: send nothing)."""
        with self.ctx.database.session() as session:
            row = session.get(Announcement, announcement_id)
            if row is None or row.status in (CANCELLED, WITHDRAWN):
                return None
            return AnnouncementCard(
                row.id, row.organisation.name, Content.from_dict(dict(row.content))
            )

    def preview(self, actor: Actor, announcement_id: int) -> AnnouncementCard:
        """The draft exactly as a follower will get it."""
        with self.ctx.database.session() as session:
            row = self._announcement(session, actor, announcement_id)
            return AnnouncementCard(
                row.id, row.organisation.name, Content.from_dict(dict(row.content))
            )

    def withdrawal_note(self, announcement_id: int) -> WithdrawalNote | None:
        with self.ctx.database.session() as session:
            row = session.get(Announcement, announcement_id)
            if row is None:
                return None
            content = Content.from_dict(dict(row.content))
            return WithdrawalNote(
                row.id, row.organisation.name, bool(content.photo or content.document)
            )

    # ---- after: counts, cancel, withdraw, the list -------------------------------------------
    def status(self, actor: Actor, announcement_id: int) -> AnnouncementView:
        with self.ctx.database.session() as session:
            return self._view(session, self._announcement(session, actor, announcement_id, STATS))

    def recent(
        self, actor: Actor, organisation_id: int, limit: int = RECENT
    ) -> list[AnnouncementView]:
        """The organisation's latest announcements, newest first."""
        with self.ctx.database.session() as session:
            self._organisation(session, actor, organisation_id, STATS)
            rows = session.scalars(
                select(Announcement)
                .where(Announcement.organisation_id == organisation_id)
                .order_by(Announcement.created_at.desc(), Announcement.id.desc())
                .limit(limit)
            )
            return [self._view(session, row) for row in rows]

    def cancel(self, actor: Actor, announcement_id: int) -> AnnouncementView:
        """Stop a draft, a scheduled or a running announcement: what is not sent yet is not."""
        now = self.ctx.clock()
        with self.ctx.database.session() as session:
            row = self._announcement(session, actor, announcement_id)
            if row.status not in (DRAFT, *OPEN):
                raise Invalid("not_running", status=row.status)
            stopped = outbox_store.cancel_batch(session, row.batch_id) if row.batch_id else 0
            row.status, row.cancelled_at = CANCELLED, now
            audit.record(
                session,
                actor,
                "announce.cancel",
                at=now,
                organisation_id=row.organisation_id,
                target=f"announcement:{row.id}",
                details={"stopped": stopped},
            )
            session.flush()
            return self._view(session, row)

    def withdraw(self, actor: Actor, announcement_id: int) -> int:
        """Take a sent announcement back: what is not sent yet is cancelled, and one outbox row
        per message sent deletes it (or, after Telegram's 48 hours, edits it to say it was
        withdrawn), paced like sends. How many messages are to be withdrawn."""
        now = self.ctx.clock()
        with self.ctx.database.session() as session:
            row = self._announcement(session, actor, announcement_id)
            if row.status not in WITHDRAWABLE or not row.batch_id:
                raise Invalid("not_sent", status=row.status)
            outbox_store.cancel_batch(session, row.batch_id)
            rows = self._withdrawals(session, row, now)
            outbox_store.enqueue_many(session, rows, now)
            row.status, row.withdrawn_at = WITHDRAWN, now
            audit.record(
                session,
                actor,
                "announce.withdraw",
                at=now,
                organisation_id=row.organisation_id,
                target=f"announcement:{row.id}",
                details={"messages": len(rows)},
            )
            return len(rows)

    def _withdrawals(self, session: Session, row: Announcement, now: datetime) -> list[NewMessage]:
        """One outbox row per person the announcement was sent to, deleting (or editing) it."""
        assert row.batch_id is not None
        return [
            NewMessage(
                person_id,
                "withdrawal",
                self.messages.withdrawal(row.id, message_ids, sent_at),
                not_before=now,
                dedupe_key=f"withdrawal:{row.id}:{person_id}",
                batch_id=withdrawal_batch(row.batch_id),
            )
            for person_id, message_ids, sent_at in outbox_store.sent_in_batch(session, row.batch_id)
            if message_ids
        ]

    def organisation_of(self, actor: Actor, slug: str) -> int:
        """An organisation of the city by its slug, if the actor may announce for it."""
        with self.ctx.database.session() as session:
            found = session.scalar(
                select(Organisation.id).where(
                    Organisation.slug == slug, Organisation.city == self.ctx.city_slug
                )
            )
            if found is None:
                raise Invalid("no_organisation", slug=slug)
            self.ctx.policy.check(session, actor, Capability.ANNOUNCE, found)
            return found

    def latest_ids(self, limit: int = RECENT) -> list[int]:
        """The latest announcements of every organisation (the command line's status)."""
        with self.ctx.database.session() as session:
            return list(
                session.scalars(
                    select(Announcement.id).order_by(Announcement.id.desc()).limit(limit)
                )
            )

    # ---- helpers -----------------------------------------------------------------------------
    def _organisation(
        self,
        session: Session,
        actor: Actor,
        organisation_id: int,
        capability: Capability = Capability.ANNOUNCE,
    ) -> Organisation:
        self.ctx.policy.check(session, actor, capability, organisation_id)
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise Invalid("no_organisation")
        return organisation

    def _announcement(
        self,
        session: Session,
        actor: Actor,
        announcement_id: int,
        capability: Capability = Capability.ANNOUNCE,
    ) -> Announcement:
        row = session.get(Announcement, announcement_id)
        if row is None:
            raise Invalid("not_found")
        self.ctx.policy.check(session, actor, capability, row.organisation_id)
        return row

    def _count(self, session: Session, audience: Audience) -> int:
        query = follows_store.audience(audience.kind, audience.key, self.ctx.city_slug)
        return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)

    def _recipients(self, audience: Audience) -> list[int]:
        with self.ctx.database.session() as session:
            query = follows_store.audience(audience.kind, audience.key, self.ctx.city_slug)
            return list(session.scalars(query))

    def _view(self, session: Session, row: Announcement) -> AnnouncementView:
        counts = Counts.of(outbox_store.counts(session, row.batch_id)) if row.batch_id else Counts()
        return AnnouncementView(
            row.id,
            row.organisation_id,
            row.organisation.name,
            row.audience,
            row.status,
            Content.from_dict(dict(row.content)),
            row.send_at,
            row.recipients,
            row.created_at,
            counts,
            row.progress_chat_id,
            row.progress_message_id,
        )


STATS = Capability.STATS  # seeing an announcement's counts is seeing the organisation's numbers


def withdrawal_batch(batch_id: str) -> str:
    """The batch of an announcement's withdrawals (counted apart from its sends)."""
    return f"{batch_id}:withdrawn"


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
