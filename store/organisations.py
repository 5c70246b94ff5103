"""Organisations: their slugs (their issuer's public address) and their public profiles, as the
catalogue gives them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.orm import Session

from store.models import Organisation

SLUG_LENGTH = 50
_STROKED = str.maketrans({"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss"})


@dataclass(frozen=True)
class OrganisationProfile:
    """What the catalogue's `organisation` object says of an organisation beyond its name. With
    a url and an e-mail address it issues its badges in its own name."""

    url: str | None = None
    email: str | None = None
    description: str | None = None
    image_url: str | None = None


def slug_for(name: str) -> str:
    """A name as a slug: ASCII letters and digits joined by '-' ('Četrtni mladinski center
    Šiška' → 'cetrtni-mladinski-center-siska'), at most SLUG_LENGTH characters."""
    folded = unicodedata.normalize("NFKD", name.translate(_STROKED))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
    if len(words) > SLUG_LENGTH:
        words = words[:SLUG_LENGTH].rsplit("-", 1)[0] or words[:SLUG_LENGTH]
    return words or "organisation"


def free_slug(session: Session, name: str, reserved: Collection[str] = ()) -> str:
    """A slug for a new organisation that no other has (nor any of `reserved`: a city's own
    issuer is named by the city's slug)."""
    base = slug_for(name)
    prefix = select(Organisation.slug).where(Organisation.slug.like(f"{base}%"))
    with session.no_autoflush:  # an import's half-filled rows wait for their flush
        taken = set(session.scalars(prefix)) | set(reserved)
    # organisations added in this session and not yet flushed
    taken |= {o.slug for o in session.new if isinstance(o, Organisation) and o.slug}
    slug, counter = base, 1
    while slug in taken:
        counter += 1
        slug = f"{base}-{counter}"
    return slug


def new_organisation(
    session: Session, name: str, city: str, profile: OrganisationProfile | None = None
) -> Organisation:
    organisation = Organisation(name=name, city=city, slug=free_slug(session, name, {city}))
    if profile is not None:
        set_profile(organisation, profile)
    session.add(organisation)
    return organisation


def set_profile(organisation: Organisation, profile: OrganisationProfile) -> None:
    organisation.url = profile.url
    organisation.email = profile.email
    organisation.description = profile.description
    organisation.image_url = profile.image_url


def by_slug(session: Session, slug: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


_organisation = Organisation.__table__.c
_PROFILE_COLUMNS = (
    _organisation.id,
    _organisation.slug,
    _organisation.name,
    _organisation.url,
    _organisation.email,
    _organisation.description,
    _organisation.image_url,
)
_BY_SLUG = select(*_PROFILE_COLUMNS).where(_organisation.slug == bindparam("slug"))
_BY_ID = select(*_PROFILE_COLUMNS).where(_organisation.id == bindparam("id"))


def profile_by_slug(db: Session | Connection, slug: str) -> Row | None:
    """An organisation's public profile (slug, name, url, email, description, image_url) by its
    slug: one light read, for what is published."""
    return db.execute(_BY_SLUG, {"slug": slug}).first()


def profile_by_id(db: Session | Connection, organisation_id: int) -> Row | None:
    return db.execute(_BY_ID, {"id": organisation_id}).first()
