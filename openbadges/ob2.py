"""Open Badges 2.0 documents for hosted verification: Issuer, BadgeClass, Assertion, RevocationList.

Each is a JSON-LD object with the OB 2.0 context, published at the URL that is its `id`
(see `PublicUrls`). A revoked assertion is answered 410 Gone with a short body saying so
(`hosted_assertion`); the issuer's revocation list names it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openbadges.contexts import OB2_CONTEXT
from openbadges.model import AwardFacts, BadgeDefinition, Evidence, IssuerProfile, iso
from openbadges.urls import PublicUrls

JSON_LD = "application/ld+json"


def issuer(profile: IssuerProfile, urls: PublicUrls) -> dict[str, Any]:
    """The Issuer profile (id, type, name, url, email are required by OB 2.0)."""
    document: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": urls.issuer(profile.slug),
        "name": profile.name,
        "url": profile.url,
        "email": profile.email,
    }
    if profile.description:
        document["description"] = profile.description
    if profile.image_url:
        document["image"] = profile.image_url
    document["revocationList"] = urls.revocation_list(profile.slug)
    return document


def badge_class(profile: IssuerProfile, badge: BadgeDefinition, urls: PublicUrls) -> dict[str, Any]:
    """The BadgeClass: the badge's name, description, criteria and image, both languages."""
    criteria: dict[str, Any] = {"narrative": badge.criteria.paragraphs()}
    if badge.criteria_url:
        criteria["id"] = badge.criteria_url
    document: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": urls.badge_class(badge.badge_id),
        "name": badge.name.title(),
        "description": badge.description.paragraphs(),
        "image": urls.image(badge.badge_id, badge.image_type),
        "criteria": criteria,
        "issuer": urls.issuer(profile.slug),
    }
    if badge.tags:
        document["tags"] = list(badge.tags)
    return document


def _evidence(item: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "Evidence"}
    if item.url:
        out["id"] = item.url
    if item.name:
        out["name"] = item.name
    if item.narrative:
        out["narrative"] = item.narrative
    return out


def assertion(badge: BadgeDefinition, award: AwardFacts, urls: PublicUrls) -> dict[str, Any]:
    """The hosted Assertion of one award; the recipient appears only as a salted hash."""
    document: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": urls.assertion(award.award_id),
        "recipient": {
            "type": award.recipient.identity_type,
            "hashed": True,
            "salt": award.recipient.salt,
            "identity": award.recipient.identity_hash,
        },
        "badge": urls.badge_class(badge.badge_id),
        "issuedOn": iso(award.issued_on),
        "verification": {"type": "hosted"},
    }
    if award.expires is not None:
        document["expires"] = iso(award.expires)
    if award.narrative:
        document["narrative"] = award.narrative
    if award.evidence:
        document["evidence"] = [_evidence(item) for item in award.evidence]
    return document


def revoked_assertion(award: AwardFacts, urls: PublicUrls) -> dict[str, Any]:
    """What a revoked assertion's URL answers (with 410 Gone): that it is revoked, and why."""
    document: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": urls.assertion(award.award_id),
        "revoked": True,
    }
    if award.revocation_reason:
        document["revocationReason"] = award.revocation_reason
    return document


def hosted_assertion(
    badge: BadgeDefinition, award: AwardFacts, urls: PublicUrls
) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body of an assertion's URL: 200 and the assertion, or 410 Gone."""
    if award.revoked:
        return 410, revoked_assertion(award, urls)
    return 200, assertion(badge, award, urls)


def revocation_list(
    profile: IssuerProfile, revoked: Iterable[AwardFacts], urls: PublicUrls
) -> dict[str, Any]:
    """The issuer's RevocationList: every revoked assertion of theirs, with its reason."""
    entries = []
    for award in revoked:
        entry: dict[str, Any] = {"id": urls.assertion(award.award_id)}
        if award.revocation_reason:
            entry["revocationReason"] = award.revocation_reason
        entries.append(entry)
    return {
        "@context": OB2_CONTEXT,
        "type": "RevocationList",
        "id": urls.revocation_list(profile.slug),
        "issuer": urls.issuer(profile.slug),
        "revokedAssertions": entries,
    }
