"""Badge classes and awards in the database: the badge each opportunity offers (kept in step with
the catalogue), awards and their random, unique places in their issuer's status lists, and the
queries the use cases (badges/) and the published documents read."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Row,
    bindparam,
    func,
    literal,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session, joinedload

from store.dialects import dialect_of, per_dialect
from store.models import Award, BadgeClass, Opportunity, Organisation, Person

PUBLIC_ID_BYTES = 12  # 96 random bits: 16 URL-safe characters
PLACE_TRIES = 64


def new_public_id() -> str:
    """A random public id (badge classes, awards): it says nothing about order or count."""
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


# ---- badge classes, in step with the catalogue ---------------------------------------------------
@dataclass(frozen=True)
class BadgeSource:
    """What the catalogue says of an opportunity's badge, defaults filled in."""

    name_sl: str | None
    name_en: str | None
    description_sl: str | None
    description_en: str | None
    criteria_sl: str | None
    criteria_en: str | None
    image: bytes | None
    image_type: str | None
    colour: str | None
    organisation: str | None

    def digest(self) -> str:
        data = {
            key: (hashlib.sha256(value).hexdigest() if isinstance(value, bytes) else value)
            for key, value in self.__dict__.items()
        }
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()


def badge_source(
    opportunity: Opportunity,
    organisation: str | None,
    description: tuple[str | None, str | None] = (None, None),
    image: bytes | None = None,
    image_type: str | None = None,
    colour: str | None = None,
) -> BadgeSource:
    """The badge of an opportunity: its catalogue texts, and where the catalogue gives no
    description or criteria, ones made from the opportunity's title."""
    title_sl, title_en = opportunity.title_sl, opportunity.title_en
    by = f" ({organisation})" if organisation else ""
    description_sl, description_en = description
    if not (description_sl or description_en):
        description_sl = f"{title_sl}{by}" if title_sl else None
        description_en = f"{title_en}{by}" if title_en else None
    criteria_sl, criteria_en = opportunity.badge_criteria_sl, opportunity.badge_criteria_en
    if not (criteria_sl or criteria_en):
        criteria_sl = f"Udeležba: {title_sl}" if title_sl else None
        criteria_en = f"Took part in: {title_en}" if title_en else None
    return BadgeSource(
        opportunity.badge_name_sl,
        opportunity.badge_name_en,
        description_sl,
        description_en,
        criteria_sl,
        criteria_en,
        image,
        image_type,
        colour,
        organisation,
    )


def offers_badge(opportunity: Opportunity) -> bool:
    return bool(opportunity.badge_name_sl or opportunity.badge_name_en)


def keep_in_step(
    session: Session,
    opportunity: Opportunity,
    source: BadgeSource,
    existing: BadgeClass | None,
    now: datetime,
) -> BadgeClass:
    """Make or update the badge class of an opportunity from what the catalogue says. A drawn
    image is dropped when the badge changes (it is drawn again on first use); awards already
    made keep what they were signed with."""
    digest = source.digest()
    badge = existing
    if badge is None:
        badge = BadgeClass(
            public_id=new_public_id(),
            opportunity=opportunity,
            created_at=now,
            image_generated=False,
        )
        session.add(badge)
    elif badge.source_hash == digest:
        return badge
    badge.organisation = opportunity.organisation
    badge.name_sl, badge.name_en = source.name_sl, source.name_en
    badge.description_sl, badge.description_en = source.description_sl, source.description_en
    badge.criteria_sl, badge.criteria_en = source.criteria_sl, source.criteria_en
    badge.colour = source.colour
    if source.image is not None:
        badge.image, badge.image_type, badge.image_generated = (
            source.image,
            source.image_type,
            False,
        )
    else:
        badge.image = badge.image_type = None  # drawn on first use
        badge.image_generated = False
    badge.png = None
    badge.source_hash = digest
    badge.updated_at = now
    return badge


def badge_classes_by_opportunity(session: Session) -> dict[int, BadgeClass]:
    return {b.opportunity_id: b for b in session.scalars(select(BadgeClass))}


