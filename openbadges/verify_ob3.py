"""Checking an OB 3.0 OpenBadgeCredential in its VC-JWT: the JOSE header, the issuer's key and
its origin, the signature, the claims, the dates, the revocation status and the recipient.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urldefrag

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import import_key

from openbadges import contexts, status
from openbadges.model import normalise_email
from openbadges.urls import origin
from openbadges.verdict import (
    KIND_OB3,
    Problem,
    Run,
    b64json,
    check_dates,
    check_jsonld,
    clip,
    date_of,
    hash_matches,
    ref_id,
    types_of,
)

ALGORITHMS = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
}
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384"}
_JOSE_HEADERS = {"alg", "kid", "typ"}
_JWT_CLAIMS = {"iss", "jti", "nbf", "sub", "exp", "iat", "aud"}
_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
COMPACT_JWS = re.compile(
    r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
)  # `none` has no signature


# OB 3.0 -------------------------------------------------------------------------------------
def _jose_header(token: str) -> dict[str, Any]:
    header = b64json(token.split(".")[0], "JOSE header")
    if not isinstance(header, dict):
        raise Problem("the JOSE header is not a JSON object")
    extra = sorted(set(header) - _JOSE_HEADERS)
    if extra:
        raise Problem(f"the JOSE header has headers OB 3.0 does not allow: {', '.join(extra)}")
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise Problem("the JOSE header names no signing algorithm")
    if alg not in ALGORITHMS:
        raise Problem(f"the signing algorithm {clip(alg, 20)} is not accepted")
    if "typ" in header and header["typ"] != "JWT":
        raise Problem("the JOSE header's typ is not 'JWT'")
    if not isinstance(header.get("kid"), str):
        raise Problem("the JOSE header has no kid naming the issuer's key")
    return header


def _credential_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The credential in a JWT payload: the payload itself (OB 3.0), or its `vc` claim."""
    if isinstance(payload.get("vc"), dict):
        return payload["vc"]
    return {key: value for key, value in payload.items() if key not in _JWT_CLAIMS}


def _issuer_id(credential: dict[str, Any]) -> str:
    found = ref_id(credential.get("issuer"))
    if found is None:
        raise Problem("the credential names no issuer id")
    return found


def _public_key(run: Run, header: dict[str, Any], issuer_id: str) -> Any:
    """The key `kid` points to, after checking it belongs to the issuer's origin."""
    kid, alg = header["kid"], header["alg"]
    issuer_origin = origin(issuer_id)
    if issuer_origin is None:
        raise Problem("the issuer's id is not an http(s) URL, so no key can be tied to it")
    if origin(kid) != issuer_origin:
        raise Problem(f"the signing key {clip(kid)} is not on the issuer's site ({issuer_origin})")
    document = run.fetch_json(kid, "signing key")
    if isinstance(document, dict) and isinstance(document.get("keys"), list):
        fragment = urldefrag(kid).fragment
        wanted = {kid, fragment} - {""}
        matching = [k for k in document["keys"] if isinstance(k, dict) and k.get("kid") in wanted]
        if len(matching) != 1:
            raise Problem("the key set at kid has no single key with that kid")
        document = matching[0]
    if not isinstance(document, dict) or not isinstance(document.get("kty"), str):
        raise Problem("kid does not lead to a JWK")
    if set(document) & _PRIVATE_MEMBERS:
        raise Problem("the published key includes private key material")
    if document["kty"] != ALGORITHMS[alg]:
        raise Problem(f"the key is {document['kty']}, which cannot verify {alg}")
    if alg in _EC_CURVES and document.get("crv") != _EC_CURVES[alg]:
        raise Problem(f"the key's curve does not fit {alg}")
    try:
        key = import_key(document, document["kty"])
    except (JoseError, ValueError, TypeError):
        raise Problem("the published key cannot be read") from None
    if document["kty"] == "RSA" and key.raw_value.key_size < 2048:
        raise Problem("the RSA key is shorter than 2048 bits")
    return key


def _verify_signature(token: str, key: Any, alg: str) -> None:
    try:
        jws.deserialize_compact(token, key, algorithms=[alg])
    except (JoseError, ValueError):
        raise Problem(
            "the signature does not match: the credential was altered or not signed by this key"
        ) from None


