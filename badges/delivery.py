"""What a learner is given of an award in the chat: the badge as a PNG baked with its OB 2.0
assertion (one iTXt chunk `openbadges`), the addresses to verify, download and share it and to
add it to a LinkedIn profile; and their own exports (the baked PNG, the OB 3.0 credential as a
.jwt file, the PNG baked with the credential). Looked up when sent, so a revoked award is not
sent."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from badges.context import BadgeContext
from badges.problems import AlreadyRevoked, BadInput, UnknownAward
from badges.publishing import BadgePublisher, Published
from badges.wallet import issuer_name
from store import badges as store_badges

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
# what a learner may export of their own award: the form and the file's ending
OWN_FORMS = {"png": ".png", "ob3-jwt": ".jwt", "ob3-png": ".png"}
FILE_NAME_LENGTH = 60


@dataclass(frozen=True)
class BadgeDelivery:
    """An award as the chat sends it: the baked PNG and the facts its caption and buttons
    show. `issued_on` is in the city's time."""

    award_id: str
    badge_name: dict[str, str]
    issuer_name: str
    issued_on: datetime
    expires: datetime | None
    page_url: str
    assertion_url: str
    credential_url: str
    png: bytes
    linkable: bool  # the addresses are public ones, worth a button (not the local default)


@dataclass(frozen=True)
class BadgeFile:
    """One of a learner's exports: its bytes, the badge's name and the file's ending."""

    award_id: str
    form: str
    badge_name: dict[str, str]
    content: bytes
    ending: str


def is_public(url: str) -> bool:
    """Whether others can open `url`: an http(s) address of a named host or a public IP, not
    a local one (the default PUBLIC_URL is http://127.0.0.1:8080)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or host == "localhost":
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host and not host.endswith((".localhost", ".local", ".internal"))
    return address.is_global


def file_name(name: str, ending: str) -> str:
    """A file name from a badge's name: Latin letters and digits joined by hyphens ("Mladi
    robotik" → "Mladi-robotik.png"; "Slovenščina A1" → "Slovenscina-A1.png")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:FILE_NAME_LENGTH].strip("-")
    return (stem or "badge") + ending


def linkedin_url(
    name: str, organisation: str, issued_on: datetime, cert_url: str, cert_id: str
) -> str:
    """LinkedIn's add-to-profile address for a certification (the badge), filled in."""
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": organisation,
        "issueYear": issued_on.year,
        "issueMonth": issued_on.month,
        "certUrl": cert_url,
        "certId": cert_id,
    }
    return f"{LINKEDIN_ADD}?{urlencode(query)}"


def _served(published: Published | None, award_id: str) -> bytes:
    if published is None:
        raise UnknownAward(f"no award '{award_id}'")
    if published.status != 200:
        raise AlreadyRevoked(f"the award '{award_id}' is revoked")
    return published.body


def delivery(
    ctx: BadgeContext, publisher: BadgePublisher, award_id: str, person_id: int | None = None
) -> BadgeDelivery | None:
    """The award as the chat sends it; None when it is unknown, revoked, or (with `person_id`)
    not that person's."""
    with ctx.database.session() as session:
        award = store_badges.award(session, award_id)
        if award is None or award.revoked_at is not None:
            return None
        if person_id is not None and award.person_id != person_id:
            return None
        badge = award.badge_class
        name = {k: v for k, v in (("sl", badge.name_sl), ("en", badge.name_en)) if v}
        issuer = issuer_name(ctx, session, award)
        zone = ctx.clock().tzinfo
        issued_on, expires = award.issued_at.astimezone(zone), award.expires_at
    try:
        png = _served(publisher.baked_png(award_id), award_id)
    except (UnknownAward, AlreadyRevoked):
        return None
    urls = ctx.urls
    return BadgeDelivery(
        award_id,
        name,
        issuer,
        issued_on,
        expires.astimezone(zone) if expires is not None else None,
        urls.public_page(award_id),
        urls.assertion(award_id),
        urls.credential(award_id),
        png,
        is_public(urls.base_url),
    )


def own_file(
    ctx: BadgeContext, publisher: BadgePublisher, person_id: int, award_id: str, form: str
) -> BadgeFile:
    """One of the learner's own awards as a file (`OWN_FORMS`): UnknownAward when it is not
    theirs, AlreadyRevoked when it no longer stands."""
    if form not in OWN_FORMS:
        raise BadInput(f"export as one of {', '.join(OWN_FORMS)}")
    with ctx.database.session() as session:
        award = store_badges.award(session, award_id)
        if award is None or award.person_id != person_id:
            raise UnknownAward(f"you hold no award '{award_id}'")
        if award.revoked_at is not None:
            raise AlreadyRevoked(f"the award '{award_id}' is revoked")
        badge = award.badge_class
        name = {k: v for k, v in (("sl", badge.name_sl), ("en", badge.name_en)) if v}
    made = {
        "png": publisher.baked_png,
        "ob3-jwt": publisher.credential,
        "ob3-png": publisher.credential_png,
    }[form](award_id)
    return BadgeFile(award_id, form, name, _served(made, award_id), OWN_FORMS[form])
