"""Every public address colbot gives a badge document, built from the one public base URL.

The HTTP service routes these same paths; the documents name each other by them (an assertion
names its badge class, a badge class its issuer, a credential its status list and key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

_SAFE_ID = re.compile(r"[A-Za-z0-9_.~-]{1,128}")


def _segment(value: str | int) -> str:
    text = str(value)
    if not _SAFE_ID.fullmatch(text) or text in {".", ".."}:
        raise ValueError("an id in a public URL is 1-128 of A-Z a-z 0-9 _ . ~ -")
    return quote(text, safe="")


def origin(url: str) -> str | None:
    """scheme://host[:port] of an http(s) URL, in lower case; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


@dataclass(frozen=True)
class PublicUrls:
    """The URLs of the published badge documents under `base_url` (e.g. PUBLIC_URL)."""

    base_url: str

    def __post_init__(self) -> None:
        base = self.base_url.rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
            raise ValueError("the public base URL must be an absolute http(s) URL")
        object.__setattr__(self, "base_url", base)

    @property
    def origin(self) -> str:
        found = origin(self.base_url)
        assert found is not None  # checked in __post_init__
        return found

    # OB 2.0 hosted documents (JSON-LD)
    def issuer(self, slug: str) -> str:
        return f"{self.base_url}/ob/issuers/{_segment(slug)}"

    def revocation_list(self, slug: str) -> str:
        return f"{self.issuer(slug)}/revocations"

    def badge_class(self, badge_id: str) -> str:
        """The OB 2.0 BadgeClass, and the id of the OB 3.0 Achievement."""
        return f"{self.base_url}/ob/badges/{_segment(badge_id)}"

    def image(self, badge_id: str, image_type: str = "png") -> str:
        if image_type not in {"png", "svg"}:
            raise ValueError("badge images are png or svg")
        return f"{self.badge_class(badge_id)}/image.{image_type}"

    def assertion(self, award_id: str) -> str:
        return f"{self.base_url}/ob/assertions/{_segment(award_id)}"

    def baked_png(self, award_id: str) -> str:
        """The badge image with the OB 2.0 assertion baked in."""
        return f"{self.assertion(award_id)}/badge.png"

    # OB 3.0
    def credential(self, award_id: str) -> str:
        """The OpenBadgeCredential's id; the service answers it with the VC-JWT."""
        return f"{self.base_url}/ob/credentials/{_segment(award_id)}"

    def credential_png(self, award_id: str) -> str:
        """The badge image with the VC-JWT baked in."""
        return f"{self.credential(award_id)}/badge.png"

    def status_list(self, slug: str, list_number: int) -> str:
        """An issuer's BitstringStatusListCredential (revocation), as a VC-JWT."""
        return f"{self.issuer(slug)}/status/{_segment(list_number)}"

    def jwks(self) -> str:
        return f"{self.base_url}/ob/keys"

    def key(self, kid: str) -> str:
        """One public key as a JWK: the `kid` of everything it signed."""
        return f"{self.jwks()}/{_segment(kid)}"

    # people
    def public_page(self, award_id: str) -> str:
        """The award's human-readable page."""
        return f"{self.base_url}/badges/{_segment(award_id)}"
