"""What colbot publishes for a badge is what the Open Badges specs ask for: the OB 3.0 JSON schema
passes, every document expands as JSON-LD with the shipped contexts (no term dropped, no context
fetched), and the learner appears only as a salted hash."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pyld import jsonld

from openbadges import BadgeDefinition, Bilingual, Recipient, ob2, ob3, status
from openbadges.contexts import (
    OB2_CONTEXT,
    OB3_CONTEXT,
    VC2_CONTEXT,
    credential_schema_errors,
    document_loader,
    dropped_terms,
    expand,
)
from openbadges.model import hash_identity
from tests.openbadges_world import CENTRE, NOW, ROBOTICS, URLS, award

OB = "https://w3id.org/openbadges#"
VC = "https://www.w3.org/2018/credentials#"


def test_an_award_becomes_an_openbadgecredential_that_fits_the_ob3_schema():
    credential = ob3.credential(CENTRE, ROBOTICS, award(expires=NOW + timedelta(days=365)), URLS)

    assert credential_schema_errors(credential) == []
    assert credential["@context"] == [VC2_CONTEXT, OB3_CONTEXT]
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(credential["type"])
    issuer = credential["issuer"]
    assert issuer["type"] == ["Profile"]
    assert (issuer["id"], issuer["name"], issuer["url"], issuer["email"]) == (
        URLS.issuer("mc-siska"),
        "Četrtni mladinski center Šiška",
        "https://www.mc-siska.example",
        "info@mc-siska.example",
    )
    assert issuer["address"] == {"type": ["Address"], "addressLocality": "Ljubljana"}  # its city
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["id"].startswith("urn:uuid:")
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["id"] == URLS.badge_class("robotski-krozek")
    assert achievement["name"] == "Robotski krožek / Robotics club"
    assert achievement["criteria"]["narrative"].startswith("Udeležba na osmih srečanjih.")
    assert achievement["image"] == {"id": URLS.image("robotski-krozek"), "type": "Image"}
    assert credential["validFrom"] == "2026-11-21T11:00:00Z"
    assert credential["validUntil"] == "2027-11-23T11:00:00Z"
    assert credential["evidence"][0]["type"] == ["Evidence"]


def test_the_schema_check_notices_what_is_missing():
    credential = ob3.credential(CENTRE, ROBOTICS, award(), URLS)
    del credential["credentialSubject"]["achievement"]["criteria"]
    credential["issuer"]["type"] = "Profile"  # the schema wants an array

    errors = credential_schema_errors(credential)

    assert any("criteria" in error for error in errors)
    assert any(error.startswith("issuer.type") for error in errors)


def test_the_recipient_is_a_salted_hash_that_reveals_nothing():
    facts = award(email="Ana.Novak@Example.org ")
    published = json.dumps(
        [ob3.credential(CENTRE, ROBOTICS, facts, URLS), ob2.assertion(ROBOTICS, facts, URLS)]
    )

    assert "novak" not in published.lower() and "example.org" not in published
    identity = ob3.credential(CENTRE, ROBOTICS, facts, URLS)["credentialSubject"]["identifier"]
    assert identity == [
        {
            "type": "IdentityObject",
            "identityHash": hash_identity("ana.novak@example.org", facts.recipient.salt),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": facts.recipient.salt,
        }
    ]
    recipient = ob2.assertion(ROBOTICS, facts, URLS)["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    assert recipient["identity"].startswith("sha256$") and len(recipient["identity"]) == 71
    assert facts.recipient.matches_email("ana.novak@example.org")
    assert not facts.recipient.matches_email("someone@example.org")


def test_without_an_email_the_identity_is_the_awards_own_random_urn():
    first, second = Recipient.new(None), Recipient.new(None)

    assert first.identity_type == "url" and first.subject_id.startswith("urn:uuid:")
    assert first.identity_hash == hash_identity(first.subject_id, first.salt)
    assert first.subject_id != second.subject_id and first.salt != second.salt
    assert first.salt not in repr(first) and first.identity_hash not in repr(first)


def test_the_ob2_documents_are_hosted_json_ld_with_every_required_field():
    facts = award(expires=NOW + timedelta(days=30))
    issuer = ob2.issuer(CENTRE, URLS)
    badge = ob2.badge_class(CENTRE, ROBOTICS, URLS)
    assertion = ob2.assertion(ROBOTICS, facts, URLS)

    for document in (issuer, badge, assertion):
        assert document["@context"] == OB2_CONTEXT == "https://w3id.org/openbadges/v2"
    assert {"id", "type", "name", "url", "email"} <= set(issuer)
    assert issuer["revocationList"] == URLS.revocation_list("mc-siska")
    assert badge["issuer"] == issuer["id"] and badge["image"] == URLS.image("robotski-krozek")
    assert assertion["badge"] == badge["id"]
    assert assertion["verification"] == {"type": "hosted"}
    assert assertion["issuedOn"] == "2026-11-21T11:00:00Z"
    assert assertion["expires"] == "2026-12-23T11:00:00Z"
    assert assertion["evidence"] == [
        {"type": "Evidence", "id": "https://www.mc-siska.example/robot", "narrative": "Robot Žiga"}
    ]


def test_a_revoked_assertion_is_gone_with_its_reason_and_on_the_revocation_list():
    facts = award(revoked=True, reason="Podeljena pomotoma")

    code, body = ob2.hosted_assertion(ROBOTICS, facts, URLS)
    listing = ob2.revocation_list(CENTRE, [facts], URLS)

    assert code == 410
    assert body["revoked"] is True and body["revocationReason"] == "Podeljena pomotoma"
    assert "recipient" not in body
    assert listing["revokedAssertions"] == [
        {"id": URLS.assertion("a-0001"), "revocationReason": "Podeljena pomotoma"}
    ]
    assert status.award_status(facts, NOW) is status.AwardStatus.REVOKED
    assert ob2.hosted_assertion(ROBOTICS, award(), URLS)[0] == 200
    assert status.award_status(award(), NOW) is status.AwardStatus.ACTIVE
    lapsed = award(issued=NOW - timedelta(days=40), expires=NOW - timedelta(days=1))
    assert status.award_status(lapsed, NOW) is status.AwardStatus.EXPIRED


def _published():
    facts = award(expires=NOW + timedelta(days=30), revoked=True, reason="napaka")
    return {
        "OB 2.0 issuer": ob2.issuer(CENTRE, URLS),
        "OB 2.0 badge class": ob2.badge_class(CENTRE, ROBOTICS, URLS),
        "OB 2.0 assertion": ob2.assertion(ROBOTICS, facts, URLS),
        "OB 2.0 revoked assertion": ob2.revoked_assertion(facts, URLS),
        "OB 2.0 revocation list": ob2.revocation_list(CENTRE, [facts], URLS),
        "OB 3.0 credential": ob3.credential(CENTRE, ROBOTICS, facts, URLS),
        "status list": status.status_list_credential(CENTRE, 0, [7], URLS, NOW),
    }


@pytest.mark.parametrize("name", list(_published()))
def test_every_published_document_expands_as_json_ld_with_no_term_dropped(name):
    document = _published()[name]

    assert dropped_terms(document) == []
    assert expand(document)


def test_json_ld_expansion_gives_the_spec_vocabulary():
    credential = ob3.credential(CENTRE, ROBOTICS, award(), URLS)
    [node] = expand(credential)

    assert "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential" in node["@type"]
    assert f"{VC}credentialSubject" in node and f"{VC}validFrom" in node
    [assertion] = expand(ob2.assertion(ROBOTICS, award(), URLS))
    assert assertion["@type"] == [f"{OB}Assertion"]
    assert assertion[f"{OB}verify"][0]["@type"] == [f"{OB}HostedBadge"]


def test_a_term_no_context_defines_is_noticed():
    credential = ob3.credential(CENTRE, ROBOTICS, award(), URLS)
    credential["favouriteColour"] = "zelena"
    credential["credentialSubject"]["shoeSize"] = 42

    assert dropped_terms(credential) == ["credentialSubject.shoeSize", "favouriteColour"]


def test_the_document_loader_never_fetches_an_unknown_context():
    with pytest.raises(jsonld.JsonLdError):
        document_loader("https://example.org/my-context.json")
    with pytest.raises(jsonld.JsonLdError):
        expand({"@context": "https://example.org/my-context.json", "name": "x"})


def test_the_status_list_is_long_enough_and_marks_exactly_the_revoked_awards():
    listing = status.status_list_credential(CENTRE, 0, [7, 200_000, 131_071], URLS, NOW)
    bits = status.decode(listing["credentialSubject"]["encodedList"])

    assert len(bits) * 8 == status.LIST_SIZE == 131_072
    assert [i for i in range(status.LIST_SIZE) if status.is_set(bits, i)] == [7, 131_071]
    assert listing["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listing["credentialSubject"]["statusPurpose"] == "revocation"
    assert bits[0] == 0b0000_0001  # the left-most bit is index 0
    entry = ob3.credential(CENTRE, ROBOTICS, award(status_index=131_072 + 5), URLS)[
        "credentialStatus"
    ]
    assert entry == {
        "id": URLS.status_list("mc-siska", 1) + "#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": URLS.status_list("mc-siska", 1),
    }


def test_a_bilingual_badge_names_both_languages_and_a_one_language_badge_says_which():
    only_slovenian = BadgeDefinition(
        "sah",
        Bilingual(sl="Šahovski krožek"),
        Bilingual(sl="Osnove šaha."),
        Bilingual(sl="Odigral je deset partij."),
    )
    achievement = ob3.achievement(only_slovenian, URLS)

    assert achievement["name"] == "Šahovski krožek" and achievement["inLanguage"] == "sl"
    assert "inLanguage" not in ob3.achievement(ROBOTICS, URLS)
    assert ob2.badge_class(CENTRE, ROBOTICS, URLS)["description"] == (
        "Zgradil je robota in ga naučil slediti črti.\n\nBuilt a robot that follows a line."
    )
    with pytest.raises(ValueError):
        Bilingual(sl=" ", en=None)


def test_public_urls_refuse_ids_that_would_escape_their_path():
    assert URLS.assertion("a-0001") == "https://badges.colbot.example/ob/assertions/a-0001"
    assert (
        URLS.key("20261123-ab12cd34") == "https://badges.colbot.example/ob/keys/20261123-ab12cd34"
    )
    for bad in ("../keys", "a/b", "", "x?y", "..", "č"):
        with pytest.raises(ValueError):
            URLS.assertion(bad)
