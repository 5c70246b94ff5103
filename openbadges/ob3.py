"""Open Badges 3.0: each award as an OpenBadgeCredential, signed as a VC-JWT.

Follows the OB 3.0 spec's "JSON Web Token Proof Format": the JOSE header is exactly
{alg: RS256, kid: URL of the public JWK}; the JWT payload is the credential itself with the
claims iss (issuer.id), jti (id), nbf (validFrom), sub (credentialSubject.id) and, when it
expires, exp (validUntil). `typ` is optional there and left out.
"""

from __future__ import annotations

import json
from typing import Any

from openbadges import status
from openbadges.contexts import OB3_CONTEXT, VC2_CONTEXT
from openbadges.keys import KeyRing
from openbadges.model import AwardFacts, BadgeDefinition, IssuerProfile, iso, parse_iso
from openbadges.urls import PublicUrls

CONTEXT = [VC2_CONTEXT, OB3_CONTEXT]
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
JWT_CLAIMS = ("iss", "jti", "nbf", "sub", "exp")
VC_JWT = "application/vc+jwt"

_IDENTITY_TYPES = {"email": "emailAddress", "url": "identifier"}


def _image(url: str) -> dict[str, str]:
    return {"id": url, "type": "Image"}


def profile(issuer: IssuerProfile, urls: PublicUrls) -> dict[str, Any]:
    """The issuer as an OB 3.0 Profile; its id is the OB 2.0 Issuer's URL."""
    document: dict[str, Any] = {
        "id": urls.issuer(issuer.slug),
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description:
        document["description"] = issuer.description
    if issuer.image_url:
        document["image"] = _image(issuer.image_url)
    if issuer.city:
        document["address"] = {"type": ["Address"], "addressLocality": issuer.city}
    return document


def achievement(badge: BadgeDefinition, urls: PublicUrls) -> dict[str, Any]:
    """The badge as an OB 3.0 Achievement; its id is the OB 2.0 BadgeClass's URL."""
    criteria: dict[str, Any] = {"narrative": badge.criteria.paragraphs()}
    if badge.criteria_url:
        criteria["id"] = badge.criteria_url
    document: dict[str, Any] = {
        "id": urls.badge_class(badge.badge_id),
        "type": ["Achievement"],
        "achievementType": "Badge",
        "name": badge.name.title(),
        "description": badge.description.paragraphs(),
        "criteria": criteria,
        "image": _image(urls.image(badge.badge_id, badge.image_type)),
    }
    language = badge.name.language()
    if language and language == badge.description.language():
        document["inLanguage"] = language
    if badge.tags:
        document["tag"] = list(badge.tags)
    return document


def credential(
    issuer: IssuerProfile, badge: BadgeDefinition, award: AwardFacts, urls: PublicUrls
) -> dict[str, Any]:
    """The award's OpenBadgeCredential (unsigned; `sign` makes the VC-JWT)."""
    recipient = award.recipient
    subject: dict[str, Any] = {
        "id": recipient.subject_id,
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": recipient.identity_hash,
                "identityType": _IDENTITY_TYPES[recipient.identity_type],
                "hashed": True,
                "salt": recipient.salt,
            }
        ],
        "achievement": achievement(badge, urls),
    }
    if award.narrative:
        subject["narrative"] = award.narrative
    document: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": urls.credential(award.award_id),
        "type": list(CREDENTIAL_TYPES),
        "issuer": profile(issuer, urls),
        "name": badge.name.title(),
        "description": badge.description.paragraphs(),
        "validFrom": iso(award.issued_on),
        "awardedDate": iso(award.issued_on),
        "credentialSubject": subject,
        "credentialStatus": status.entry(issuer, award, urls),
    }
    if award.expires is not None:
        document["validUntil"] = iso(award.expires)
    if award.evidence:
        evidence = []
        for item in award.evidence:
            entry: dict[str, Any] = {"type": ["Evidence"]}
            if item.url:
                entry["id"] = item.url
            if item.name:
                entry["name"] = item.name
            if item.narrative:
                entry["narrative"] = item.narrative
            evidence.append(entry)
        document["evidence"] = evidence
    return document


def issuer_id(document: dict[str, Any]) -> Any:
    """A credential's issuer id (the issuer is a Profile or a bare URL)."""
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def jwt_claims(document: dict[str, Any]) -> dict[str, Any]:
    """The registered JWT claims that mirror a credential (OB 3.0 §8.2, JWT Payload Format)."""
    claims: dict[str, Any] = {
        "iss": issuer_id(document),
        "jti": document["id"],
        "nbf": int(parse_iso(document["validFrom"]).timestamp()),
        "sub": document["credentialSubject"]["id"],
    }
    if document.get("validUntil"):
        claims["exp"] = int(parse_iso(document["validUntil"]).timestamp())
    return claims


def sign(document: dict[str, Any], keyring: KeyRing, urls: PublicUrls) -> str:
    """The VC-JWT (compact JWS) of a credential, signed with the key ring's current key."""
    payload = {**document, **jwt_claims(document)}
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return keyring.sign(data, urls)