def add_missing(session: Session, now: datetime) -> int:
    """Badge classes for the opportunities that offer a badge and have none yet (imported before
    badges were kept); how many were made. Their image is drawn on first use."""
    query = (
        select(Opportunity)
        .outerjoin(BadgeClass, BadgeClass.opportunity_id == Opportunity.id)
        .where(BadgeClass.id.is_(None))
        .where((Opportunity.badge_name_sl.is_not(None)) | (Opportunity.badge_name_en.is_not(None)))
        .options(joinedload(Opportunity.organisation))
    )
    made = 0
    for opportunity in session.scalars(query):
        organisation = opportunity.organisation.name if opportunity.organisation else None
        keep_in_step(session, opportunity, badge_source(opportunity, organisation), None, now)
        made += 1
    if made:
        session.flush()
    return made


def badge_class(session: Session, public_id: str) -> BadgeClass | None:
    return session.scalar(
        select(BadgeClass)
        .where(BadgeClass.public_id == public_id)
        .options(joinedload(BadgeClass.organisation), joinedload(BadgeClass.opportunity))
    )


def badge_class_of(
    session: Session, external_id: str
) -> tuple[Opportunity | None, BadgeClass | None]:
    """An opportunity by its catalogue id, and its badge class (None when it offers none)."""
    opportunity = session.scalar(
        select(Opportunity)
        .where(Opportunity.external_id == external_id)
        .options(joinedload(Opportunity.organisation))
    )
    if opportunity is None:
        return None, None
    badge = session.scalar(
        select(BadgeClass)
        .where(BadgeClass.opportunity_id == opportunity.id)
        .options(joinedload(BadgeClass.organisation))
    )
    return opportunity, badge


def badge_listing(session: Session) -> list[tuple[BadgeClass, str, int]]:
    """Every badge class with its opportunity's catalogue id and how many awards it has."""
    counts = (
        select(Award.badge_class_id, func.count().label("awards"))
        .group_by(Award.badge_class_id)
        .subquery()
    )
    query = (
        select(BadgeClass, Opportunity.external_id, func.coalesce(counts.c.awards, 0))
        .join(Opportunity, Opportunity.id == BadgeClass.opportunity_id)
        .outerjoin(counts, counts.c.badge_class_id == BadgeClass.id)
        .order_by(Opportunity.external_id)
    )
    return [(badge, key, int(n)) for badge, key, n in session.execute(query)]


# ---- awards --------------------------------------------------------------------------------------
def lock_for_award(session: Session) -> None:
    """On SQLite, take the database's write lock before choosing a status place (with a write
    that changes nothing): awards are then made one after the other, so two never choose the
    same place, and the savepoint around the insert nests in a transaction that has begun."""
    if dialect_of(session) == "sqlite":
        session.execute(update(Award).where(text("1 = 0")).values(version=Award.version))


def award(session: Session, public_id: str) -> Award | None:
    """An award with its badge class, the badge's opportunity and organisation."""
    return session.scalar(
        select(Award)
        .where(Award.public_id == public_id)
        .options(
            joinedload(Award.badge_class).joinedload(BadgeClass.organisation),
            joinedload(Award.badge_class).joinedload(BadgeClass.opportunity),
        )
    )


def status_lists_in_use(session: Session | Connection, issuer_slug: str) -> int:
    """How many status lists the issuer has (at least one, the first, once it exists)."""
    highest = session.execute(_LISTS_IN_USE, {"slug": issuer_slug}).scalar()
    return (highest or 0) + 1


def revocation_state(
    session: Session | Connection, issuer_slug: str, list_number: int
) -> tuple[int, str]:
    """What changes when an award of this list is revoked: how many are, and the latest moment."""
    count, latest = session.execute(
        _REVOCATION_STATE, {"slug": issuer_slug, "list": list_number}
    ).one()
    return int(count), str(latest)


def revoked_positions(
    session: Session | Connection, issuer_slug: str, list_number: int
) -> list[int]:
    return list(
        session.execute(_REVOKED_POSITIONS, {"slug": issuer_slug, "list": list_number}).scalars()
    )


