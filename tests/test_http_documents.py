"""What colbot publishes, fetched from a real HTTP service as verifiers, wallets and browsers
fetch it: each document at its own address with its media type, open to every origin, cached
sensibly; a revoked assertion is gone (410), an unknown or odd id is a small 404, never a trace."""

from __future__ import annotations

import json
import logging
import time

import httpx
import pytest

from bot.http.published import Published
from openbadges import baking
from tests.http_world import ACTIVE, REVOKED, published
from tests.openbadges_world import CENTRE, ROBOTICS

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
VERIFIER = "application/ld+json, application/json;q=0.9, */*;q=0.1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with published(tmp_path_factory.mktemp("keys")) as world:
        yield world


@pytest.fixture(scope="module")
def client(world):
    with httpx.Client(timeout=10) as client:
        yield client


def test_each_document_is_served_at_the_address_it_names_with_its_media_type(world, client):
    urls, ring = world.urls, world.publisher.keyring
    expected = {
        urls.issuer(CENTRE.slug): "application/ld+json",
        urls.revocation_list(CENTRE.slug): "application/ld+json",
        urls.badge_class(ROBOTICS.badge_id): "application/ld+json",
        urls.assertion(ACTIVE): "application/ld+json",
        urls.credential(ACTIVE): "application/vc+jwt",
        urls.status_list(CENTRE.slug, 0): "application/vc+jwt",
        urls.jwks(): "application/json",
        urls.key(ring.current_kid): "application/json",
        urls.image(ROBOTICS.badge_id, "png"): "image/png",
        urls.baked_png(ACTIVE): "image/png",
        urls.credential_png(ACTIVE): "image/png",
    }
    for url, media_type in expected.items():
        answer = client.get(url, headers={"Accept": VERIFIER})
        assert answer.status_code == 200, url
        assert answer.headers["content-type"] == media_type, url
        assert answer.headers["access-control-allow-origin"] == "*", url
        assert answer.headers["x-content-type-options"] == "nosniff"
        if media_type == "application/ld+json":
            assert answer.json()["id"] == url  # each JSON-LD document lives at its own id
    assertion = client.get(urls.assertion(ACTIVE), headers={"Accept": VERIFIER}).json()
    assert assertion["badge"] == urls.badge_class(ROBOTICS.badge_id)
    baked = baking.unbake(client.get(urls.baked_png(ACTIVE)).content)
    assert baked is not None and json.loads(baked.text)["id"] == urls.assertion(ACTIVE)
    assert client.get(urls.jwks()).json()["keys"][0]["kid"] == urls.key(ring.current_kid)


def test_a_revoked_assertion_answers_410_gone_and_says_why(world, client):
    answer = client.get(world.urls.assertion(REVOKED), headers={"Accept": VERIFIER})
    assert answer.status_code == 410
    assert answer.headers["content-type"] == "application/ld+json"
    assert answer.json()["revoked"] is True
    assert answer.json()["revocationReason"] == "Podeljena pomotoma."
    assert answer.headers["cache-control"] == "public, max-age=60"
    listing = client.get(world.urls.revocation_list(CENTRE.slug)).json()
    assert [entry["id"] for entry in listing["revokedAssertions"]] == [
        world.urls.assertion(REVOKED)
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/ob/assertions/a-9999",  # no such award
        "/ob/credentials/a-9999",
        "/ob/assertions/a-9999/badge.png",
        "/badges-nowhere",
        "/ob/assertions/..",
        "/ob/assertions/%2e%2e",
        "/ob/assertions/a%00b",
        "/ob/assertions/" + "x" * 129,  # longer than any id
        "/ob/assertions/%C5%BEaba",  # not an id's characters
        "/ob/assertions/a-0001/",  # one address per thing
        "/ob/issuers/mc-siska/status/007",  # a list number is written one way
        "/ob/issuers/mc-siska/status/-1",
        "/ob/issuers/mc-siska/status/99999999999",
        "/ob/issuers/nobody",
        "/ob/badges/robotski-krozek/image.svg",  # it is a PNG badge
        "/ob/badges/robotski-krozek/image.gif",
        "/ob/keys/no-such-key",
    ],
)
def test_unknown_and_odd_ids_get_a_small_json_404(world, client, path):
    answer = client.get(world.base + path, headers={"Accept": VERIFIER})
    assert answer.status_code == 404
    assert answer.json() == {"error": "not found"}
    assert answer.headers["cache-control"] == "no-store"


