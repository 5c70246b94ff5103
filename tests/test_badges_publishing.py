"""What colbot publishes for the HTTP service: every document valid (the OB 3.0 JSON schema,
JSON-LD with the shipped contexts) and verifiable as a relying party would, nothing where there
is nothing, keys rotated without breaking what they signed, and caches that see changes made
by another process."""

from __future__ import annotations

import base64
import json

import pytest

from badges.context import KEY_CHECK_EVERY
from badges.publishing import FRESH_SECONDS, BadgePublisher
from bot.services import build_services
from openbadges import ob3
from openbadges.contexts import credential_schema_errors, dropped_terms
from openbadges.verify import verify

from .badges_world import (
    LEARNER,
    PLATFORM,
    SECOND,
    FakeWeb,
    badge_services,
    person,
    settings_for,
)

SISKA = "cetrtni-mladinski-center-siska"


def payload(token: bytes) -> dict:
    part = token.split(b".")[1]
    return json.loads(base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4)))


def header(token: bytes) -> dict:
    part = token.split(b".")[0]
    return json.loads(base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4)))


@pytest.fixture
def world(tmp_path, issuing_keys, database_url):
    services, clock = badge_services(tmp_path, issuing_keys, database_url)
    person(services, LEARNER)
    issued = services.badges.award(
        PLATFORM, "lj-robotika", LEARNER, evidence="https://mc-siska.example/robot"
    )
    yield services, clock, issued.award_id
    services.close()


def test_the_published_documents_validate_and_verify(world):
    services, clock, award_id = world
    publisher: BadgePublisher = services.badges.publisher
    badge_id = services.badges.badge_classes()[1].badge_id
    documents = {
        "issuer": publisher.issuer(SISKA),
        "badge class": publisher.badge_class(badge_id),
        "assertion": publisher.assertion(award_id),
        "revocation list": publisher.revocation_list(SISKA),
    }
    for name, published in documents.items():
        assert published.status == 200 and published.media_type == "application/ld+json", name
        assert dropped_terms(json.loads(published.body)) == [], name
    credential = publisher.credential(award_id)
    assert credential.media_type == "application/vc+jwt"
    claims = payload(credential.body)
    document = {k: v for k, v in claims.items() if k not in ob3.JWT_CLAIMS}
    assert credential_schema_errors(document) == []
    assert dropped_terms(document) == []
    assert header(credential.body) == {
        "alg": "RS256",
        "kid": services.badges.urls.key(services.badges.context.keyring.current_kid),
    }
    status_list = publisher.status_list(SISKA, 0)
    assert status_list.media_type == "application/vc+jwt"
    listing = {k: v for k, v in payload(status_list.body).items() if k not in ob3.JWT_CLAIMS}
    assert dropped_terms(listing) == []

    web = FakeWeb(services)
    for what in (
        publisher.baked_png(award_id).body,
        publisher.credential_png(award_id).body,
        credential.body,
        documents["assertion"].body,
        services.badges.urls.assertion(award_id),
    ):
        verdict = verify(what, web, now=clock())
        assert verdict.valid, verdict.reasons
        assert verdict.facts.get("issuer") in (None, "Četrtni mladinski center Šiška")
    image = publisher.image(badge_id, "png")
    assert image.media_type == "image/png" and image.body.startswith(b"\x89PNG")
    jwks = json.loads(publisher.jwks().body)
    assert [key["kid"] for key in jwks["keys"]] == [header(credential.body)["kid"]]
    assert "d" not in jwks["keys"][0]  # no private part


def test_nothing_is_published_where_there_is_nothing(world):
    services, _clock, award_id = world
    publisher = services.badges.publisher
    assert publisher.issuer("nobody") is None
    assert publisher.issuer("javni-zavod-cene-stupar") is None  # issued for by the city
    assert publisher.revocation_list("nobody") is None
    assert publisher.badge_class("nope") is None
    assert publisher.badge_class("../../etc") is None
    assert publisher.image("nope", "png") is None
    assert publisher.image(services.badges.badge_classes()[1].badge_id, "svg") is None
    assert publisher.image(services.badges.badge_classes()[1].badge_id, "gif") is None
    for method in ("assertion", "baked_png", "credential", "credential_png", "public_page"):
        assert getattr(publisher, method)("nope") is None, method
        assert getattr(publisher, method)("x" * 500) is None, method
        assert getattr(publisher, method)(award_id + "'; --") is None, method
    assert publisher.status_list(SISKA, 1) is None  # only the first list is in use
    assert publisher.status_list(SISKA, -1) is None
    assert publisher.status_list("nobody", 0) is None
    assert publisher.key("20260101-deadbeef") is None


def test_rotated_keys_sign_new_awards_and_old_ones_still_verify(world):
    services, clock, award_id = world
    publisher, web = services.badges.publisher, FakeWeb(services)
    old_png = publisher.credential_png(award_id).body
    old_kid = services.badges.context.keyring.current_kid
    new_kid = services.badges.rotate_keys()
    assert new_kid != old_kid
    person(services, SECOND)
    fresh = services.badges.award(PLATFORM, "lj-robotika", SECOND)
    token = publisher.credential(fresh.award_id).body
    assert header(token)["kid"] == services.badges.urls.key(new_kid)
    kids = [key["kid"] for key in json.loads(publisher.jwks().body)["keys"]]
    assert kids == [services.badges.urls.key(new_kid), services.badges.urls.key(old_kid)]
    assert verify(old_png, web, now=clock()).valid
    assert verify(token, web, now=clock()).valid
    assert publisher.key(old_kid) is not None and publisher.key(new_kid) is not None


def test_a_revocation_by_another_process_is_seen_within_the_staleness_bound(world, tmp_path):
    services, clock, award_id = world
    publisher, web = services.badges.publisher, FakeWeb(services)
    png = publisher.credential_png(award_id).body
    assert publisher.assertion(award_id).status == 200
    before = publisher.status_list(SISKA, 0).body
    other = build_services(
        settings_for(services.settings.data_dir, services.settings.database_url), clock=clock
    )  # the command line, say
    try:
        other.badges.revoke(PLATFORM, award_id, "Napaka.")
        rotated = other.badges.rotate_keys()
    finally:
        other.close()
    clock.advance(seconds=max(FRESH_SECONDS, KEY_CHECK_EVERY))
    assert publisher.assertion(award_id).status == 410
    assert publisher.status_list(SISKA, 0).body != before
    assert not verify(png, web, now=clock()).valid
    assert services.badges.urls.key(rotated) in publisher.jwks().body.decode()


def test_a_revoked_award_answers_gone_only_where_ob2_asks_for_it(world):
    services, _clock, award_id = world
    publisher = services.badges.publisher
    services.badges.revoke(PLATFORM, award_id, "Napaka.")
    assert publisher.assertion(award_id).status == 410
    assert publisher.baked_png(award_id).status == 410
    assert publisher.credential(award_id).status == 200  # its status list says revoked
    assert publisher.credential_png(award_id).status == 200
