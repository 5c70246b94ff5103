"""What the HTTP service serves, as the badges use cases hand it over: a finished document
(`Published`) or the facts of a public badge page (`PublicBadgePage`), from a `BadgePublisher`.

The service knows nothing of the store: it asks the publisher by id and serves the answer;
None means there is no such thing (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Published:
    """One document as it is served: the status (200, or 410 for a revoked assertion), its media
    type ("application/ld+json", "application/vc+jwt", "image/png", "image/svg+xml",
    "application/json"), the bytes, and any headers of the publisher's own."""

    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PublicBadgePage:
    """The facts of an award's public, bilingual page; the service writes the HTML."""

    award_id: str
    badge_name: dict[str, str]  # {"sl": …, "en": …}
    badge_description: dict[str, str]
    criteria: dict[str, str]
    issuer_name: str
    issuer_url: str
    issued_on: datetime
    expires: datetime | None
    state: str  # "active" | "revoked" | "expired"
    revocation_reason: str | None
    image_url: str
    assertion_url: str
    credential_url: str
    page_url: str
    recipient_name: str | None


class BadgePublisher(Protocol):
    """What the badges use cases publish, looked up by the ids in the public URLs."""

    def issuer(self, slug: str) -> Published | None: ...
    def revocation_list(self, slug: str) -> Published | None: ...
    def badge_class(self, badge_id: str) -> Published | None: ...
    def image(self, badge_id: str, image_type: str) -> Published | None: ...
    def assertion(self, award_id: str) -> Published | None: ...  # 410 and a body when revoked
    def baked_png(self, award_id: str) -> Published | None: ...
    def credential(self, award_id: str) -> Published | None: ...  # the VC-JWT
    def credential_png(self, award_id: str) -> Published | None: ...
    def status_list(self, slug: str, list_number: int) -> Published | None: ...
    def jwks(self) -> Published: ...
    def key(self, kid: str) -> Published | None: ...
    def public_page(self, award_id: str) -> PublicBadgePage | None: ...
