"""Learners following organisations, topics and districts, and the news that follows: what may
be followed (an organisation of the city by its slug, a topic the catalogue knows, a district of
the city's gazetteer or of its opportunities), following and unfollowing, the choice between
instant news and a weekly digest, and the outbox rows that carry them (one a person, each item
at most once). Organisations learn only how many follow them, never who. No Telegram here: the
outbox's payloads are built by a `NewsMessages` the wiring gives."""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from organisations.context import OrganisationContext
from store import follows as follows_store
from store import outbox, usage
from store.models import NEWS_MODES, Follow, Opportunity, Organisation, OutboxMessage, Person

ORGANISATION, TOPIC, DISTRICT = "organisation", "topic", "district"
INSTANT, WEEKLY = NEWS_MODES
NEWS_KIND = "news"  # the outbox's kind of an instant news message
DIGEST_KIND = "digest"  # … and of a weekly digest
NEWS_KEEP = timedelta(days=7)  # news no longer worth sending after this long
DIGEST_KEEP = timedelta(days=3)
# The weekly digest goes out on Saturday between 10:00 and 12:00 in the city's time, each person
# at a minute of their own in that window (a hash of their id), so that sending is spread.
DIGEST_WEEKDAY = 5  # Saturday (Monday is 0)
DIGEST_FROM = time(10, 0)
DIGEST_WINDOW_MINUTES = 120
TOKEN_LENGTH = 10  # hex characters of a followed thing's hash in a button's data
MAX_NAME = 120  # characters: a typed topic's or district's name longer than this names none


class NewsMessages(Protocol):
    """The outbox's payloads for news (actions.messages as JSON): the wiring's."""

    def news(self, opportunity_ids: list[int]) -> list[dict[str, Any]]: ...

    def digest(self, opportunity_ids: list[int]) -> list[dict[str, Any]]: ...


class Followed(StrEnum):
    """What following said."""

    NEW = "new"  # they follow it now
    ALREADY = "already"  # they already did
    UNKNOWN = "unknown"  # there is no such organisation, topic or district here


@dataclass(frozen=True)
class Followable:
    """Something a person may follow (or follows), with the name to show."""

    kind: str  # one of store.models.FOLLOW_KINDS
    key: str  # an organisation's slug, a topic (lower case), a district's name
    name: str

    @property
    def token(self) -> str:
        """A short ASCII stand-in for the key in a button's data (keys may be long or not
        ASCII: "Šiška", "slovenian language")."""
        return token_of(self.kind, stored_key(self.kind, self.key))

    @property
    def stored(self) -> str:
        """Its key as a follow keeps it."""
        return stored_key(self.kind, self.key)


@dataclass(frozen=True)
class FollowResult:
    outcome: Followed
    followed: Followable | None = None


@dataclass(frozen=True)
class Following:
    """What a person follows and how they hear of it."""

    items: list[Followable]
    news: str  # "instant" | "weekly"


def token_of(kind: str, key: str) -> str:
    return hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()[:TOKEN_LENGTH]