def test_a_browser_opening_an_assertion_is_sent_to_the_public_page(world, client):
    url = world.urls.assertion(ACTIVE)
    answer = client.get(url, headers={"Accept": BROWSER})
    assert answer.status_code == 303
    assert answer.headers["location"] == world.urls.public_page(ACTIVE)
    assert answer.headers["vary"] == "Accept"
    page = client.get(url, headers={"Accept": BROWSER}, follow_redirects=True)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    # every other client gets the JSON-LD: a verifier, curl, a client that names no type
    for accept in (VERIFIER, "*/*", "application/json", "", "text/html;q=0.5, */*"):
        answer = client.get(url, headers={"Accept": accept})
        assert answer.status_code == 200, accept
        assert answer.headers["content-type"] == "application/ld+json"
        assert answer.headers["vary"] == "Accept"
    # the page's own "JSON-LD" link shows the document in a browser
    raw = client.get(url + "?format=json", headers={"Accept": BROWSER})
    assert raw.status_code == 200 and raw.json()["id"] == url


def test_head_answers_the_headers_alone(world, client):
    for url in (world.urls.assertion(ACTIVE), world.urls.public_page(ACTIVE)):
        full = client.get(url, headers={"Accept": VERIFIER})
        head = client.head(url, headers={"Accept": VERIFIER})
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == full.headers["content-length"]
        assert head.headers["content-type"] == full.headers["content-type"]
        assert head.headers["etag"] == full.headers["etag"]
    assert client.head(world.urls.assertion("a-9999")).status_code == 404
    assert (
        client.head(world.urls.assertion(REVOKED), headers={"Accept": VERIFIER}).status_code == 410
    )


def test_caches_keep_images_long_and_what_revocation_changes_briefly(world, client):
    urls = world.urls
    lifetimes = {
        urls.assertion(ACTIVE): "public, max-age=60",
        urls.credential(ACTIVE): "public, max-age=60",
        urls.status_list(CENTRE.slug, 0): "public, max-age=60",
        urls.revocation_list(CENTRE.slug): "public, max-age=60",
        urls.public_page(ACTIVE): "public, max-age=60",
        urls.issuer(CENTRE.slug): "public, max-age=3600",
        urls.badge_class(ROBOTICS.badge_id): "public, max-age=3600",
        urls.image(ROBOTICS.badge_id, "png"): "public, max-age=86400",
        urls.baked_png(ACTIVE): "public, max-age=86400",
    }
    for url, lifetime in lifetimes.items():
        assert client.get(url, headers={"Accept": VERIFIER}).headers["cache-control"] == lifetime
    first = client.get(urls.assertion(ACTIVE), headers={"Accept": VERIFIER})
    again = client.get(
        urls.assertion(ACTIVE), headers={"Accept": VERIFIER, "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    changed = client.get(
        urls.assertion(ACTIVE), headers={"Accept": VERIFIER, "If-None-Match": '"other"'}
    )
    assert changed.status_code == 200


def test_a_wallet_in_a_browser_may_ask_first_cors_preflight(world, client):
    answer = client.options(
        world.urls.assertion(ACTIVE),
        headers={"Origin": "https://wallet.example", "Access-Control-Request-Method": "GET"},
    )
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "GET" in answer.headers["access-control-allow-methods"]


def test_documents_cannot_be_written_to(world, client):
    answer = client.post(world.urls.assertion(ACTIVE), content=b"{}")
    assert answer.status_code == 405
    assert answer.json() == {"error": "method not allowed"}


def test_healthz_says_ok(world, client):
    answer = client.get(world.base + "/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def access_lines(caplog, count: int) -> list[str]:
    deadline = time.monotonic() + 5
    while True:
        lines = [r.getMessage() for r in caplog.records if r.name == "colbot.http.access"]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


def test_the_access_log_names_routes_not_awards_or_queries(world, client, caplog):
    logging.getLogger("colbot.http.access").setLevel(logging.INFO)
    try:
        with caplog.at_level(logging.INFO, logger="colbot.http.access"):
            client.get(world.urls.assertion(ACTIVE) + "?email=ana@example.org")
            client.get(world.urls.public_page(ACTIVE) + "?lang=en")
            client.get(world.base + "/ob/assertions/ana.novak@example.org/x")
            lines = access_lines(caplog, 3)  # a line is written once the answer has gone out
    finally:
        logging.getLogger("colbot.http.access").setLevel(logging.NOTSET)
    assert len(lines) == 3
    assert lines[0].startswith("GET /ob/assertions/{award_id} 200 ")
    assert lines[1].startswith("GET /badges/{award_id} 200 ")
    assert lines[2].startswith("GET (no route) 404 ")
    assert not any(ACTIVE in line or "ana" in line or "lang" in line for line in lines)


def test_the_publishers_own_headers_win(world, client, monkeypatch):
    own = Published(
        200, "application/json", b'{"keys": []}', {"etag": '"v7"', "Cache-Control": "no-cache"}
    )
    monkeypatch.setattr(world.publisher, "jwks", lambda: own)
    answer = client.get(world.urls.jwks())
    assert answer.headers["etag"] == '"v7"' and answer.headers["cache-control"] == "no-cache"
    assert answer.headers.get_list("etag") == ['"v7"']
    assert client.get(world.urls.jwks(), headers={"If-None-Match": '"v7"'}).status_code == 304
