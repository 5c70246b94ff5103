"""Who issues a badge, and the Open Badges facts of badge classes and awards as the store keeps
them. An organisation with a public profile of its own (a url and an e-mail address, from the
catalogue's `organisation` object) issues in its own name, at /ob/issuers/<its slug>; for one
the catalogue names only, the deployment's City of Learning issues on its behalf (ISSUER_NAME,
ISSUER_URL, ISSUER_EMAIL), at /ob/issuers/<the city's slug>."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from badges.problems import IssuerMissing
from openbadges import AwardFacts, BadgeDefinition, Bilingual, Evidence, IssuerProfile, Recipient
from openbadges.status import LIST_SIZE
from store import organisations
from store.models import Award, BadgeClass, Organisation


class HasProfile(Protocol):
    """An organisation, or a row of its profile (store.organisations.profile_by_slug)."""

    slug: str
    name: str
    url: str | None
    email: str | None
    description: str | None
    image_url: str | None


@dataclass(frozen=True)
class DeploymentIssuer:
    """The deployment's own issuer profile (the city's City of Learning), from the settings."""

    name: str
    url: str
    email: str
    description: str | None = None
    image_url: str | None = None


class Issuers:
    def __init__(
        self, city_slug: str, deployment: DeploymentIssuer | None, city_name: str | None = None
    ) -> None:
        self.city_slug = city_slug
        self.deployment = deployment
        self.city_name = city_name  # every issuer here is of this City of Learning

    def deployment_profile(self) -> IssuerProfile:
        own = self.deployment
        if own is None:
            raise IssuerMissing(
                "this badge's organisation has no public profile of its own (url and e-mail in "
                "the catalogue's organisation object), and the City of Learning's issuer profile "
                "is not set: set ISSUER_NAME, ISSUER_URL and ISSUER_EMAIL"
            )
        return IssuerProfile(
            self.city_slug,
            own.name,
            own.url,
            own.email,
            own.description,
            own.image_url,
            self.city_name,
        )

    def profile_for(self, organisation: HasProfile | Organisation | None) -> IssuerProfile:
        """Who issues the badges of `organisation` now."""
        if organisation is not None and organisation.url and organisation.email:
            return IssuerProfile(
                organisation.slug,
                organisation.name,
                organisation.url,
                organisation.email,
                organisation.description,
                organisation.image_url,
                self.city_name,
            )
        return self.deployment_profile()

    def by_slug(self, db: Session | Connection, slug: str) -> IssuerProfile | None:
        """The issuer published at /ob/issuers/<slug>, or None."""
        if slug == self.city_slug:
            return self.deployment_profile() if self.deployment is not None else None
        organisation = organisations.profile_by_slug(db, slug)
        if organisation is None or not (organisation.url and organisation.email):
            return None
        return self.profile_for(organisation)

    def of_organisation(
        self, db: Session | Connection, organisation_id: int | None
    ) -> IssuerProfile:
        """Who issues the badges of the organisation with this id now (None: the city's)."""
        found = organisations.profile_by_id(db, organisation_id) if organisation_id else None
        return self.profile_for(found)

    def of_award(self, db: Session | Connection, award: Any) -> IssuerProfile:
        """The issuer an award was issued by (its status lists are theirs)."""
        profile = self.by_slug(db, award.issuer_slug)
        if profile is None:
            raise IssuerMissing(
                f"the issuer '{award.issuer_slug}' of this award has no profile now"
            )
        return profile


def definition(badge: BadgeClass) -> BadgeDefinition:
    """A badge class as the Open Badges engine takes it."""
    opportunity = badge.opportunity
    return _definition(
        badge.public_id,
        badge,
        opportunity.url if opportunity is not None else None,
        opportunity.topics if opportunity is not None else None,
    )


def definition_of_row(row: Any) -> BadgeDefinition:
    """The same, from a published row (store.badges.published_award or published_badge)."""
    return _definition(row.badge_id, row, row.opportunity_url, row.topics)


def _definition(
    badge_id: str, texts: Any, criteria_url: str | None, topics: list[str] | None
) -> BadgeDefinition:
    return BadgeDefinition(
        badge_id=badge_id,
        name=Bilingual(texts.name_sl, texts.name_en),
        description=Bilingual(texts.description_sl, texts.description_en),
        criteria=Bilingual(texts.criteria_sl, texts.criteria_en),
        image_type="svg" if texts.image_type == "svg" else "png",
        criteria_url=criteria_url,
        tags=tuple(topics or ()),
    )


def recipient(award: Any) -> Recipient:
    return Recipient(
        award.recipient_type,  # type: ignore[arg-type]
        award.recipient_hash,
        award.recipient_salt,
        award.subject_id,
    )


def facts(award: Award | Any) -> AwardFacts:
    """An award (or a published row of one) as the Open Badges engine takes it."""
    return AwardFacts(
        award_id=award.public_id,
        issued_on=award.issued_at,
        recipient=recipient(award),
        status_index=award.status_list * LIST_SIZE + award.status_position,
        expires=award.expires_at,
        evidence=tuple(
            Evidence(url=e.get("url"), narrative=e.get("narrative"), name=e.get("name"))
            for e in award.evidence or ()
        ),
        narrative=award.narrative,
        revoked=award.revoked_at is not None,
        revocation_reason=award.revocation_reason,
    )
