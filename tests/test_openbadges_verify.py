"""Checking a badge as an employer or a school would: the genuine ones pass, and every kind of
forgery, revocation, expiry and garbage gets a clear no with the reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from openbadges import KeyRing, PublicUrls, baking, images, ob2, ob3, verify
from tests.openbadges_world import (
    CENTRE,
    NOW,
    ROBOTICS,
    URLS,
    Site,
    award,
    credential_jwt,
    keyring,
)

EMAIL = "ana.novak@example.org"


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parts(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    return (
        json.loads(base64.urlsafe_b64decode(header + "==")),
        json.loads(base64.urlsafe_b64decode(payload + "==")),
        signature,
    )


def _signed(header: dict, payload: dict, ring: KeyRing | None = None) -> str:
    """A JWS with a header of the test's choosing, signed by the key ring's current key."""
    ring = ring or keyring()
    key = ring._keys[ring.current_kid]
    return key.sign(header, json.dumps(payload).encode())


@pytest.fixture(scope="module")
def png() -> bytes:
    return images.generate("Robotski krožek", "Četrtni mladinski center Šiška")


@pytest.fixture
def genuine():
    facts = award()
    return facts, Site(keyring()).publish([facts])


def _reasons(verdict: verify.Verdict) -> str:
    return " | ".join(verdict.reasons)


# what passes --------------------------------------------------------------------------------
def test_a_learners_vc_jwt_verifies_and_names_the_badge_and_the_issuer(genuine):
    facts, site = genuine
    verdict = verify.verify(credential_jwt(facts), site, email=EMAIL, now=NOW)

    assert verdict.valid, verdict.reasons
    assert verdict.kind == "ob3-credential" and verdict.reasons == []
    assert verdict.facts["badge"] == "Robotski krožek / Robotics club"
    assert verdict.facts["issuer"] == "Četrtni mladinski center Šiška"
    assert [c.name for c in verdict.checks if c.ok] == [
        "format",
        "jose-header",
        "schema",
        "json-ld",
        "issuer-key",
        "signature",
        "claims",
        "dates",
        "revocation",
        "recipient",
    ]
    assert all(url.startswith(URLS.base_url) for url in site.asked)


def test_the_vc_jwt_mirrors_the_credential_in_its_claims_and_has_only_alg_and_kid(genuine):
    facts, _ = genuine
    header, payload, _ = _parts(credential_jwt(facts))
    credential = ob3.credential(CENTRE, ROBOTICS, facts, URLS)

    assert header == {"alg": "RS256", "kid": URLS.key(keyring().current_kid)}
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["nbf"] == int((NOW - timedelta(days=2)).timestamp())
    assert "exp" not in payload
    assert {k: v for k, v in payload.items() if k not in {"iss", "jti", "nbf", "sub"}} == credential
    expiring = award(expires=NOW + timedelta(days=10))
    assert _parts(credential_jwt(expiring))[1]["exp"] == int((NOW + timedelta(days=10)).timestamp())


def test_a_baked_png_of_either_kind_verifies(genuine, png):
    facts, site = genuine
    ob3_png = baking.bake(png, "openbadgecredential", credential_jwt(facts))
    ob2_png = baking.bake(png, "openbadges", json.dumps(ob2.assertion(ROBOTICS, facts, URLS)))

    for baked, kind in ((ob3_png, "ob3-credential"), (ob2_png, "ob2-assertion")):
        verdict = verify.verify(baked, site, email=EMAIL, now=NOW)
        assert verdict.valid, verdict.reasons
        assert verdict.kind == kind
        assert verdict.check("format").detail.startswith("a PNG baked with")


def test_a_hosted_assertion_url_verifies(genuine):
    facts, site = genuine
    verdict = verify.verify(URLS.assertion(facts.award_id), site, now=NOW)

    assert verdict.valid, verdict.reasons
    assert verdict.kind == "ob2-assertion"
    assert verdict.check("recipient").ok is None  # no e-mail given, nothing to compare
    assert verdict.facts["badge"] == "Robotski krožek / Robotics club"


def test_the_credential_url_serves_a_vc_jwt_that_verifies(genuine):
    facts, site = genuine

    verdict = verify.verify(URLS.credential(facts.award_id), site, now=NOW)

    assert verdict.valid and verdict.kind == "ob3-credential"


def test_an_anonymous_award_verifies_but_matches_no_email():
    facts = award(email=None)
    site = Site(keyring()).publish([facts])

    verdict = verify.verify(credential_jwt(facts), site, email=EMAIL, now=NOW)

    assert not verdict.valid
    assert "the credential names no e-mail address" in verdict.reasons
    assert verify.verify(credential_jwt(facts), site, now=NOW).valid


def test_the_wrong_email_address_is_told_so(genuine):
    facts, site = genuine
    assertion = json.dumps(ob2.assertion(ROBOTICS, facts, URLS))

    for data in (credential_jwt(facts), assertion):
        verdict = verify.verify(data, site, email="someone.else@example.org", now=NOW)
        assert not verdict.valid
        assert verdict.reasons == ["not awarded to that e-mail address"]
        assert verify.verify(data, site, email="  Ana.Novak@EXAMPLE.org", now=NOW).valid


# forgeries ----------------------------------------------------------------------------------
def test_a_tampered_credential_fails_its_signature(genuine):
    facts, site = genuine
    header, payload, signature = credential_jwt(facts).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["achievement"]["name"] = "Doktorat iz robotike"
    forged = f"{header}.{_b64(claims)}.{signature}"

    verdict = verify.verify(forged, site, now=NOW)

    assert not verdict.valid
    assert verdict.check("signature").ok is False
    assert "signature does not match" in _reasons(verdict)


def test_a_tampered_baked_assertion_differs_from_the_hosted_one(genuine, png):
    facts, site = genuine
    assertion = ob2.assertion(ROBOTICS, facts, URLS)
    assertion["issuedOn"] = "2020-01-01T00:00:00Z"  # claims an older award

    verdict = verify.verify(baking.bake(png, "openbadges", json.dumps(assertion)), site, now=NOW)

    assert not verdict.valid
    assert "the hosted copy differs from this one: it was altered" in verdict.reasons


def test_an_assertion_claiming_a_foreign_site_is_refused(genuine):
    facts, site = genuine
    assertion = ob2.assertion(ROBOTICS, facts, URLS)
    assertion["id"] = "https://evil.example/ob/assertions/a-0001"
    site.put(assertion["id"], assertion)

    verdict = verify.verify(json.dumps(assertion), site, now=NOW)

    assert not verdict.valid
    assert "the assertion is not hosted on the issuer's site" in verdict.reasons


def test_a_credential_signed_with_another_key_fails(genuine, tmp_path):
    facts, site = genuine
    intruder = KeyRing.open(tmp_path / "intruder")
    forged = _signed(_parts(credential_jwt(facts))[0], _parts(credential_jwt(facts))[1], intruder)

    verdict = verify.verify(forged, site, now=NOW)

    assert not verdict.valid and verdict.check("signature").ok is False


def test_a_key_outside_the_issuers_site_is_not_trusted(genuine, tmp_path):
    facts, site = genuine
    elsewhere = PublicUrls("https://keys.evil.example")
    intruder = KeyRing.open(tmp_path / "intruder")
    site.put(
        elsewhere.key(intruder.current_kid), intruder.public_jwk(intruder.current_kid, elsewhere)
    )
    forged = ob3.sign(ob3.credential(CENTRE, ROBOTICS, facts, URLS), intruder, elsewhere)

    verdict = verify.verify(forged, site, now=NOW)

    assert not verdict.valid
    assert verdict.check("issuer-key").ok is False
    assert "is not on the issuer's site" in _reasons(verdict)
    assert verdict.check("signature") is None  # never checked against an untrusted key


def test_extra_jose_headers_are_refused(genuine):
    facts, site = genuine
    header, payload, _ = _parts(credential_jwt(facts))

    for extra in ({"x5u": "https://evil.example/cert"}, {"jku": URLS.jwks()}, {"cty": "vc"}):
        verdict = verify.verify(_signed({**header, **extra}, payload), site, now=NOW)
        assert not verdict.valid
        assert verdict.check("jose-header").ok is False
        assert "headers OB 3.0 does not allow" in _reasons(verdict)
    tolerated = _signed({**header, "typ": "JWT"}, payload)  # the spec allows typ "JWT"
    assert verify.verify(tolerated, site, now=NOW).valid


def test_alg_none_and_hmac_are_refused(genuine):
    facts, site = genuine
    header, payload, _ = _parts(credential_jwt(facts))
    unsigned = f"{_b64({**header, 'alg': 'none'})}.{_b64(payload)}."
    jwk = keyring().public_jwk(keyring().current_kid, URLS)
    hs_header = _b64({**header, "alg": "HS256"})
    signing_input = f"{hs_header}.{_b64(payload)}".encode()
    mac = hmac.new(json.dumps(jwk).encode(), signing_input, hashlib.sha256).digest()
    hmac_signed = f"{signing_input.decode()}.{_b64(mac)}"

    for token, alg in ((unsigned, "none"), (hmac_signed, "HS256")):
        verdict = verify.verify(token, site, now=NOW)
        assert not verdict.valid
        assert verdict.reasons == [f"the signing algorithm {alg} is not accepted"]


def test_a_published_key_with_private_parts_is_refused(genuine):
    facts, site = genuine
    kid_url = URLS.key(keyring().current_kid)
    site.put(kid_url, {**keyring().public_jwk(keyring().current_kid, URLS), "d": "c2VjcmV0"})

    verdict = verify.verify(credential_jwt(facts), site, now=NOW)

    assert not verdict.valid
    assert "the published key includes private key material" in verdict.reasons


def test_claims_that_disagree_with_the_credential_are_refused(genuine):
    facts, site = genuine
    header, payload, _ = _parts(credential_jwt(facts))

    verdict = verify.verify(
        _signed(header, {**payload, "sub": "urn:uuid:someone-else"}), site, now=NOW
    )

    assert not verdict.valid
    assert verdict.reasons == ["the JWT's sub does not match the credential"]


def test_an_unsigned_credential_in_json_is_not_taken_on_trust(genuine):
    facts, site = genuine
    credential = json.dumps(ob3.credential(CENTRE, ROBOTICS, facts, URLS))

    verdict = verify.verify(credential, site, now=NOW)

    assert not verdict.valid
    assert "only VC-JWT credentials are checked" in _reasons(verdict)


# revoked, expired, not yet ------------------------------------------------------------------
def test_a_revoked_award_fails_with_the_reason_in_both_formats(png):
    facts = award(revoked=True, reason="Podeljena pomotoma")
    site = Site(keyring()).publish([facts, award("a-other", status_index=8)])

    ob3_verdict = verify.verify(credential_jwt(facts), site, now=NOW)
    ob2_verdict = verify.verify(
        baking.bake(png, "openbadges", json.dumps(ob2.assertion(ROBOTICS, facts, URLS))),
        site,
        now=NOW,
    )
    by_url = verify.verify(URLS.assertion(facts.award_id), site, now=NOW)

    assert not ob3_verdict.valid and ob3_verdict.reasons == ["revoked by the issuer"]
    assert not ob2_verdict.valid
    assert ob2_verdict.reasons == ["revoked by the issuer: Podeljena pomotoma"]
    assert not by_url.valid and by_url.reasons == ["revoked by the issuer: Podeljena pomotoma"]
    other = verify.verify(credential_jwt(award("a-other", status_index=8)), site, now=NOW)
    assert other.valid, other.reasons  # its neighbour in the status list still stands


def test_an_ob2_revocation_list_entry_is_enough_to_revoke():
    facts = award()
    site = Site(keyring()).publish([facts])
    revoked = award(revoked=True, reason="Goljufija")
    site.put(URLS.revocation_list(CENTRE.slug), ob2.revocation_list(CENTRE, [revoked], URLS))

    verdict = verify.verify(json.dumps(ob2.assertion(ROBOTICS, facts, URLS)), site, now=NOW)

    assert verdict.reasons == ["revoked by the issuer: Goljufija"]


def test_an_expired_award_fails_as_expired():
    facts = award(issued=NOW - timedelta(days=400), expires=NOW - timedelta(days=35))
    site = Site(keyring()).publish([facts])

    for data in (credential_jwt(facts), json.dumps(ob2.assertion(ROBOTICS, facts, URLS))):
        verdict = verify.verify(data, site, now=NOW)
        assert not verdict.valid
        assert verdict.reasons == ["expired on 2026-10-19T11:00:00+00:00"]
        assert verdict.check("dates").ok is False


def test_a_badge_from_the_future_is_not_valid_yet():
    facts = award(issued=NOW + timedelta(days=1))
    site = Site(keyring()).publish([facts])

    verdict = verify.verify(credential_jwt(facts), site, now=NOW)

    assert not verdict.valid
    assert verdict.reasons == ["not valid yet: validFrom is 2026-11-24T11:00:00+00:00"]


def test_when_the_status_cannot_be_read_the_badge_is_not_vouched_for(genuine):
    facts, site = genuine
    del site.documents[URLS.status_list(CENTRE.slug, 0)]

    verdict = verify.verify(credential_jwt(facts), site, now=NOW)

    assert not verdict.valid
    assert verdict.reasons == ["the status list answers HTTP 404; revocation unknown"]


def test_a_forged_status_list_is_not_believed(genuine, tmp_path):
    facts, site = genuine
    intruder = KeyRing.open(tmp_path / "intruder")
    status_url = URLS.status_list(CENTRE.slug, 0)
    header, payload, _ = _parts(site.documents[status_url][1].decode())
    site.documents[status_url] = (200, _signed(header, payload, intruder).encode())

    verdict = verify.verify(credential_jwt(facts), site, now=NOW)

    assert not verdict.valid
    assert "the status list cannot be trusted" in _reasons(verdict)


# images without a badge, and garbage -------------------------------------------------------
def test_a_plain_png_says_there_is_no_badge_in_it(png):
    verdict = verify.verify(png, lambda url: (404, {}, b""), now=NOW)

    assert not verdict.valid and verdict.kind == "unknown"
    assert verdict.reasons == ["no badge in it: the PNG is a plain image"]


def test_a_png_with_two_badges_is_refused(genuine, png):
    facts, site = genuine
    baked = baking.bake(png, "openbadgecredential", credential_jwt(facts))
    iend = baked[-12:]
    second = baking.itxt_chunk("openbadges", json.dumps(ob2.assertion(ROBOTICS, facts, URLS)))

    verdict = verify.verify(baked[:-12] + second + iend, site, now=NOW)

    assert not verdict.valid
    assert verdict.reasons == ["the image carries more than one badge; refusing to guess"]


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"\x00\xff\xfe garbage",
        "   ",
        "hello, is this a badge?",
        "{",
        "[1, 2, 3]",
        "{}",
        '{"type": "Assertion"}',
        "a.b.c",
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
        "e30.e30.e30",
        "https://nowhere.example/badge",
        "file:///etc/passwd",
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        42,
        None,
    ],
)
def test_garbage_gets_a_clear_verdict_never_an_exception(garbage):
    def fetch(url):
        return 404, {}, b""

    verdict = verify.verify(garbage, fetch, now=NOW)

    assert verdict.valid is False
    assert verdict.reasons and all(isinstance(r, str) and r for r in verdict.reasons)
    assert len(_reasons(verdict)) < 300


def test_a_fetcher_that_blows_up_is_a_reason_not_a_crash(genuine):
    facts, _ = genuine

    def broken(url):
        raise ConnectionError("no route to host")

    verdict = verify.verify(credential_jwt(facts), broken, now=NOW)

    assert not verdict.valid
    assert verdict.check("issuer-key").ok is False
    assert "could not be fetched (ConnectionError)" in _reasons(verdict)


# over real HTTP -----------------------------------------------------------------------------
def test_over_a_real_local_http_server_with_the_urllib_fetcher(png):
    documents: dict[str, tuple[int, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            code, body = documents.get(self.path, (404, b"not found"))
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        urls = PublicUrls(f"http://127.0.0.1:{server.server_port}")
        facts, gone = award(), award("a-gone", status_index=9, revoked=True, reason="Napaka")
        site = Site(keyring(), urls).publish([facts, gone])
        prefix = len(urls.base_url)
        documents.update({url[prefix:]: doc for url, doc in site.documents.items()})

        baked = baking.bake(png, "openbadgecredential", credential_jwt(facts, urls=urls))
        good = verify.verify(baked, verify.urllib_fetch, email=EMAIL, now=NOW)
        hosted = verify.verify(urls.assertion("a-0001"), verify.urllib_fetch, now=NOW)
        revoked = verify.verify(urls.assertion("a-gone"), verify.urllib_fetch, now=NOW)
    finally:
        server.shutdown()
        server.server_close()

    assert good.valid, good.reasons
    assert hosted.valid, hosted.reasons
    assert revoked.reasons == ["revoked by the issuer: Napaka"]


def test_a_naive_moment_is_read_as_utc_and_an_odd_recipient_hash_is_a_mismatch(genuine):
    facts, site = genuine
    assertion = ob2.assertion(ROBOTICS, facts, URLS)
    assertion["recipient"]["identity"] = "sha256$čšž"
    site.put(assertion["id"], assertion)

    assert verify.verify(credential_jwt(facts), site, now=NOW.replace(tzinfo=None)).valid
    verdict = verify.verify(json.dumps(assertion), site, email=EMAIL, now=NOW)
    assert verdict.reasons == ["not awarded to that e-mail address"]
