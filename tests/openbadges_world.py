"""A small Open Badges world for the openbadges tests: a youth centre, its badge, awards, one key
ring, and a fake web site that publishes everything as colbot's HTTP service will."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from openbadges import (
    AwardFacts,
    BadgeDefinition,
    Bilingual,
    Evidence,
    IssuerProfile,
    KeyRing,
    PublicUrls,
    Recipient,
    ob2,
    ob3,
    status,
)

URLS = PublicUrls("https://badges.colbot.example")
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
CENTRE = IssuerProfile(
    slug="mc-siska",
    name="Četrtni mladinski center Šiška",
    url="https://www.mc-siska.example",
    email="info@mc-siska.example",
    description="Mladinski center v Šiški.",
    city="Ljubljana",
)
ROBOTICS = BadgeDefinition(
    badge_id="robotski-krozek",
    name=Bilingual("Robotski krožek", "Robotics club"),
    description=Bilingual(
        "Zgradil je robota in ga naučil slediti črti.", "Built a robot that follows a line."
    ),
    criteria=Bilingual("Udeležba na osmih srečanjih.", "Took part in eight meetings."),
    tags=("robotika", "STEM"),
)


def award(
    award_id: str = "a-0001",
    email: str | None = "ana.novak@example.org",
    status_index: int = 7,
    issued: datetime | None = None,
    expires: datetime | None = None,
    revoked: bool = False,
    reason: str | None = None,
) -> AwardFacts:
    return AwardFacts(
        award_id=award_id,
        issued_on=issued or NOW - timedelta(days=2),
        recipient=Recipient.new(email),
        status_index=status_index,
        expires=expires,
        evidence=(Evidence(url="https://www.mc-siska.example/robot", narrative="Robot Žiga"),),
        revoked=revoked,
        revocation_reason=reason,
    )


@cache
def keyring() -> KeyRing:
    """One key ring for the whole run (a key takes a moment to make)."""
    return KeyRing.open(tempfile.mkdtemp(prefix="colbot-ob-keys-"))


def credential_jwt(facts: AwardFacts, ring: KeyRing | None = None, urls: PublicUrls = URLS) -> str:
    return ob3.sign(ob3.credential(CENTRE, ROBOTICS, facts, urls), ring or keyring(), urls)


@dataclass
class Site:
    """What colbot's HTTP service would answer, as a fetcher: url -> (status, headers, body)."""

    ring: KeyRing
    urls: PublicUrls = URLS
    documents: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def publish(self, awards: Iterable[AwardFacts], now: datetime = NOW) -> Site:
        awards, urls = list(awards), self.urls
        self.put(urls.issuer(CENTRE.slug), ob2.issuer(CENTRE, urls))
        self.put(urls.badge_class(ROBOTICS.badge_id), ob2.badge_class(CENTRE, ROBOTICS, urls))
        revoked = [a for a in awards if a.revoked]
        self.put(urls.revocation_list(CENTRE.slug), ob2.revocation_list(CENTRE, revoked, urls))
        for facts in awards:
            code, body = ob2.hosted_assertion(ROBOTICS, facts, urls)
            self.put(urls.assertion(facts.award_id), body, code)
            self.documents[urls.credential(facts.award_id)] = (
                200,
                credential_jwt(facts, self.ring, urls).encode(),
            )
        lists = {status.locate(a.status_index)[0] for a in awards} | {0}
        for number in lists:
            listing = status.status_list_credential(
                CENTRE, number, [a.status_index for a in revoked], urls, now
            )
            self.documents[urls.status_list(CENTRE.slug, number)] = (
                200,
                ob3.sign(listing, self.ring, urls).encode(),
            )
        for kid in self.ring.kids:
            self.put(urls.key(kid), self.ring.public_jwk(kid, urls))
        self.put(urls.jwks(), self.ring.jwks(urls))
        return self

    def put(self, url: str, document: Any, code: int = 200) -> None:
        self.documents[url] = (code, json.dumps(document, ensure_ascii=False).encode())

    def __call__(self, url: str) -> tuple[int, dict[str, str], bytes]:
        self.asked.append(url)
        code, body = self.documents.get(url, (404, b"not found"))
        return code, {}, body
