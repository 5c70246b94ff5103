"""The organisations a platform administrator creates and lists: a slug (the organisation's public
address, its follow link), a name and the public profile its badges already use; each listed
with how many staff and followers it has (counts only)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from access import audit
from access.policy import Actor, Capability
from organisations.context import OrganisationContext
from organisations.staff_problems import (
    BadInput,
    BotUsernameMissing,
    Fault,
    UnknownOrganisation,
)
from store import follows
from store import organisations as store_organisations
from store import staff as store_staff
from store.models import Organisation
from store.records import EMAIL

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")  # at most 63, no hyphen at an end
NAME_LENGTH = 200
URL_LENGTH = 500
EMAIL_LENGTH = 254
DESCRIPTION_LENGTH = 2000
_HTTP_URL = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+[^\s]*", re.IGNORECASE)
_NOT_STORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
FOLLOW_PREFIX = "follow-"  # an organisation's follow link: ?start=follow-<slug>


@dataclass(frozen=True)
class OrganisationSummary:
    slug: str
    name: str
    url: str | None
    email: str | None
    staff: int  # administrators and editors
    followers: int


def _text(
    value: str | None, what: str, field: str, limit: int, required: bool = False
) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise BadInput(f"{what} is required", field, Fault.REQUIRED)
        return None
    if len(text) > limit:
        raise BadInput(f"{what} is at most {limit} characters", field, Fault.LONG)
    if _NOT_STORABLE.search(text):
        raise BadInput(f"{what} holds control characters", field, Fault.CONTROL)
    return text


def _url(value: str | None, what: str, field: str) -> str | None:
    url = _text(value, what, field, URL_LENGTH)
    if url is not None and not _HTTP_URL.fullmatch(url):
        raise BadInput(
            f"{what} must be an http:// or https:// address, not '{url[:60]}'", field, Fault.FORM
        )
    return url


def checked_slug(ctx: OrganisationContext, slug: str) -> str:
    if not SLUG.fullmatch(slug):
        raise BadInput(
            f"'{slug[:70]}' is not a slug: use lowercase letters a-z, digits and hyphens "
            "(at most 63, no hyphen first or last)",
            "slug",
            Fault.FORM,
        )
    if slug == ctx.city_slug:
        raise BadInput(f"'{slug}' is the city's own slug", "slug", Fault.CITY)
    return slug


def create(
    ctx: OrganisationContext,
    actor: Actor,
    slug: str,
    name: str,
    profile: store_organisations.OrganisationProfile,
) -> OrganisationSummary:
    """A new organisation of the city (platform administrators only), audited."""
    slug = checked_slug(ctx, slug.strip())
    checked_name = _text(name, "the name", "name", NAME_LENGTH, required=True)
    assert checked_name is not None
    email = _text(profile.email, "the e-mail address", "email", EMAIL_LENGTH)
    if email is not None and not EMAIL.fullmatch(email):
        raise BadInput(f"'{email[:60]}' is not an e-mail address", "email", Fault.FORM)
    profile = store_organisations.OrganisationProfile(
        url=_url(profile.url, "the web address", "url"),
        email=email,
        description=_text(
            profile.description, "the description", "description", DESCRIPTION_LENGTH
        ),
        image_url=_url(profile.image_url, "the image address", "image_url"),
    )
    now = ctx.clock()
    try:
        with ctx.database.session() as session:
            ctx.policy.check(session, actor, Capability.ORGANISATIONS, None)
            _unique(session, slug, checked_name)
            organisation = Organisation(name=checked_name, slug=slug, city=ctx.city_slug)
            store_organisations.set_profile(organisation, profile)
            organisation.created_at = now
            session.add(organisation)
            session.flush()
            audit.record(
                session,
                actor,
                "organisation.create",
                at=now,
                organisation_id=organisation.id,
                target=f"organisation:{slug}",
            )
    except IntegrityError:  # made by someone else meanwhile
        raise BadInput(
            f"an organisation named '{checked_name}' or '{slug}' exists", None, Fault.TAKEN
        ) from None
    return OrganisationSummary(slug, checked_name, profile.url, profile.email, 0, 0)


def check_new_slug(ctx: OrganisationContext, actor: Actor, slug: str) -> str:
    """The slug as `create` would take it for a new organisation (platform administrators
    only), checked as `create` checks it: a chat says at once what is wrong with it (`create`
    checks again)."""
    slug = checked_slug(ctx, slug.strip())
    with ctx.database.session() as session:
        ctx.policy.check(session, actor, Capability.ORGANISATIONS, None)
        _free(session, slug)
    return slug


def _free(session: Session, slug: str) -> None:
    if store_organisations.by_slug(session, slug) is not None:
        raise BadInput(f"the slug '{slug}' is taken", "slug", Fault.TAKEN)


def _unique(session: Session, slug: str, name: str) -> None:
    _free(session, slug)
    if session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise BadInput(f"an organisation named '{name}' exists", "name", Fault.TAKEN)


def listing(ctx: OrganisationContext, actor: Actor) -> list[OrganisationSummary]:
    """The city's organisations by name, with their counts of staff and followers."""
    with ctx.database.session() as session:
        ctx.policy.check(session, actor, Capability.ORGANISATIONS, None)
        staff = store_staff.counts_by_organisation(session)
        return [
            OrganisationSummary(
                o.slug,
                o.name,
                o.url,
                o.email,
                staff.get(o.id, 0),
                follows.follower_count(session, "organisation", o.slug, ctx.city_slug),
            )
            for o in store_staff.organisations_in(session, ctx.city_slug)
        ]


def find(session: Session, organisation: str | int) -> Organisation | None:
    """An organisation by its slug or its id (the chat's buttons carry ids)."""
    if isinstance(organisation, int):
        return session.get(Organisation, organisation)
    return store_organisations.by_slug(session, organisation)


def deep_link(ctx: OrganisationContext, payload: str) -> str:
    if not ctx.bot_username:
        raise BotUsernameMissing(
            "a deep link needs the bot's username: set TELEGRAM_BOT_USERNAME "
            "(as @BotFather names it, without the @)"
        )
    return f"https://t.me/{ctx.bot_username}?start={payload}"


def follow_link(ctx: OrganisationContext, slug: str) -> str:
    """The link (and what its QR code says) that lets a learner follow the organisation."""
    with ctx.database.session() as session:
        if store_organisations.by_slug(session, slug) is None:
            raise UnknownOrganisation(f"no organisation '{slug[:70]}'")
    return deep_link(ctx, FOLLOW_PREFIX + slug)