def digest_minute(person_id: int) -> int:
    """The person's minute in the digest's window: spread evenly and the same every week."""
    digest = hashlib.sha256(f"digest:{person_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % DIGEST_WINDOW_MINUTES


def digest_slot(person_id: int, moment: datetime, zone: ZoneInfo) -> datetime:
    """The person's latest digest time at or before `moment`: a Saturday morning in the city's
    time (wall-clock time: summer time or not, it is the same hour for them)."""
    local = moment.astimezone(zone)
    day = local.date() - timedelta(days=(local.weekday() - DIGEST_WEEKDAY) % 7)
    minutes = timedelta(minutes=digest_minute(person_id))
    slot = datetime.combine(day, DIGEST_FROM, tzinfo=zone) + minutes
    if slot > local:
        slot = datetime.combine(day - timedelta(days=7), DIGEST_FROM, tzinfo=zone) + minutes
    return slot


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def plain(text: str) -> str:
    """`text` folded for matching what people type: no case, no accents ("Šiška" is "siska"),
    single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _fold(bare)


def stored_key(kind: str, key: str) -> str:
    """A followed thing's key as it is stored: an organisation's slug as it is, a topic or a
    district in lower case ("šiška"), so that "Šiška" and "ŠIŠKA" are one district (and an
    announcement's `district:Šiška` finds the same people)."""
    return key if kind == ORGANISATION else _fold(key)


class FollowService:
    """The followers' use cases for one city."""

    def __init__(
        self,
        ctx: OrganisationContext,
        zone: ZoneInfo,
        districts: Iterable[str],
        messages: NewsMessages,
    ) -> None:
        self.ctx = ctx
        self.zone = zone
        self.gazetteer_districts = tuple(dict.fromkeys(districts))  # the city's, in order
        self.messages = messages

    # ---- what may be followed ----------------------------------------------------------------
    def topics(self, session: Session | None = None) -> list[Followable]:
        """The topics of the city's current opportunities, the most used first."""
        if session is None:
            with self.ctx.database.session() as own:
                return self.topics(own)
        counted: Counter[str] = Counter()
        for topics in session.scalars(select(Opportunity.topics).where(*self._current())):
            counted.update({_fold(t) for t in topics or [] if _fold(t)})
        ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
        return [Followable(TOPIC, topic, topic) for topic, _n in ranked]

    def districts(self, session: Session | None = None) -> list[Followable]:
        """The city's districts that have opportunities now, by name; then the gazetteer's
        other districts (each may be followed, to hear when something comes there)."""
        if session is None:
            with self.ctx.database.session() as own:
                return self.districts(own)
        used = self._used_districts(session)
        taken = {_fold(name) for name in used}
        others = sorted((d for d in self.gazetteer_districts if _fold(d) not in taken), key=_fold)
        return [Followable(DISTRICT, name, name) for name in [*used, *others]]

    def active_districts(self) -> list[Followable]:
        """The districts where the city has opportunities now (what /follow offers)."""
        with self.ctx.database.session() as session:
            return [Followable(DISTRICT, name, name) for name in self._used_districts(session)]

    def _used_districts(self, session: Session) -> list[str]:
        """The districts the city's current opportunities name, by name, each once."""
        named: dict[str, str] = {}
        for district in session.scalars(select(Opportunity.district).where(*self._current())):
            if district and district.strip():
                named.setdefault(_fold(district), " ".join(district.split()))
        return sorted(named.values(), key=_fold)

    def organisations(self, session: Session | None = None) -> list[Followable]:
        """The city's organisations, by name."""
        if session is None:
            with self.ctx.database.session() as own:
                return self.organisations(own)
        rows = session.execute(
            select(Organisation.slug, Organisation.name)
            .where(Organisation.city == self.ctx.city_slug)
            .order_by(Organisation.name)
        )
        return [Followable(ORGANISATION, slug, name) for slug, name in rows]

    def followables(self, kind: str, session: Session | None = None) -> list[Followable]:
        if kind == ORGANISATION:
            return self.organisations(session)
        if kind == TOPIC:
            return self.topics(session)
        if kind == DISTRICT:
            return self.districts(session)
        return []

    def _find(self, session: Session, kind: str, key: str) -> Followable | None:
        """The followable `key` of `kind` as it is known here (a district and a topic match
        whatever their case), or None."""
        if kind == ORGANISATION:
            name = session.scalar(
                select(Organisation.name).where(
                    Organisation.slug == key, Organisation.city == self.ctx.city_slug
                )
            )
            return Followable(ORGANISATION, key, name) if name is not None else None
        wanted = _fold(key)
        return next((f for f in self.followables(kind, session) if _fold(f.key) == wanted), None)

    def named(self, text: str, topic_names: Iterable[Mapping[str, str]] = ()) -> Followable | None:
        """The topic or district of the city that `text` names, whatever its case and accents
        ("siska" is Šiška), or None: a topic of its opportunities (by its key, or a name of it in
        `topic_names`, key → name, one mapping a language), a district of its gazetteer or its
        opportunities, or one that people follow here. "topic:T" and "district:D" (the command
        line's audiences) name only that kind; a topic goes before a district of the same name."""
        prefix, _sep, rest = text.partition(":")
        kinds = [TOPIC, DISTRICT]
        if rest and prefix.strip().casefold() in kinds:
            kinds, text = [prefix.strip().casefold()], rest
        wanted = plain(text)
        if not wanted or len(wanted) > MAX_NAME:
            return None
        aliases: dict[str, set[str]] = defaultdict(set)  # a topic's key → its names, plain
        for names in topic_names:
            for key, name in names.items():
                aliases[_fold(key)].add(plain(name))
        with self.ctx.database.session() as session:
            for kind in kinds:
                known = [*self.followables(kind, session), *self._followed(session, kind)]
                for item in known:
                    names = {plain(item.key), plain(item.name)}
                    if kind == TOPIC:
                        names |= aliases.get(_fold(item.key), set())
                    if wanted in names:
                        return item
        return None

    def _followed(self, session: Session, kind: str) -> list[Followable]:
        """The keys of `kind` people follow in the city (also those no opportunity has now)."""
        keys = session.scalars(
            select(Follow.key)
            .where(Follow.kind == kind, Follow.city == self.ctx.city_slug)
            .distinct()
            .order_by(Follow.key)
        )
        return [Followable(kind, key, key) for key in keys]

    def by_token(self, kind: str, token: str) -> Followable | None:
        """What a button's token stands for among what may be followed now."""
        return next((f for f in self.followables(kind) if f.token == token), None)

    def _current(self) -> tuple[Any, ...]:
        return (Opportunity.city == self.ctx.city_slug, Opportunity.withdrawn_at.is_(None))

    # ---- following -------------------------------------------------------------------------
    def follow(self, person_id: int, kind: str, key: str) -> FollowResult:
        """Follow `key` of `kind`; a new follower of an organisation is counted for its
        statistics (FOLLOWED) in the same transaction."""
        moment = self.ctx.clock()
        with self.ctx.database.session() as session:
            found = self._find(session, kind, key)
            if found is None:
                return FollowResult(Followed.UNKNOWN)
            city = self.ctx.city_slug
            key = stored_key(kind, found.key)
            if not follows_store.follow(session, person_id, kind, key, city, moment):
                return FollowResult(Followed.ALREADY, found)
            if kind == ORGANISATION:
                organisation_id = session.scalar(
                    select(Organisation.id).where(Organisation.slug == found.key)
                )
                day = moment.astimezone(self.zone).date()
                usage.add(session, day, [(organisation_id, usage.FOLLOWED, 0)])
            return FollowResult(Followed.NEW, found)

    def follow_organiser(self, person_id: int, opportunity_id: int) -> FollowResult:
        """Follow the organisation that offers an opportunity (a card's button)."""
        with self.ctx.database.session() as session:
            slug = session.scalar(
                select(Organisation.slug)
                .join(Opportunity, Opportunity.organisation_id == Organisation.id)
                .where(Opportunity.id == opportunity_id, *self._current())
            )
        if slug is None:
            return FollowResult(Followed.UNKNOWN)
        return self.follow(person_id, ORGANISATION, slug)

    def unfollow(self, person_id: int, kind: str, key: str) -> bool:
        """Stop following; False when they did not follow it."""
        with self.ctx.database.session() as session:
            return follows_store.unfollow(session, person_id, kind, key)

    def unfollow_token(self, person_id: int, kind: str, token: str) -> Followable | None:
        """Stop following what a button's token stands for among what they follow; what it was,
        or None when they did not follow it."""
        with self.ctx.database.session() as session:
            mine = [f for f in self._following(session, person_id) if f.kind == kind]
            found = next((f for f in mine if f.token == token), None)
            if found is None or not follows_store.unfollow(session, person_id, kind, found.key):
                return None
            return found

    def following(self, person_id: int) -> Following:
        """What a person follows (oldest first, with names to show) and their choice of news."""
        with self.ctx.database.session() as session:
            news = session.scalar(select(Person.news).where(Person.id == person_id))
            return Following(self._following(session, person_id), news or INSTANT)

    def _following(self, session: Session, person_id: int) -> list[Followable]:
        rows = follows_store.follows_of(session, person_id)
        slugs = [f.key for f in rows if f.kind == ORGANISATION]
        names = {
            (ORGANISATION, slug): name
            for slug, name in session.execute(
                select(Organisation.slug, Organisation.name).where(Organisation.slug.in_(slugs))
            )
        }
        if any(f.kind == DISTRICT for f in rows):
            names.update({(DISTRICT, _fold(d.key)): d.name for d in self.districts(session)})
        return [Followable(f.kind, f.key, names.get((f.kind, f.key), f.key)) for f in rows]

    def set_news(self, person_id: int, mode: str) -> bool:
        """Instant news or a weekly digest; a digest starts from now (what came before was
        told at once). False for a mode that is not one."""
        if mode not in NEWS_MODES:
            return False
        moment = self.ctx.clock()
        with self.ctx.database.session() as session:
            person = session.get(Person, person_id)
            if person is None:
                return False
            if mode == WEEKLY and person.news != WEEKLY:
                person.last_digest_at = moment
            person.news = mode
        return True

    def follower_count(self, slug: str) -> int:
        """How many follow an organisation: all it is told of its followers."""
        with self.ctx.database.session() as session:
            return follows_store.follower_count(session, ORGANISATION, slug, self.ctx.city_slug)

    # ---- news --------------------------------------------------------------------------------
    def ids_of(self, external_ids: Collection[str]) -> list[int]:
        """Our ids of catalogue items named by their external ids (an import's report)."""
        if not external_ids:
            return []
        with self.ctx.database.session() as session:
            return list(
                session.scalars(
                    select(Opportunity.id).where(Opportunity.external_id.in_(sorted(external_ids)))
                )
            )

    def news_of_new(self, external_ids: Collection[str]) -> int:
        """news_of the catalogue items named by their external ids (an import's or an
        upload's new ones)."""
        return self.news_of(self.ids_of(external_ids))

    def news_of(self, opportunity_ids: Sequence[int]) -> int:
        """Tell the people who chose instant news of new opportunities they follow (by their
        organisation, one of their topics or their district): one outbox row a person, naming
        every item that is news to them; an item that already reached a person is not named
        again. How many rows were queued."""
        if not opportunity_ids:
            return 0
        moment = self.ctx.clock()
        with self.ctx.database.session() as session:
            items = self._new_items(session, opportunity_ids)
            wanted = self._wanted_by(session, items, [INSTANT])
            told = _already_told(session, wanted)
            messages = []
            payloads: dict[tuple[int, ...], list[dict[str, Any]]] = {}  # most share one
            for person_id, ids in sorted(wanted.items()):
                fresh = sorted(set(ids) - told.get(person_id, set()))
                if fresh:
                    if tuple(fresh) not in payloads:
                        payloads[tuple(fresh)] = self.messages.news(fresh)
                    messages.append(
                        outbox.NewMessage(
                            person_id,
                            NEWS_KIND,
                            payloads[tuple(fresh)],
                            not_before=moment,
                            expires_at=moment + NEWS_KEEP,
                            dedupe_key=_news_key(person_id, fresh),
                        )
                    )
            return outbox.enqueue_many(session, messages, moment)

    def queue_digests(self, moment: datetime | None = None) -> int:
        """The weekly digests due at `moment`: for each person who chose them, follows
        something, can be reached and whose Saturday-morning time has come since their last
        digest, one outbox row with the opportunities new since then that match what they
        follow; none new, nothing is sent (their digest time moves on all the same). How many
        were queued."""
        moment = moment or self.ctx.clock()
        with self.ctx.database.session() as session:
            due = self._digests_due(session, moment)
            if not due:
                return 0
            items = self._items_new_since(
                session, min(since for since, _slot in due.values()), moment
            )
            messages = []
            payloads: dict[tuple[int, ...], list[dict[str, Any]]] = {}  # most share one
            for person_id, keys in self._follows_of_weekly(session).items():
                if person_id not in due:
                    continue
                since, slot = due[person_id]
                ids = [oid for oid, made, its in items if made > since and keys & its]
                if ids:
                    if tuple(ids) not in payloads:
                        payloads[tuple(ids)] = self.messages.digest(ids)
                    messages.append(
                        outbox.NewMessage(
                            person_id,
                            DIGEST_KIND,
                            payloads[tuple(ids)],
                            not_before=moment,
                            expires_at=moment + DIGEST_KEEP,
                            dedupe_key=f"{DIGEST_KIND}:{person_id}:{slot.date().isoformat()}",
                        )
                    )
            queued = outbox.enqueue_many(session, messages, moment)
            people = sorted(due)
            for start in range(0, len(people), outbox.CHUNK):
                session.execute(
                    update(Person)
                    .where(Person.id.in_(people[start : start + outbox.CHUNK]))
                    .values(last_digest_at=moment)
                )
        return queued

    def _weekly_readers(self) -> tuple[Any, ...]:
        """Who may get a digest: they chose it and can be reached."""
        return (
            Person.news == WEEKLY,
            Person.active.is_(True),
            Person.telegram_id.is_not(None),
        )

    def _digests_due(
        self, session: Session, moment: datetime
    ) -> dict[int, tuple[datetime, datetime]]:
        """person → (since when, their digest time) for the weekly people due at `moment`."""
        following = select(Follow.person_id).where(Follow.city == self.ctx.city_slug)
        rows = session.execute(
            select(Person.id, Person.last_digest_at, Person.created_at).where(
                *self._weekly_readers(), Person.id.in_(following)
            )
        )
        due = {}
        for person_id, last, created in rows:
            slot = digest_slot(person_id, moment, self.zone)
            since = last or created
            if since < slot:
                due[person_id] = (since, slot)
        return due

    def _follows_of_weekly(self, session: Session) -> dict[int, set[tuple[str, str]]]:
        """What each weekly reader follows in the city (one query for all)."""
        rows = session.execute(
            select(Follow.person_id, Follow.kind, Follow.key)
            .join(Person, Person.id == Follow.person_id)
            .where(Follow.city == self.ctx.city_slug, *self._weekly_readers())
        )
        theirs: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for person_id, kind, key in rows:
            theirs[person_id].add((kind, _fold(key)))
        return theirs

    def _items_new_since(
        self, session: Session, since: datetime, until: datetime
    ) -> list[tuple[int, datetime, set[tuple[str, str]]]]:
        """The current opportunities made between `since` and `until` that have not ended,
        soonest first, each with when it was made and what follows it."""
        rows = session.execute(
            select(
                Opportunity.id,
                Opportunity.created_at,
                Organisation.slug,
                Opportunity.topics,
                Opportunity.district,
            )
            .outerjoin(Organisation, Organisation.id == Opportunity.organisation_id)
            .where(
                *self._current(),
                Opportunity.created_at > since,
                Opportunity.created_at <= until,
                or_(Opportunity.ends_at.is_(None), Opportunity.ends_at > until),
            )
            .order_by(Opportunity.starts_at, Opportunity.id)
        ).all()
        return [
            (oid, made, _keys_of(slug, topics, district))
            for oid, made, slug, topics, district in rows
        ]

    def _new_items(
        self, session: Session, opportunity_ids: Sequence[int]
    ) -> list[tuple[int, set[tuple[str, str]]]]:
        """The current opportunities among `opportunity_ids`, each with what follows it."""
        rows = session.execute(
            select(Opportunity.id, Organisation.slug, Opportunity.topics, Opportunity.district)
            .outerjoin(Organisation, Organisation.id == Opportunity.organisation_id)
            .where(Opportunity.id.in_(sorted(set(opportunity_ids))), *self._current())
        ).all()
        return [(oid, _keys_of(slug, topics, district)) for oid, slug, topics, district in rows]

    def _wanted_by(
        self,
        session: Session,
        items: list[tuple[int, set[tuple[str, str]]]],
        modes: list[str],
    ) -> dict[int, list[int]]:
        """Who follows which of `items`, among the reachable people with a news mode in
        `modes`: person → opportunity ids."""
        keys: dict[str, set[str]] = defaultdict(set)
        for _oid, its in items:
            for kind, key in its:
                keys[kind].add(key)
        if not keys:
            return {}
        follows = session.execute(
            select(Follow.person_id, Follow.kind, Follow.key)
            .join(Person, Person.id == Follow.person_id)
            .where(
                Follow.city == self.ctx.city_slug,
                Person.active.is_(True),
                Person.telegram_id.is_not(None),
                Person.news.in_(modes),
                or_(
                    *(
                        and_(Follow.kind == kind, Follow.key.in_(sorted(k)))
                        for kind, k in keys.items()
                    )
                ),
            )
        ).all()
        theirs: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for person_id, kind, key in follows:
            theirs[person_id].add((kind, _fold(key)))
        wanted = {}
        for person_id, followed in theirs.items():
            ids = [oid for oid, its in items if not followed.isdisjoint(its)]
            if ids:
                wanted[person_id] = ids
        return wanted


def _keys_of(
    slug: str | None, topics: list[str] | None, district: str | None
) -> set[tuple[str, str]]:
    """What an opportunity is followed by: its organisation, its topics, its district."""
    keys = {(TOPIC, _fold(t)) for t in topics or [] if _fold(t)}
    if slug:
        keys.add((ORGANISATION, _fold(slug)))
    if district and district.strip():
        keys.add((DISTRICT, _fold(district)))
    return keys


def _news_key(person_id: int, ids: list[int]) -> str:
    named = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:24]
    return f"{NEWS_KIND}:{person_id}:{named}"


def _already_told(session: Session, wanted: dict[int, list[int]]) -> dict[int, set[int]]:
    """The opportunities each person was already told of in news still in the outbox."""
    if not wanted:
        return {}
    told: dict[int, set[int]] = defaultdict(set)
    people = sorted(wanted)
    for start in range(0, len(people), outbox.CHUNK):
        rows = session.execute(
            select(OutboxMessage.person_id, OutboxMessage.payload).where(
                OutboxMessage.kind == NEWS_KIND,
                OutboxMessage.person_id.in_(people[start : start + outbox.CHUNK]),
            )
        )
        for person_id, payload in rows:
            for message in payload or []:
                told[person_id].update(int(i) for i in message.get("opportunity_ids") or [])
    return told
