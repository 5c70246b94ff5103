"""Verifying an Open Badge as a relying party would: `verify(data_or_url, fetch, email=None)`.

Takes a baked PNG (either keyword), an OB 2.0 assertion's JSON, a hosted assertion's URL or an
OB 3.0 VC-JWT, and answers a `Verdict`; garbage gets `valid=False` and a reason, never an
exception. Every network read goes through the injected `fetch(url) -> (status, headers,
body)`, so tests use a fake or a local server and the CLI uses `urllib_fetch`.

OB 3.0 (VC-JWT): the OB 3.0 JSON schema; JSON-LD with the shipped contexts only; the JOSE
header (alg and kid, `typ` "JWT" tolerated, nothing else; no `none`, no HMAC); the issuer's key
fetched from `kid`, which must sit on the issuer's origin; the signature; the JWT claims against
the credential; the dates; the revocation status (a signed Bitstring Status List, or a
1EdTechRevocationList); the recipient's salted hash when an e-mail address is given.
OB 2.0 (hosted): the required fields and types; JSON-LD; the hosted copy fetched from the
assertion's id, equal to the one presented (410 Gone: revoked); the badge class and issuer; the
assertion's origin against the issuer's; the issuer's revocation list; the dates; the recipient.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from openbadges import baking
from openbadges.urls import origin
from openbadges.verdict import (
    KIND_OB2,
    KIND_OB3,
    KIND_UNKNOWN,
    MAX_BODY,
    Check,
    Fetch,
    Fetched,
    Problem,
    Run,
    Stop,
    Verdict,
    types_of,
)
from openbadges.verify_ob2 import gone_reason, verify_assertion
from openbadges.verify_ob3 import COMPACT_JWS, verify_credential

__all__ = [
    "KIND_OB2",
    "KIND_OB3",
    "KIND_UNKNOWN",
    "Check",
    "Fetch",
    "Fetched",
    "Verdict",
    "urllib_fetch",
    "verify",
]

ACCEPT = (
    "application/ld+json, application/json;q=0.9, application/vc+jwt;q=0.9, "
    "application/jwt;q=0.9, text/plain;q=0.5, */*;q=0.1"
)


def verify(
    data: bytes | str,
    fetch: Fetch,
    email: str | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Verify a badge: a baked PNG, an assertion's JSON or URL, or a VC-JWT (bytes or text)."""
    moment = now or datetime.now(UTC)
    run = Run(fetch, moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    try:
        _dispatch(run, data, email)
    except Stop:
        pass
    except Exception as error:  # garbage must give a verdict, never a traceback
        run.fail("internal", f"the verifier could not finish ({type(error).__name__})")
    return run.verdict()


# what was given ------------------------------------------------------------------------------
def _looks_like_url(text: str) -> bool:
    return bool(re.fullmatch(r"https?://\S+", text, re.IGNORECASE))


def _dispatch(run: Run, data: bytes | str, email: str | None) -> None:
    if isinstance(data, str):
        text = data.strip()
        if _looks_like_url(text):
            with run.step("format", fatal=True):
                response = run.fetch(text)
                if response.status == 410:
                    reason = gone_reason(response.body)
                    run.fail(
                        "revocation", f"revoked by the issuer{f': {reason}' if reason else ''}"
                    )
                    raise Stop
                if response.status != 200:
                    raise Problem(f"the address answers HTTP {response.status}")
            data = response.body
        else:
            data = text.encode("utf-8")
    if not isinstance(data, bytes | bytearray):
        raise run.stop("format", "give the badge as bytes or text")
    raw = bytes(data)
    if raw.startswith(baking.PNG_SIGNATURE):
        _dispatch_png(run, raw, email)
        return
    try:
        text = raw.decode("utf-8").strip().lstrip("\ufeff")
    except UnicodeDecodeError:
        raise run.stop("format", "not a badge: neither a PNG, JSON nor a VC-JWT") from None
    _dispatch_text(run, text, email, baked=None)


def _dispatch_png(run: Run, png: bytes, email: str | None) -> None:
    try:
        baked = baking.unbake(png)
    except baking.DuplicateBadge:
        raise run.stop(
            "format", "the image carries more than one badge; refusing to guess"
        ) from None
    except baking.BakingError as error:
        raise run.stop("format", f"the image is damaged: {error}") from None
    if baked is None:
        raise run.stop("format", "no badge in it: the PNG is a plain image")
    run.ok("format", f"a PNG baked with '{baked.keyword}'")
    _dispatch_text(run, baked.text.strip(), email, baked=baked.keyword)


def _dispatch_text(run: Run, text: str, email: str | None, baked: str | None) -> None:
    if COMPACT_JWS.fullmatch(text):
        if baked == baking.OB2_KEYWORD:
            raise run.stop("format", "a signed OB 2.0 badge; only hosted ones are checked")
        if baked is None:
            run.ok("format", "a VC-JWT")
        verify_credential(run, text, email)
        return
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            raise run.stop("format", "the text starts like JSON but is not JSON") from None
        if not isinstance(document, dict):
            raise run.stop("format", "the JSON is not an object")
        if "VerifiableCredential" in types_of(document):
            raise run.stop(
                "format",
                "a credential without a VC-JWT proof; only VC-JWT credentials are checked",
            )
        if not _looks_like_assertion(document):
            raise run.stop("format", "the JSON is not an Open Badges assertion or credential")
        if baked is None:
            run.ok("format", "an assertion in JSON")
        verify_assertion(run, document, email)
        return
    if baked == baking.OB2_KEYWORD and _looks_like_url(text):
        document = _fetch_document(run, text)
        verify_assertion(run, document, email)
        return
    if text.startswith("<"):
        raise run.stop("format", "baked SVG badges are not read; give the PNG, JSON or VC-JWT")
    raise run.stop("format", "not a badge: neither a baked PNG, an assertion, a URL nor a VC-JWT")


def _looks_like_assertion(document: dict[str, Any]) -> bool:
    declared = document.get("@context")
    named = declared if isinstance(declared, list) else [declared]
    return (
        "Assertion" in types_of(document)
        or any(isinstance(c, str) and "openbadges" in c for c in named)
        or {"recipient", "badge"} <= set(document)
    )


def _fetch_document(run: Run, url: str) -> dict[str, Any]:
    with run.step("hosted", fatal=True):
        document = run.fetch_json(url, "assertion")
        if not isinstance(document, dict):
            raise Problem("the hosted assertion is not a JSON object")
    return document


# the network --------------------------------------------------------------------------------
def urllib_fetch(url: str, timeout: float = 10.0) -> Fetched:
    """A fetcher for the command line: GET with urllib, http(s) only, bodies up to MAX_BODY."""
    if origin(url) is None:
        raise ValueError("only http(s) addresses are fetched")
    request = urllib.request.Request(
        url, headers={"Accept": ACCEPT, "User-Agent": "colbot-badge-verifier"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Fetched(response.status, dict(response.headers), _read(response))
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers or {}), _read(error))


def _read(stream: Any) -> bytes:
    body = stream.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise ValueError("the answer is too large")
    return body
