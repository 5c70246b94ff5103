"""The tests' own `BadgePublisher`: what colbot's HTTP service serves, made by the real Open Badges
engine (`openbadges`: ob2, ob3, status, baking, images, a real key ring) from facts the test
puts in. It is not the badges use cases (they keep awards in the store); it holds a few awards in
memory so that the HTTP service can be tested, and benchmarked, on real documents.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bot.http.published import PublicBadgePage, Published
from openbadges import (
    AwardFacts,
    BadgeDefinition,
    IssuerProfile,
    KeyRing,
    PublicUrls,
    baking,
    images,
    ob2,
    ob3,
    status,
)

JSON_LD, VC_JWT, JSON = ob2.JSON_LD, ob3.VC_JWT, "application/json"


def _json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class _Award:
    facts: AwardFacts
    badge_id: str
    recipient_name: str | None
    credential: bytes  # the VC-JWT, signed when awarded


class MemoryPublisher:
    """Publishes the issuers, badges and awards given to it; `revoke` revokes an award."""

    def __init__(self, urls: PublicUrls, keyring: KeyRing) -> None:
        self.urls, self.keyring = urls, keyring
        self.issuers: dict[str, IssuerProfile] = {}
        self.badges: dict[str, tuple[str, BadgeDefinition, bytes]] = {}  # issuer slug, png
        self.awards: dict[str, _Award] = {}
        self._status_lists: dict[tuple[str, int], bytes] = {}
        self._lock = threading.Lock()

    # what the test puts in ----------------------------------------------------------------
    def add_issuer(self, profile: IssuerProfile) -> MemoryPublisher:
        self.issuers[profile.slug] = profile
        return self

    def add_badge(self, issuer_slug: str, badge: BadgeDefinition, png: bytes | None = None) -> None:
        issuer = self.issuers[issuer_slug]
        image = png or images.generate(badge.name.sl or badge.name.en or "", issuer.name)
        self.badges[badge.badge_id] = (issuer_slug, badge, image)

    def award(self, badge_id: str, facts: AwardFacts, recipient_name: str | None = None) -> None:
        issuer, badge = self._issuer_and_badge(badge_id)
        document = ob3.credential(issuer, badge, facts, self.urls)
        signed = ob3.sign(document, self.keyring, self.urls).encode("ascii")
        with self._lock:
            self.awards[facts.award_id] = _Award(facts, badge_id, recipient_name, signed)
            self._status_lists.clear()

    def revoke(self, award_id: str, reason: str) -> None:
        with self._lock:
            held = self.awards[award_id]
            held.facts = replace(held.facts, revoked=True, revocation_reason=reason)
            self._status_lists.clear()

    def _issuer_and_badge(self, badge_id: str) -> tuple[IssuerProfile, BadgeDefinition]:
        slug, badge, _ = self.badges[badge_id]
        return self.issuers[slug], badge

    # the BadgePublisher protocol --------------------------------------------------------------
    def issuer(self, slug: str) -> Published | None:
        profile = self.issuers.get(slug)
        return Published(200, JSON_LD, _json(ob2.issuer(profile, self.urls))) if profile else None

    def revocation_list(self, slug: str) -> Published | None:
        profile = self.issuers.get(slug)
        if profile is None:
            return None
        revoked = [
            held.facts
            for held in self.awards.values()
            if held.facts.revoked and self.badges[held.badge_id][0] == slug
        ]
        return Published(200, JSON_LD, _json(ob2.revocation_list(profile, revoked, self.urls)))

    def badge_class(self, badge_id: str) -> Published | None:
        if badge_id not in self.badges:
            return None
        issuer, badge = self._issuer_and_badge(badge_id)
        return Published(200, JSON_LD, _json(ob2.badge_class(issuer, badge, self.urls)))

    def image(self, badge_id: str, image_type: str) -> Published | None:
        held = self.badges.get(badge_id)
        if held is None or image_type != held[1].image_type:
            return None
        return Published(200, "image/png", held[2])

    def assertion(self, award_id: str) -> Published | None:
        held = self.awards.get(award_id)
        if held is None:
            return None
        _, badge = self._issuer_and_badge(held.badge_id)
        code, document = ob2.hosted_assertion(badge, held.facts, self.urls)
        return Published(code, JSON_LD, _json(document))

    def baked_png(self, award_id: str) -> Published | None:
        held = self.awards.get(award_id)
        if held is None:
            return None
        _, badge = self._issuer_and_badge(held.badge_id)
        text = json.dumps(ob2.assertion(badge, held.facts, self.urls), ensure_ascii=False)
        png = self.badges[held.badge_id][2]
        return Published(200, "image/png", baking.bake(png, baking.OB2_KEYWORD, text))

    def credential(self, award_id: str) -> Published | None:
        held = self.awards.get(award_id)
        return Published(200, VC_JWT, held.credential) if held else None

    def credential_png(self, award_id: str) -> Published | None:
        held = self.awards.get(award_id)
        if held is None:
            return None
        png = self.badges[held.badge_id][2]
        baked = baking.bake(png, baking.OB3_KEYWORD, held.credential.decode("ascii"))
        return Published(200, "image/png", baked)

    def status_list(self, slug: str, list_number: int) -> Published | None:
        profile = self.issuers.get(slug)
        if profile is None or list_number > 1000:
            return None
        with self._lock:
            signed = self._status_lists.get((slug, list_number))
            if signed is None:
                revoked = [
                    held.facts.status_index
                    for held in self.awards.values()
                    if held.facts.revoked and self.badges[held.badge_id][0] == slug
                ]
                listing = status.status_list_credential(
                    profile, list_number, revoked, self.urls, datetime.now(UTC)
                )
                signed = ob3.sign(listing, self.keyring, self.urls).encode("ascii")
                self._status_lists[(slug, list_number)] = signed
        return Published(200, VC_JWT, signed)

    def jwks(self) -> Published:
        return Published(200, JSON, _json(self.keyring.jwks(self.urls)))

    def key(self, kid: str) -> Published | None:
        jwk = self.keyring.public_jwk(kid, self.urls)
        return Published(200, JSON, _json(jwk)) if jwk else None

    def public_page(self, award_id: str) -> PublicBadgePage | None:
        held = self.awards.get(award_id)
        if held is None:
            return None
        issuer, badge = self._issuer_and_badge(held.badge_id)
        facts, urls = held.facts, self.urls
        return PublicBadgePage(
            award_id=award_id,
            badge_name=_bilingual(badge.name),
            badge_description=_bilingual(badge.description),
            criteria=_bilingual(badge.criteria),
            issuer_name=issuer.name,
            issuer_url=issuer.url,
            issued_on=facts.issued_on,
            expires=facts.expires,
            state=status.award_status(facts, datetime.now(UTC)).value,
            revocation_reason=facts.revocation_reason,
            image_url=urls.image(badge.badge_id, badge.image_type),
            preview_url=urls.image(badge.badge_id, "png"),
            assertion_url=urls.assertion(award_id),
            credential_url=urls.credential(award_id),
            page_url=urls.public_page(award_id),
            recipient_name=held.recipient_name,
        )


def _bilingual(text: Any) -> dict[str, str]:
    return {lang: value for lang, value in (("sl", text.sl), ("en", text.en)) if value}
