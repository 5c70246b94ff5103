"""SQLAlchemy 2.0 typed models: the catalogue (organisations and their opportunities), the people
colbot serves and what they saved, the knowledge entries, the outbox of messages the bot sends
on its own, the Open Badges organisations award (badge classes, awards, claims, evidence), and
what organisations do in the chat (staff and their invites, the audit log, followers, drafts of
posts, announcements, counts for their statistics)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
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
    """Who offers opportunities and awards their badges. With a public profile of its own (url
    and e-mail, from the catalogue's `organisation` object) it is an Open Badges issuer; without
    one the deployment's City of Learning issues on its behalf (badges/issuers.py)."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)  # its issuer's public address
    city: Mapped[str] = mapped_column(String(40))  # the city profile's slug
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    description: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(500))
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
    # where it came from: "catalogue" (a city's file: a pruning import may withdraw it), "chat"
    # (posted by an organisation's staff with /post) or "upload" (a staff member's file)
    source: Mapped[str] = mapped_column(String(10), default="catalogue")
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
    # given by the learner so that wallets matching on e-mail accept their badges (optional)
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)  # False: they blocked the bot
    # news of what they follow: "instant", or "weekly" (a digest; last_digest_at: the latest)
    news: Mapped[str] = mapped_column(String(7), default="instant")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
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
    """One message the bot sends on its own (a reminder, a badge; later an announcement) to one
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
    kind: Mapped[str] = mapped_column(String(20))  # "reminder", "badge"; later "announcement"
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


class BadgeClass(Base):
    """The badge an opportunity offers (the catalogue's `badge`): an OB 2.0 BadgeClass, an OB 3.0
    Achievement. Made by the catalogue import; its image is the organisation's own (checked on
    import) or drawn on first use (badges/images)."""

    __tablename__ = "badge_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # random: its public address
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunity.id"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    name_sl: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description_sl: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    criteria_sl: Mapped[str | None] = mapped_column(Text)
    criteria_en: Mapped[str | None] = mapped_column(Text)
    # the images are loaded only when read (deferred): most queries need the texts alone
    image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # None: drawn later
    image_type: Mapped[str | None] = mapped_column(String(3))  # "png" or "svg"
    image_generated: Mapped[bool] = mapped_column(default=False)
    png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # baked when image is SVG
    colour: Mapped[str | None] = mapped_column(String(7))  # "#rrggbb" for a drawn image
    source_hash: Mapped[str] = mapped_column(String(64))  # what the catalogue said of it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    opportunity: Mapped[Opportunity] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class Award(Base):
    """One badge awarded to one person. The person is our own id (set to NULL when they ask to be
    forgotten: the award stays verifiable through its hashed identity); what is published of
    them is only the salted hash of their e-mail address or of a random URN. The status list
    place is random (it says nothing of the order of awards) and unique per issuer."""

    __tablename__ = "award"
    __table_args__ = (
        UniqueConstraint("issuer_slug", "status_list", "status_position"),
        Index("ix_award_revocations", "issuer_slug", "status_list", "revoked_at"),
        # one standing award of a badge a person: two awards made at once cannot both stand
        Index(
            "uq_award_standing",
            "person_id",
            "badge_class_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # random
    badge_class_id: Mapped[int] = mapped_column(ForeignKey("badge_class.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    issuer_slug: Mapped[str] = mapped_column(String(63))  # who issued it (its status lists)
    recipient_type: Mapped[str] = mapped_column(String(5))  # "email" or "url"
    recipient_hash: Mapped[str] = mapped_column(String(80))  # sha256$…
    recipient_salt: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))  # urn:uuid:…, random
    status_list: Mapped[int] = mapped_column(Integer)
    status_position: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence: Mapped[list[dict]] = mapped_column(StringList, default=list)  # url, narrative, name
    narrative: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(String(300))
    hidden: Mapped[bool] = mapped_column(default=False)  # not on the public page
    display_name: Mapped[str | None] = mapped_column(String(100))  # shown only if they chose to
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claim.id", ondelete="SET NULL"))
    awarded_by: Mapped[int | None] = mapped_column(BigInteger)  # an administrator's Telegram id
    credential: Mapped[str] = mapped_column(Text)  # the signed OB 3.0 VC-JWT, made once
    version: Mapped[int] = mapped_column(Integer, default=1)  # +1 at each change (caches)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    badge_class: Mapped[BadgeClass] = relationship()


class Claim(Base):
    """A claim link's code, kept only as an HMAC: one person's (one use) or shared (a few uses,
    for a while). A participants' list may give the e-mail address an award is hashed with
    (dropped once the code is used up) and when the award expires (the link expires then too)."""

    __tablename__ = "claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    badge_class_id: Mapped[int] = mapped_column(
        ForeignKey("badge_class.id", ondelete="CASCADE"), index=True
    )
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    needs_evidence: Mapped[bool] = mapped_column(default=False)
    label: Mapped[str | None] = mapped_column(String(200))  # a participant, or a note
    email: Mapped[str | None] = mapped_column(String(254))
    award_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the list's expires
    created_by: Mapped[int | None] = mapped_column(BigInteger)  # an administrator's Telegram id
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    badge_class: Mapped[BadgeClass] = relationship()


class EvidenceRequest(Base):
    """A claim that asked this person for evidence, waiting for their next message: kept so that
    a restart of the bot does not forget it (the code itself is never kept)."""

    __tablename__ = "evidence_request"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())

    claim: Mapped[Claim] = relationship()


class ClaimAttempt(Base):
    """A code a person presented, for the rate limit on guessing; kept for a day at most."""

    __tablename__ = "claim_attempt"
    __table_args__ = (Index("ix_claim_attempt_person", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column()


class EvidenceSubmission(Base):
    """What a learner sent to earn a badge whose claim asks for evidence, and its review: pending,
    then approved (an award) or rejected (with a reason they read). The content is dropped once
    it is reviewed: an approved link or text lives on in the award's evidence."""

    __tablename__ = "evidence_submission"
    __table_args__ = (Index("ix_evidence_submission_review", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # photo | file | link | text
    text: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    telegram_file_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))  # pending | approved | rejected
    reason: Mapped[str | None] = mapped_column(String(500))
    reviewer: Mapped[int | None] = mapped_column(BigInteger)  # an administrator's Telegram id
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id", ondelete="SET NULL"))

    claim: Mapped[Claim] = relationship()


