"""SQLAlchemy 2.0 typed models: the catalogue (organisations and their opportunities), the people
colbot serves and what they saved, the knowledge entries, and the outbox of messages the bot sends
on its own."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

KINDS = (
    "course",
    "workshop",
    "event",
    "volunteering",
    "programme",
    "club",
    "internship",
    "project",
)
AUDIENCES = ("youth", "seniors", "migrants", "adults", "children", "families", "everyone")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; SQLite keeps no offsets, so they are restored on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give an offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


StringList = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    """Who offers opportunities and, later, awards badges."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    city: Mapped[str] = mapped_column(String(40))  # the city profile's slug
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    opportunities: Mapped[list[Opportunity]] = relationship(back_populates="organisation")


class Opportunity(Base):
    """One learning opportunity of the catalogue, with texts in Slovenian and English."""

    __tablename__ = "opportunity"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    city: Mapped[str] = mapped_column(String(40))  # the city profile's slug
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))
    title_sl: Mapped[str | None] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description_sl: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(StringList, default=list)
    audience: Mapped[list[str]] = mapped_column(StringList, default=list)
    languages: Mapped[list[str]] = mapped_column(StringList, default=list)
    address: Mapped[str | None] = mapped_column(String(300))
    district: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    online: Mapped[bool] = mapped_column(default=False)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    schedule_sl: Mapped[str | None] = mapped_column(String(300))
    schedule_en: Mapped[str | None] = mapped_column(String(300))
    price_eur: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    url: Mapped[str | None] = mapped_column(String(500))
    badge_name_sl: Mapped[str | None] = mapped_column(String(200))
    badge_name_en: Mapped[str | None] = mapped_column(String(200))
    badge_criteria_sl: Mapped[str | None] = mapped_column(Text)
    badge_criteria_en: Mapped[str | None] = mapped_column(Text)
    record_hash: Mapped[str] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="opportunities")

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def text(self, field: str, lang: str) -> str | None:
        """A bilingual field in `lang`, falling back to the other language."""
        other = "en" if lang == "sl" else "sl"
        return getattr(self, f"{field}_{lang}") or getattr(self, f"{field}_{other}")


class Person(Base):
    """Someone colbot serves, named by our own id: saved opportunities and, later, badges and
    organisation roles attach to a person. The Telegram id is one way to reach them. The least
    needed: no names, no usernames, no message texts, no locations."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    language: Mapped[str | None] = mapped_column(String(2))  # the language they chose
    telegram_language: Mapped[str | None] = mapped_column(String(8))  # their Telegram's
    simple_mode: Mapped[bool] = mapped_column(default=False)  # big buttons, one step at a time
    active: Mapped[bool] = mapped_column(default=True)  # False: they blocked the bot
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SavedOpportunity(Base):
    """An opportunity a person saved, and when to remind them of it: the least needed to do so."""

    __tablename__ = "saved_opportunity"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    opportunity: Mapped[Opportunity] = relationship()


class KnowledgeRecord(Base):
    """A knowledge entry as the bot uses it: seeded from the repository's YAML, or edited by an
    administrator (then a new repository version does not overwrite it)."""

    __tablename__ = "knowledge_entry"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    data: Mapped[dict] = mapped_column(StringList)
    origin: Mapped[str] = mapped_column(String(8))  # "repo" or "admin"
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)  # the administrator's Telegram id


class OutboxMessage(Base):
    """One message the bot sends on its own (a reminder; later a badge, an announcement) to one
    person, kept until it is sent or given up: the rules are in store/outbox.py. The payload is
    the structured messages (actions.messages as JSON), rendered when it is sent, in the language
    the person reads then; no rendered text is kept, and an error is a short description of what
    Telegram said, never the message's text."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "status", "not_before"),  # the drainer's claim and sweep
        Index("ix_outbox_message_expiry", "status", "expires_at"),  # what is no longer worth it
        Index("ix_outbox_message_person", "person_id", "status"),  # held until they come back
        Index("ix_outbox_message_batch", "batch_id", "status"),  # an announcement's counts
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # "reminder"; later "badge", "announcement"
    batch_id: Mapped[str | None] = mapped_column(String(64))  # an announcement's rows share one
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)  # once per key
    payload: Mapped[list[dict]] = mapped_column(StringList)  # the structured messages
    status: Mapped[str] = mapped_column(String(12))  # see store/outbox.py
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # not worth sending after
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # sends tried
    unsure: Mapped[int] = mapped_column(Integer, default=0)  # sends that may have arrived
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # while being sent
    telegram_message_ids: Mapped[list[int]] = mapped_column(StringList, default=list)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
