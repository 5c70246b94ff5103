"""Checking an OB 2.0 hosted assertion: its fields, its hosted copy, badge class and issuer, its
origin, the issuer's revocation list, the dates and the recipient.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from openbadges.model import normalise_email
from openbadges.urls import origin
from openbadges.verdict import (
    KIND_OB2,
    Problem,
    Run,
    check_dates,
    check_jsonld,
    date_of,
    hash_matches,
    ref_id,
    types_of,
)


# OB 2.0 -------------------------------------------------------------------------------------
def _need(document: dict[str, Any], name: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = document.get(name)
    if value is None:
        raise Problem(f"the {what} has no {name}")
    if not isinstance(value, kind):
        raise Problem(f"the {what}'s {name} is not of the right type")
    return value


def _need_type(document: dict[str, Any], wanted: str, what: str) -> None:
    if wanted not in types_of(document):
        raise Problem(f"the {what}'s type is not {wanted}")


def _assertion_shape(assertion: dict[str, Any]) -> None:
    _need(assertion, "@context", (str, list, dict), "assertion")
    _need_type(assertion, "Assertion", "assertion")
    if origin(_need(assertion, "id", str, "assertion")) is None:
        raise Problem("the assertion's id is not an http(s) URL")
    recipient = _need(assertion, "recipient", dict, "assertion")
    _need(recipient, "type", str, "recipient")
    _need(recipient, "identity", str, "recipient")
    _need(recipient, "hashed", bool, "recipient")
    if "salt" in recipient and not isinstance(recipient["salt"], str):
        raise Problem("the recipient's salt is not text")
    if ref_id(assertion.get("badge")) is None:
        raise Problem("the assertion has no badge")
    verification = _need(assertion, "verification", dict, "assertion")
    _need(verification, "type", str, "verification")
    date_of(assertion.get("issuedOn"), "issuedOn")
    if assertion.get("expires") is not None:
        date_of(assertion["expires"], "expires")
    evidence = assertion.get("evidence")
    if evidence is not None and not isinstance(evidence, str | dict | list):
        raise Problem("the assertion's evidence is not of the right type")


def _badge_class_shape(badge: dict[str, Any]) -> None:
    _need_type(badge, "BadgeClass", "badge class")
    _need(badge, "id", str, "badge class")
    _need(badge, "name", str, "badge class")
    _need(badge, "description", str, "badge class")
    if ref_id(badge.get("image")) is None:
        raise Problem("the badge class has no image")
    criteria = badge.get("criteria")
    if ref_id(criteria) is None and not (isinstance(criteria, dict) and criteria.get("narrative")):
        raise Problem("the badge class has no criteria")
    if ref_id(badge.get("issuer")) is None:
        raise Problem("the badge class has no issuer")


def _issuer_shape(issuer: dict[str, Any]) -> None:
    if not {"Issuer", "Profile"} & set(types_of(issuer)):
        raise Problem("the issuer's type is not Issuer")
    for name in ("id", "name", "url", "email"):
        _need(issuer, name, str, "issuer")


def _published(
    run: Run, reference: Any, what: str, shape: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """The document a reference (URL, or object with an id) points to, fetched and checked."""
    document = run.fetch_json(ref_id(reference) or "", what)
    if not isinstance(document, dict):
        raise Problem(f"the {what} is not a JSON object")
    shape(document)
    return document


def verify_assertion(run: Run, assertion: dict[str, Any], email: str | None) -> None:
    run.kind = KIND_OB2
    run.required = {"schema", "json-ld", "hosted", "badge", "issuer", "origin", "revocation"}
    with run.step("schema", fatal=True):
        _assertion_shape(assertion)
        run.ok("schema", "the assertion has every field OB 2.0 requires")
    check_jsonld(run, assertion)
    run.facts["id"] = assertion["id"]
    run.facts["issued"] = assertion["issuedOn"]
    if isinstance(assertion.get("expires"), str):
        run.facts["expires"] = assertion["expires"]

    revoked_reason: str | None = None
    with run.step("hosted", fatal=True):
        if assertion["verification"]["type"] not in {"hosted", "HostedBadge"}:
            raise Problem("only hosted verification is checked, not signed")
        response = run.fetch(assertion["id"])
        if response.status == 410:
            revoked_reason = gone_reason(response.body)
            run.ok("hosted", "the issuer still answers for the assertion (410 Gone)")
        elif response.status != 200:
            raise Problem(f"the hosted assertion answers HTTP {response.status}")
        else:
            try:
                hosted = json.loads(response.body)
            except ValueError:
                raise Problem("the hosted assertion is not JSON") from None
            if hosted != assertion:
                raise Problem("the hosted copy differs from this one: it was altered")
            if hosted.get("revoked") is True:
                revoked_reason = str(hosted.get("revocationReason") or "")
            run.ok("hosted", "the issuer's hosted copy is the same")

    with run.step("badge", fatal=True):
        badge = _published(run, assertion["badge"], "badge class", _badge_class_shape)
        run.facts["badge"] = badge["name"]
        run.ok("badge", "the badge class is published and complete")
    with run.step("issuer", fatal=True):
        issuer = _published(run, badge["issuer"], "issuer", _issuer_shape)
        run.facts["issuer"] = issuer["name"]
        run.ok("issuer", "the issuer profile is published and complete")
    with run.step("origin"):
        _check_ob2_origin(assertion["id"], issuer)
        run.ok("origin", "the assertion is hosted on the issuer's site")

    with run.step("revocation"):
        if revoked_reason is not None:
            raise Problem(f"revoked by the issuer{f': {revoked_reason}' if revoked_reason else ''}")
        reason = _ob2_revocation_list(run, issuer, assertion["id"])
        if reason is not None:
            raise Problem(f"revoked by the issuer{f': {reason}' if reason else ''}")
        run.ok("revocation", "not revoked")

    expires = date_of(assertion["expires"], "expires") if assertion.get("expires") else None
    check_dates(run, date_of(assertion["issuedOn"], "issuedOn"), expires, "issuedOn")
    _check_ob2_recipient(run, assertion["recipient"], email)


def gone_reason(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return ""
    reason = document.get("revocationReason") if isinstance(document, dict) else None
    return reason if isinstance(reason, str) else ""


def _check_ob2_origin(assertion_id: str, issuer: dict[str, Any]) -> None:
    verification = issuer.get("verification")
    allowed = verification.get("allowedOrigins") if isinstance(verification, dict) else None
    host = (origin(assertion_id) or "").split("://", 1)[-1]
    if allowed:
        hosts = [allowed] if isinstance(allowed, str) else list(allowed)
        if host in hosts:
            return
        raise Problem("the assertion is hosted outside the issuer's allowed origins")
    if origin(assertion_id) != origin(issuer["id"]):
        raise Problem("the assertion is not hosted on the issuer's site")


def _ob2_revocation_list(run: Run, issuer: dict[str, Any], assertion_id: str) -> str | None:
    """The revocation reason ('' when none is given) if the issuer's list names the assertion."""
    list_url = ref_id(issuer.get("revocationList"))
    if list_url is None:
        return None
    listing = run.fetch_json(list_url, "revocation list")
    entries = listing.get("revokedAssertions") if isinstance(listing, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if ref_id(entry) == assertion_id:
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            return reason if isinstance(reason, str) else ""
    return None


def _check_ob2_recipient(run: Run, recipient: dict[str, Any], email: str | None) -> None:
    if email is None:
        run.skip("recipient", "no e-mail address given to check the recipient against")
        return
    with run.step("recipient"):
        if recipient.get("type") != "email":
            raise Problem("the badge was not awarded to an e-mail address")
        wanted = normalise_email(email)
        identity = recipient["identity"]
        if recipient["hashed"]:
            matched = hash_matches(identity, wanted, str(recipient.get("salt") or ""))
        else:
            matched = normalise_email(identity) == wanted
        if not matched:
            raise Problem("not awarded to that e-mail address")
        run.ok("recipient", "awarded to that e-mail address")