ROLES = ("admin", "editor")  # an organisation's staff: access/policy.py says what each may do
FOLLOW_KINDS = ("organisation", "topic", "district")
NEWS_MODES = ("instant", "weekly")


class StaffMember(Base):
    """A person who acts for an organisation: its administrator or an editor. Removing the row is
    all it takes for them to keep no access."""

    __tablename__ = "staff_member"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(10))  # one of ROLES
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by: Mapped[int | None] = mapped_column(BigInteger)  # who invited them (Telegram id)

    organisation: Mapped[Organisation] = relationship()
    person: Mapped[Person] = relationship()


class StaffInvite(Base):
    """A one-time, expiring invitation to an organisation's staff, opened as a deep link. Its code
    is kept only as an HMAC (as claim codes are)."""

    __tablename__ = "staff_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10))  # one of ROLES
    created_by: Mapped[int | None] = mapped_column(BigInteger)  # Telegram id; None: command line
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # withdrawn unused

    organisation: Mapped[Organisation] = relationship()


class AuditEntry(Base):
    """One privileged action: who (a staff member's or platform administrator's Telegram id, or
    the command line), what, when, on what. Never a learner's message or a secret."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_organisation", "organisation_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # None: the command line
    action: Mapped[str] = mapped_column(String(40))  # "staff.invite", "post.publish", …
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    target: Mapped[str | None] = mapped_column(String(200))  # what it acted on, by its id
    details: Mapped[dict] = mapped_column(StringList, default=dict)


class Follow(Base):
    """A learner follows an organisation (key: its slug), a topic or a district of a city, to
    hear of new opportunities and of announcements (Person.news: at once or weekly)."""

    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "key"),
        Index("ix_follow_audience", "kind", "key", "city"),  # an announcement's recipients
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # one of FOLLOW_KINDS
    key: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(40))  # the city profile's slug
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostDraft(Base):
    """An opportunity being written with /post (or an edit of one with /myposts): the answers so
    far and the step the editor is at, so that a restart loses nothing. One per author."""

    __tablename__ = "post_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    opportunity_id: Mapped[int | None] = mapped_column(  # set when it edits a published one
        ForeignKey("opportunity.id", ondelete="SET NULL")
    )
    step: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict] = mapped_column(StringList, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Announcement(Base):
    """A message an organisation's administrator sends to an audience of followers: written (a
    draft), scheduled or queued, then sent through the outbox (its rows share `batch_id`);
    cancelled while it runs, or withdrawn after. The admin's progress message is edited as it
    goes."""

    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_due", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    author_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # None: command line
    audience: Mapped[str] = mapped_column(String(120))  # followers | topic:T | district:D
    # texts by language ({"sl": …, "en": …}), and a photo, a file or a link
    content: Mapped[dict] = mapped_column(StringList, default=dict)
    status: Mapped[str] = mapped_column(
        String(12)
    )  # draft|scheduled|sending|done|cancelled|withdrawn
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    batch_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # its outbox rows
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()


class UsageCount(Base):
    """How often something happened to an organisation's items on one day (shown in results,
    opened, saved, followed, badge claimed or awarded, announcement delivered): counts only, no
    person in them. `opportunity_id` is 0 for what belongs to the organisation as a whole."""

    __tablename__ = "usage_count"
    __table_args__ = (UniqueConstraint("organisation_id", "day", "metric", "opportunity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # in the city's time
    metric: Mapped[str] = mapped_column(String(20))
    opportunity_id: Mapped[int] = mapped_column(Integer, default=0)
    count: Mapped[int] = mapped_column(Integer, default=0)
