"""A youth centre that has awarded badges, published by a real HTTP service on 127.0.0.1: the
tests' own publisher (tests/badges_publisher.py) behind `build_http_app`, under uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.http.app import build_http_app
from bot.http.webhook import TelegramWebhook
from openbadges import BadgeDefinition, Bilingual, KeyRing, PublicUrls, images
from tests.badges_publisher import MemoryPublisher
from tests.http_server import serving
from tests.openbadges_world import CENTRE, NOW, ROBOTICS, award

ACTIVE, REVOKED, EXPIRED, TRICKY = "a-0001", "a-0002", "a-0003", "a-0004"
SCRIPTED = BadgeDefinition(
    badge_id="skriptni-krozek",
    name=Bilingual('<script>alert("sl")</script> & krožek', "<script>alert('en')</script> club"),
    description=Bilingual("Opis <b>krepko</b>.", "A description with <i>tags</i>."),
    criteria=Bilingual("Prisotnost.\n\nIzdelek.", "Came.\n\nMade something."),
)


@dataclass
class World:
    base: str
    urls: PublicUrls
    publisher: MemoryPublisher


def publisher_for(urls: PublicUrls, ring: KeyRing) -> MemoryPublisher:
    """The centre, its robotics badge (and one with markup in its name), and awards in every
    state: valid, revoked with a reason, expired, and one to someone with an odd name."""
    publisher = MemoryPublisher(urls, ring).add_issuer(CENTRE)
    png = images.generate("Robotski krožek", CENTRE.name)
    publisher.add_badge(CENTRE.slug, ROBOTICS, png)
    publisher.add_badge(CENTRE.slug, SCRIPTED, png)
    publisher.award(ROBOTICS.badge_id, award(ACTIVE, status_index=1), "Ana Novak")
    publisher.award(
        ROBOTICS.badge_id,
        award(REVOKED, status_index=2, revoked=True, reason="Podeljena pomotoma."),
        "Boris Kos",
    )
    publisher.award(
        ROBOTICS.badge_id,
        award(
            EXPIRED,
            status_index=3,
            issued=NOW - timedelta(days=400),
            expires=NOW - timedelta(days=35),
        ),
    )
    publisher.award(SCRIPTED.badge_id, award(TRICKY, status_index=4), 'Tom & "Jerry" <b>')
    return publisher


@contextmanager
def published(
    key_dir: Path, telegram: TelegramWebhook | None = None, **options: object
) -> Iterator[World]:
    """The HTTP service publishing the centre's badges; its keys in `key_dir`."""
    ring = KeyRing.open(key_dir)
    made: dict[str, World] = {}

    def make_app(base: str):  # type: ignore[no-untyped-def]
        urls = PublicUrls(base)
        made["world"] = World(base, urls, publisher_for(urls, ring))
        return build_http_app(made["world"].publisher, urls, telegram, **options)  # type: ignore[arg-type]

    with serving(make_app):
        yield made["world"]