def _signed_payload(run: Run, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a VC-JWT whose signature checks out against its issuer's key.

    For status lists: one problem for everything, no separate checks recorded.
    """
    header = _jose_header(token)
    payload = b64json(token.split(".")[1], "JWT payload")
    if not isinstance(payload, dict):
        raise Problem("the JWT payload is not a JSON object")
    key = _public_key(run, header, _issuer_id(_credential_of(payload)))
    _verify_signature(token, key, header["alg"])
    return header, payload


def verify_credential(run: Run, token: str, email: str | None) -> None:
    run.kind = KIND_OB3
    run.required = {"signature", "issuer-key", "claims", "revocation", "schema", "json-ld"}
    with run.step("jose-header", fatal=True):
        header = _jose_header(token)
        run.ok("jose-header", f"alg {header['alg']} and a kid, nothing else")
    with run.step("format", fatal=True):
        payload = b64json(token.split(".")[1], "JWT payload")
        if not isinstance(payload, dict):
            raise Problem("the JWT payload is not a JSON object")
    credential = _credential_of(payload)
    _ob3_facts(run, credential)

    with run.step("schema"):
        errors = contexts.credential_schema_errors(credential)
        if errors:
            raise Problem("it breaks the OB 3.0 schema: " + "; ".join(errors[:3]))
        run.ok("schema", "fits the OB 3.0 AchievementCredential schema")
    check_jsonld(run, credential)

    with run.step("issuer-key", fatal=True):
        key = _public_key(run, header, _issuer_id(credential))
        run.ok("issuer-key", f"the key {clip(header['kid'])} is on the issuer's site")
    with run.step("signature", fatal=True):
        _verify_signature(token, key, header["alg"])
        run.ok("signature", f"the {header['alg']} signature checks out")

    _check_claims(run, payload, credential)
    start = end = None
    with run.step("dates"):
        start = date_of(credential.get("validFrom"), "validFrom")
        if credential.get("validUntil") is not None:
            end = date_of(credential["validUntil"], "validUntil")
    if start is not None:
        check_dates(run, start, end, "validFrom")
    _check_ob3_status(run, credential)
    _check_ob3_recipient(run, credential, email)


def _ob3_facts(run: Run, credential: dict[str, Any]) -> None:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    issuer = credential.get("issuer")
    for name, value in (
        ("badge", achievement.get("name") if isinstance(achievement, dict) else None),
        ("issuer", issuer.get("name") if isinstance(issuer, dict) else issuer),
        ("issued", credential.get("validFrom")),
        ("expires", credential.get("validUntil")),
        ("id", credential.get("id")),
    ):
        if isinstance(value, str):
            run.facts[name] = value


def _check_claims(run: Run, payload: dict[str, Any], credential: dict[str, Any]) -> None:
    with run.step("claims"):
        subject = credential.get("credentialSubject")
        expected = {
            "iss": _issuer_id(credential),
            "jti": credential.get("id"),
            "sub": subject.get("id") if isinstance(subject, dict) else None,
        }
        for claim, value in expected.items():
            if payload.get(claim) is None:
                raise Problem(f"the JWT has no {claim} claim")
            if payload[claim] != value:
                raise Problem(f"the JWT's {claim} does not match the credential")
        for claim, prop in (("nbf", "validFrom"), ("exp", "validUntil")):
            if claim not in payload and (claim == "nbf" or prop in credential):
                raise Problem(f"the JWT has no {claim} claim")
            if claim in payload:
                moment = payload[claim]
                if not isinstance(moment, int | float) or isinstance(moment, bool):
                    raise Problem(f"the JWT's {claim} is not a NumericDate")
                if prop not in credential:
                    raise Problem(f"the JWT has {claim} but the credential no {prop}")
                if int(moment) != int(date_of(credential[prop], prop).timestamp()):
                    raise Problem(f"the JWT's {claim} does not match the credential's {prop}")
        run.ok("claims", "iss, jti, sub, nbf and exp mirror the credential")


def _check_ob3_status(run: Run, credential: dict[str, Any]) -> None:
    entries = credential.get("credentialStatus")
    if entries is None:
        run.ok("revocation", "the credential carries no revocation status")
        return
    with run.step("revocation"):
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                raise Problem("the credentialStatus is not an object")
            kinds = types_of(entry)
            if "BitstringStatusListEntry" in kinds:
                _check_bitstring(run, entry, credential)
            elif "1EdTechRevocationList" in kinds:
                _check_revocation_list(run, entry, credential)
            else:
                raise Problem(f"the status method {', '.join(kinds) or '?'} is not read")
        run.ok("revocation", "not revoked (the issuer's signed status list says so)")


def _check_bitstring(run: Run, entry: dict[str, Any], credential: dict[str, Any]) -> None:
    purpose = entry.get("statusPurpose")
    list_url = entry.get("statusListCredential")
    try:
        index = int(entry.get("statusListIndex"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Problem("the statusListIndex is not a number") from None
    if not isinstance(list_url, str) or index < 0 or not isinstance(purpose, str):
        raise Problem("the credentialStatus lacks its list, index or purpose")
    response = run.fetch(list_url)
    if response.status != 200:
        raise Problem(f"the status list answers HTTP {response.status}; revocation unknown")
    token = response.body.decode("utf-8", "replace").strip()
    if not COMPACT_JWS.fullmatch(token):
        raise Problem("the status list is not a signed VC-JWT; revocation unknown")
    try:
        _, payload = _signed_payload(run, token)
    except Problem as problem:
        raise Problem(f"the status list cannot be trusted: {problem}") from None
    listing = _credential_of(payload)
    if origin(_issuer_id(listing)) != origin(_issuer_id(credential)):
        raise Problem("the status list was issued by someone other than the badge's issuer")
    if "BitstringStatusListCredential" not in types_of(listing):
        raise Problem("the status list is not a BitstringStatusListCredential")
    if (
        listing.get("validUntil") is not None
        and date_of(listing["validUntil"], "validUntil") <= run.now
    ):
        raise Problem("the status list has expired; revocation unknown")
    subject = listing.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
        raise Problem("the status list is for another purpose")
    try:
        bits = status.decode(str(subject.get("encodedList", "")))
        if len(bits) * 8 < status.LIST_SIZE:
            raise Problem("the status list is shorter than 131,072 entries")
        revoked = status.is_set(bits, index)
    except ValueError as error:
        raise Problem(f"the status list cannot be read: {error}") from None
    if revoked:
        raise Problem("revoked by the issuer" if purpose == "revocation" else f"{purpose}: set")


def _check_revocation_list(run: Run, entry: dict[str, Any], credential: dict[str, Any]) -> None:
    list_url = entry.get("id")
    if not isinstance(list_url, str):
        raise Problem("the revocation list has no id")
    listing = run.fetch_json(list_url, "revocation list")
    revoked = listing.get("revokedCredential") if isinstance(listing, dict) else None
    for item in revoked if isinstance(revoked, list) else []:
        if not isinstance(item, dict) or item.get("id") != credential.get("id"):
            continue
        if item.get("revoked", True) is not False:
            reason = item.get("revocationReason")
            raise Problem(
                f"revoked by the issuer{f': {reason}' if isinstance(reason, str) else ''}"
            )


def _check_ob3_recipient(run: Run, credential: dict[str, Any], email: str | None) -> None:
    if email is None:
        run.skip("recipient", "no e-mail address given to check the recipient against")
        return
    with run.step("recipient"):
        subject = credential.get("credentialSubject")
        found = subject.get("identifier") if isinstance(subject, dict) else None
        identities = found if isinstance(found, list) else [found]
        emails = [
            i for i in identities if isinstance(i, dict) and i.get("identityType") == "emailAddress"
        ]
        if not emails:
            raise Problem("the credential names no e-mail address")
        wanted = normalise_email(email)
        for identity in emails:
            value = str(identity.get("identityHash", ""))
            if identity.get("hashed") is True:
                if hash_matches(value, wanted, str(identity.get("salt") or "")):
                    run.ok("recipient", "awarded to that e-mail address")
                    return
            elif normalise_email(value) == wanted:
                run.ok("recipient", "awarded to that e-mail address")
                return
        raise Problem("not awarded to that e-mail address")