def revoked_awards(session: Session, issuer_slug: str) -> Sequence[Award]:
    return session.scalars(
        select(Award)
        .where(Award.issuer_slug == issuer_slug, Award.revoked_at.is_not(None))
        .order_by(Award.revoked_at, Award.id)
    ).all()


def held_award(session: Session, person_id: int, badge_class_id: int) -> tuple[int, str] | None:
    """The award (row id, public id) by which a person holds this badge now (not revoked)."""
    found = session.execute(
        select(Award.id, Award.public_id)
        .where(
            Award.person_id == person_id,
            Award.badge_class_id == badge_class_id,
            Award.revoked_at.is_(None),
        )
        .limit(1)
    ).first()
    return (found[0], found[1]) if found is not None else None


def holds(session: Session, person_id: int, badge_class_id: int) -> bool:
    """Whether a person holds this badge now (an award not revoked)."""
    return held_award(session, person_id, badge_class_id) is not None


def awards_of(session: Session, person_id: int, offset: int, limit: int) -> tuple[list[Award], int]:
    """A page of a person's awards, newest first, and how many they have (revoked ones aside)."""
    where = (Award.person_id == person_id, Award.revoked_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Award).where(*where)) or 0
    page = session.scalars(
        select(Award)
        .where(*where)
        .options(joinedload(Award.badge_class).joinedload(BadgeClass.organisation))
        .order_by(Award.issued_at.desc(), Award.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(page), int(total)


def every_award_of(session: Session, person_id: int) -> list[Award]:
    """Every award linked to a person, revoked ones too, newest first (what /mydata shows)."""
    return list(
        session.scalars(
            select(Award)
            .where(Award.person_id == person_id)
            .options(joinedload(Award.badge_class))
            .order_by(Award.issued_at.desc(), Award.id.desc())
        )
    )


def awards_of_badge(session: Session, badge_class_id: int) -> list[Award]:
    return list(
        session.scalars(
            select(Award).where(Award.badge_class_id == badge_class_id).order_by(Award.issued_at)
        )
    )


def organisation_listing(
    session: Session, organisation_id: int, offset: int, limit: int
) -> tuple[list[tuple[BadgeClass, str, int]], int]:
    """A page of one organisation's badge classes by name, each with its opportunity's
    catalogue id and how many hold it now (awards not revoked), and how many it has."""
    where = BadgeClass.organisation_id == organisation_id
    total = session.scalar(select(func.count()).select_from(BadgeClass).where(where)) or 0
    held = (
        select(Award.badge_class_id, func.count().label("held"))
        .where(Award.revoked_at.is_(None))
        .group_by(Award.badge_class_id)
        .subquery()
    )
    query = (
        select(BadgeClass, Opportunity.external_id, func.coalesce(held.c.held, 0))
        .join(Opportunity, Opportunity.id == BadgeClass.opportunity_id)
        .outerjoin(held, held.c.badge_class_id == BadgeClass.id)
        .where(where)
        .order_by(func.coalesce(BadgeClass.name_sl, BadgeClass.name_en), BadgeClass.id)
        .offset(offset)
        .limit(limit)
    )
    rows = [(badge, key, int(n)) for badge, key, n in session.execute(query)]
    return rows, int(total)


def held_count(session: Session, badge_class_id: int) -> int:
    """How many hold the badge now (awards not revoked)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Award)
            .where(Award.badge_class_id == badge_class_id, Award.revoked_at.is_(None))
        )
        or 0
    )


def award_page(
    session: Session, badge_class_id: int, offset: int, limit: int
) -> tuple[list[Award], int]:
    """A page of a badge's awards, newest first (revoked ones too), and how many it has."""
    where = Award.badge_class_id == badge_class_id
    total = session.scalar(select(func.count()).select_from(Award).where(where)) or 0
    page = session.scalars(
        select(Award)
        .where(where)
        .order_by(Award.issued_at.desc(), Award.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return list(page), int(total)


def organisation_of(session: Session, organisation_id: int | None) -> Organisation | None:
    return session.get(Organisation, organisation_id) if organisation_id is not None else None


# ---- what is published: light reads (no ORM objects) ---------------------------------------------
# Built once on the tables' own columns, with the id bound at execution: each request reuses the
# compiled statement (a request costs a tenth of a millisecond on SQLite).
_award, _badge, _opportunity = Award.__table__.c, BadgeClass.__table__.c, Opportunity.__table__.c
# a badge class as it is published and signed (both reads below)
_BADGE_FACTS = (
    _badge.public_id.label("badge_id"),
    _badge.organisation_id,
    _badge.name_sl,
    _badge.name_en,
    _badge.description_sl,
    _badge.description_en,
    _badge.criteria_sl,
    _badge.criteria_en,
    _badge.image_type,
)
_BADGE_COLUMNS = (
    *_BADGE_FACTS,
    _badge.source_hash,
    _badge.updated_at.label("badge_updated_at"),
    _opportunity.url.label("opportunity_url"),
    _opportunity.topics,
)
_AWARD_COLUMNS = tuple(
    getattr(_award, name)
    for name in (
        "public_id",
        "issuer_slug",
        "recipient_type",
        "recipient_hash",
        "recipient_salt",
        "subject_id",
        "status_list",
        "status_position",
        "issued_at",
        "expires_at",
        "evidence",
        "narrative",
        "revoked_at",
        "revocation_reason",
        "hidden",
        "display_name",
        "credential",
        "version",
    )
)
_PUBLISHED_AWARD = (
    select(*_AWARD_COLUMNS, *_BADGE_COLUMNS)
    .select_from(
        Award.__table__.join(BadgeClass.__table__, _badge.id == _award.badge_class_id).join(
            Opportunity.__table__, _opportunity.id == _badge.opportunity_id
        )
    )
    .where(_award.public_id == bindparam("public_id"))
)
_PUBLISHED_BADGE = (
    select(*_BADGE_COLUMNS)
    .select_from(
        BadgeClass.__table__.join(Opportunity.__table__, _opportunity.id == _badge.opportunity_id)
    )
    .where(_badge.public_id == bindparam("public_id"))
)


_IN_LIST = (_award.issuer_slug == bindparam("slug"), _award.status_list == bindparam("list"))
_LISTS_IN_USE = select(func.max(_award.status_list)).where(_award.issuer_slug == bindparam("slug"))
_REVOCATION_STATE = select(func.count(), func.max(_award.revoked_at)).where(
    *_IN_LIST, _award.revoked_at.is_not(None)
)
_REVOKED_POSITIONS = select(_award.status_position).where(*_IN_LIST, _award.revoked_at.is_not(None))


def published_award(db: Session | Connection, public_id: str) -> Row | None:
    """An award and its badge's texts as one row (the award's own names, the badge's as
    `badge_id`, `name_sl`, …, `badge_updated_at`, `opportunity_url`, `topics`)."""
    return db.execute(_PUBLISHED_AWARD, {"public_id": public_id}).first()


_PUBLISHED_AWARDS = (
    select(*_AWARD_COLUMNS, *_BADGE_COLUMNS)
    .select_from(_PUBLISHED_AWARD.get_final_froms()[0])
    .where(_award.public_id.in_(bindparam("public_ids", expanding=True)))
)


def published_awards(db: Session | Connection, public_ids: Sequence[str]) -> dict[str, Row]:
    """The rows of `published_award` for many awards at once, by public id (one statement)."""
    if not public_ids:
        return {}
    rows = db.execute(_PUBLISHED_AWARDS, {"public_ids": list(public_ids)})
    return {row.public_id: row for row in rows}


def published_badge(db: Session | Connection, public_id: str) -> Row | None:
    return db.execute(_PUBLISHED_BADGE, {"public_id": public_id}).first()


# ---- awarding: few statements --------------------------------------------------------------------
_organisation, _person = Organisation.__table__.c, Person.__table__.c
_AWARDABLE_COLUMNS = (
    _opportunity.id.label("opportunity_id"),
    _opportunity.badge_name_sl,
    _opportunity.badge_name_en,
    _opportunity.url.label("opportunity_url"),
    _opportunity.topics,
    _badge.id.label("badge_class_id"),
    *_BADGE_FACTS,
    (_badge.image.is_not(None)).label("has_image"),
    (_badge.png.is_not(None)).label("has_png"),
    _organisation.slug.label("organisation_slug"),
    _organisation.name.label("organisation_name"),
    _organisation.url.label("organisation_url"),
    _organisation.email.label("organisation_email"),
    _organisation.description.label("organisation_description"),
    _organisation.image_url.label("organisation_image_url"),
)
_AWARDABLE_FROM = Opportunity.__table__.outerjoin(
    BadgeClass.__table__, _badge.opportunity_id == _opportunity.id
).outerjoin(Organisation.__table__, _organisation.id == _badge.organisation_id)
_HELD = (
    select(Award.__table__.c.id)
    .where(
        _award.person_id == _person.id,
        _award.badge_class_id == _badge.id,
        _award.revoked_at.is_(None),
    )
    .exists()
)
_AWARDABLE = (
    select(*_AWARDABLE_COLUMNS)
    .select_from(_AWARDABLE_FROM)
    .where(_opportunity.external_id == bindparam("external_id"))
)
_AWARDABLE_TO = (
    select(
        *_AWARDABLE_COLUMNS,
        _person.id.label("person_id"),
        _person.email.label("person_email"),
        _person.active.label("person_active"),
        _HELD.label("held"),
    )
    .select_from(
        _AWARDABLE_FROM.outerjoin(Person.__table__, _person.telegram_id == bindparam("telegram_id"))
    )
    .where(_opportunity.external_id == bindparam("external_id"))
)
_AWARDEES = select(
    _person.id.label("person_id"),
    _person.telegram_id,
    _person.email.label("person_email"),
    _person.active.label("person_active"),
    select(_award.id)
    .where(
        _award.person_id == _person.id,
        _award.badge_class_id == bindparam("badge_class_id"),
        _award.revoked_at.is_(None),
    )
    .exists()
    .label("held"),
).where(_person.telegram_id.in_(bindparam("telegram_ids", expanding=True)))


def awardable(session: Session, external_id: str, telegram_id: int | None = None) -> Row | None:
    """What awarding an opportunity's badge needs, as one row and one statement: the
    opportunity (`opportunity_id`, its badge names), its badge class (`badge_class_id`,
    `badge_id`, the texts, `has_image`, `has_png`; None when it has none yet), the
    organisation's public profile (`organisation_slug`, …) and, with `telegram_id`, the person
    (`person_id`, `person_email`, `person_active`; None when unknown) and whether they hold the
    badge now (`held`). None when the catalogue has no such opportunity."""
    if telegram_id is None:
        return session.execute(_AWARDABLE, {"external_id": external_id}).first()
    return session.execute(
        _AWARDABLE_TO, {"external_id": external_id, "telegram_id": telegram_id}
    ).first()


def awardees(session: Session, telegram_ids: Sequence[int], badge_class_id: int) -> list[Row]:
    """The people with these Telegram ids (`person_id`, `telegram_id`, `person_email`,
    `person_active`) and whether each holds the badge now (`held`), in one statement."""
    if not telegram_ids:
        return []
    return list(
        session.execute(
            _AWARDEES, {"telegram_ids": list(telegram_ids), "badge_class_id": badge_class_id}
        )
    )


class StatusPlaces:
    """What this process knows of each issuer's status lists: the list being filled, how many
    awards it held at the last look, and the highest award id seen then. Each award then counts
    only the awards made since (by any process), instead of every award of the issuer."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.Lock()

    def get(self, slug: str) -> tuple[int, int, int]:
        with self._lock:
            return self._known.get(slug, (0, 0, 0))

    def set(self, slug: str, known: tuple[int, int, int]) -> None:
        with self._lock:
            self._known[slug] = known


LOOK_WINDOW = 5_000  # awards made since the last look, counted at most at once


def _look_statement() -> CompoundSelect:
    """The statement `_look` runs, built once: its parameters are `slug`, `list_number`,
    `since`, `window` and the expanding `candidates`."""
    slug, list_number = bindparam("slug"), bindparam("list_number")
    window = (
        select(_award.id, _award.issuer_slug, _award.status_list)
        .where(_award.id > bindparam("since"))
        .order_by(_award.id)
        .limit(bindparam("window"))
        .subquery()
    )
    top = (
        select(_award.status_list)
        .where(_award.issuer_slug == slug)
        .order_by(_award.status_list.desc())
        .limit(1)
        .scalar_subquery()
    )
    numbers = select(
        literal(0).label("kind"),
        top.label("value"),
        select(func.count())
        .select_from(window)
        .where(window.c.issuer_slug == slug, window.c.status_list == list_number)
        .scalar_subquery()
        .label("added"),
        select(func.max(window.c.id)).scalar_subquery().label("last_id"),
    )
    taken = select(
        literal(1).label("kind"),
        _award.status_position.label("value"),
        null().label("added"),
        null().label("last_id"),
    ).where(
        _award.issuer_slug == slug,
        _award.status_list == list_number,
        _award.status_position.in_(bindparam("candidates", expanding=True)),
    )
    return union_all(numbers, taken)


_LOOK = _look_statement()


def _look(
    session: Session, slug: str, list_number: int, since: int, candidates: list[int]
) -> tuple[int | None, int, int, set[int]]:
    """One statement: the issuer's highest list, how many awards of `list_number` came after
    award id `since` (of the next LOOK_WINDOW awards), the highest award id counted, and which
    `candidates` are taken in `list_number`. The parts read indexes (the newest awards by id,
    the issuer's highest list by issuer and list), not all of the issuer's awards."""
    found = session.execute(
        _LOOK,
        {
            "slug": slug,
            "list_number": list_number,
            "since": since,
            "window": LOOK_WINDOW,
            "candidates": candidates,
        },
    )
    top_list, added, last_id, used = None, 0, since, set()
    for kind, value, count, highest in found:
        if kind == 0:
            top_list, added, last_id = value, int(count or 0), int(highest or since)
        else:
            used.add(int(value))
    return top_list, added, last_id, used


def free_places(
    session: Session, places: StatusPlaces, slug: str, wanted: int, list_size: int
) -> list[tuple[int, int]]:
    """`wanted` free places in the issuer's status lists of `list_size` entries, chosen at
    random (the list and position say nothing about when the award was made), in one statement
    as a rule. A list is used until half full, then the next, so a random try finds a free place
    at least every other time. Another transaction may take one meanwhile (the unique
    constraint says so at the insert: try again)."""
    half = list_size // 2
    list_number, held, since = places.get(slug)
    found: list[tuple[int, int]] = []
    for _ in range(PLACE_TRIES):
        candidates = list({secrets.randbelow(list_size) for _ in range(2 * wanted + 8)})
        top, added, last_id, used = _look(session, slug, list_number, since, candidates)
        if top is None:  # the issuer's first award
            list_number, held = 0, 0
        elif top != list_number:  # another process went on to the next list: count it afresh
            list_number, held, since = top, 0, 0
            top, added, last_id, used = _look(session, slug, list_number, 0, candidates)
            held = added
        else:
            held += added
        since = last_id
        if held >= half and top == list_number:  # full enough: the next list, empty
            list_number, held, used = list_number + 1, 0, set()
        places.set(slug, (list_number, held, since))
        for position in candidates:
            if position not in used and len(found) < wanted:
                found.append((list_number, position))
                used.add(position)
        if len(found) == wanted:
            return found
    raise RuntimeError("no free place found in the status list")  # never at half full


# only a taken place is skipped: a second standing award of a badge to a person (two made at once)
# raises IntegrityError on "uq_award_standing", and the whole award is undone (built once for each
# dialect)
_INSERT_AWARDS = per_dialect(
    lambda dialect: (
        dialect.insert(Award.__table__)
        .on_conflict_do_nothing(index_elements=["issuer_slug", "status_list", "status_position"])
        .returning(_award.public_id)
    )
)


def insert_awards(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert awards (column values) in one statement; the public ids of those inserted (one
    whose place another transaction took meanwhile is left out, to be tried again)."""
    if not rows:
        return set()
    statement = _INSERT_AWARDS[dialect_of(session)]
    return set(session.execute(statement, rows).scalars())
