"""The facts an Open Badge is made from: the issuer, the badge, one award and its recipient.

Plain frozen dataclasses the use cases fill from the store; `ob2` and `ob3` turn them into the
published documents. The recipient is kept only as a salted hash, never in the clear.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

IdentityType = Literal["email", "url"]


def iso(moment: datetime) -> str:
    """A moment as the badges write it: UTC, whole seconds, a trailing Z."""
    if moment.tzinfo is None:
        raise ValueError("badge dates must carry a time zone")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """A date-time from a badge (ISO 8601 with a zone); raises ValueError otherwise."""
    moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if moment.tzinfo is None:
        raise ValueError("the date has no time zone")
    return moment


@dataclass(frozen=True)
class Bilingual:
    """A text in Slovenian and English; at least one of the two."""

    sl: str | None = None
    en: str | None = None

    def __post_init__(self) -> None:
        if not (self.sl or "").strip() and not (self.en or "").strip():
            raise ValueError("a text needs Slovenian or English")

    def title(self) -> str:
        """One line for a name: 'slovensko / English' when both differ, else the one there is."""
        sl, en = (self.sl or "").strip(), (self.en or "").strip()
        if sl and en and sl != en:
            return f"{sl} / {en}"
        return sl or en

    def paragraphs(self) -> str:
        """Both languages as paragraphs, Slovenian first (descriptions, criteria)."""
        sl, en = (self.sl or "").strip(), (self.en or "").strip()
        if sl and en and sl != en:
            return f"{sl}\n\n{en}"
        return sl or en

    def language(self) -> str | None:
        """The BCP 47 code when the text is in one language only."""
        sl, en = (self.sl or "").strip(), (self.en or "").strip()
        if sl and en and sl != en:
            return None
        return "sl" if sl else "en"


@dataclass(frozen=True)
class IssuerProfile:
    """An organisation's public profile. OB 2.0 requires name, url and e-mail of every issuer."""

    slug: str
    name: str
    url: str
    email: str
    description: str | None = None
    image_url: str | None = None
    city: str | None = None  # the City of Learning it belongs to, by name (OB 3.0: its address)


@dataclass(frozen=True)
class BadgeDefinition:
    """A badge an organisation awards (OB 2.0 BadgeClass, OB 3.0 Achievement)."""

    badge_id: str
    name: Bilingual
    description: Bilingual
    criteria: Bilingual
    image_type: Literal["png", "svg"] = "png"
    criteria_url: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Something that shows the work: a link, a few words, or both."""

    url: str | None = None
    narrative: str | None = None
    name: str | None = None


def hash_identity(identity: str, salt: str) -> str:
    """The OB IdentityHash: 'sha256$' and the hex SHA-256 of the identity with the salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    """E-mail addresses are hashed trimmed and in lower case, when awarded and when checked."""
    return email.strip().lower()


@dataclass(frozen=True)
class Recipient:
    """Who received an award, as a salted hash that reveals nothing about the person.

    The identity is the e-mail address when the learner gave one (type 'email'), otherwise the
    award's own random `subject_id` URN (type 'url'). `subject_id` is the OB 3.0
    credentialSubject.id: a random urn:uuid made for this award alone.
    """

    identity_type: IdentityType
    identity_hash: str
    salt: str
    subject_id: str

    def __repr__(self) -> str:
        return f"Recipient({self.identity_type}, {self.subject_id})"

    @classmethod
    def new(cls, email: str | None = None) -> Recipient:
        """A recipient for a new award; the e-mail address itself is not kept."""
        salt = secrets.token_hex(16)
        subject_id = uuid.uuid4().urn
        if email is not None and normalise_email(email):
            identity = normalise_email(email)
            return cls("email", hash_identity(identity, salt), salt, subject_id)
        return cls("url", hash_identity(subject_id, salt), salt, subject_id)

    def matches_email(self, email: str) -> bool:
        """Whether this award was made to that e-mail address."""
        if self.identity_type != "email":
            return False
        expected = hash_identity(normalise_email(email), self.salt)
        return secrets.compare_digest(expected.lower(), self.identity_hash.lower())


@dataclass(frozen=True)
class AwardFacts:
    """One award of a badge to one person, as the store keeps it.

    `status_index` is the award's place in its issuer's revocation status list (OB 3.0); the
    store hands these out, a different one to each award of the issuer.
    """

    award_id: str
    issued_on: datetime
    recipient: Recipient
    status_index: int
    expires: datetime | None = None
    evidence: tuple[Evidence, ...] = field(default=())
    narrative: str | None = None
    revoked: bool = False
    revocation_reason: str | None = None

    def __post_init__(self) -> None:
        if self.issued_on.tzinfo is None or (self.expires and self.expires.tzinfo is None):
            raise ValueError("award dates must carry a time zone")
        if self.expires is not None and self.expires <= self.issued_on:
            raise ValueError("an award cannot expire before it is issued")
        if self.status_index < 0:
            raise ValueError("the status index is a place in a list: 0 or more")
