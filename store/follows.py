"""What learners follow (an organisation by its slug, a topic, a district of their city) and who
follows what: the audience of an organisation's news and announcements. An organisation learns
only how many follow it, never who."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from store.models import FOLLOW_KINDS, Follow, Person


def follow(session: Session, person_id: int, kind: str, key: str, city: str, now: datetime) -> bool:
    """Follow `key` of `kind`; False when they already did."""
    if kind not in FOLLOW_KINDS:
        raise ValueError(f"unknown kind to follow: {kind!r}")
    existing = session.scalar(
        select(Follow.id).where(
            Follow.person_id == person_id, Follow.kind == kind, Follow.key == key
        )
    )
    if existing is not None:
        return False
    session.add(Follow(person_id=person_id, kind=kind, key=key, city=city, created_at=now))
    session.flush()
    return True


def unfollow(session: Session, person_id: int, kind: str, key: str) -> bool:
    """Stop following; False when they did not follow it."""
    result = session.execute(
        delete(Follow).where(Follow.person_id == person_id, Follow.kind == kind, Follow.key == key)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def follows_of(session: Session, person_id: int) -> list[Follow]:
    """What a person follows, oldest first."""
    return list(
        session.scalars(
            select(Follow)
            .where(Follow.person_id == person_id)
            .order_by(Follow.created_at, Follow.id)
        )
    )


def audience(kind: str, key: str, city: str) -> Select[tuple[int]]:
    """The ids of the people who follow `key` of `kind` in `city` and have not blocked the bot,
    in a stable order (a query, to stream or to insert from)."""
    return (
        select(Follow.person_id)
        .join(Person, Person.id == Follow.person_id)
        .where(
            Follow.kind == kind,
            Follow.key == key,
            Follow.city == city,
            Person.active.is_(True),
            Person.telegram_id.is_not(None),
        )
        .order_by(Follow.person_id)
    )


def follower_count(session: Session, kind: str, key: str, city: str) -> int:
    """How many follow it: all an organisation is told of its followers."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Follow)
            .where(Follow.kind == kind, Follow.key == key, Follow.city == city)
        )
        or 0
    )
