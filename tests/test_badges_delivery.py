"""What the chat is given of an award and of evidence: the baked badge with its addresses (not
once revoked, nor to someone else), the learner's own exports, a file name and LinkedIn's form,
evidence refused for a reason the chat can word, the reviewers of evidence and a rejection's
reason."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from access.policy import Actor
from actions.messages import BADGES_ISSUED_AGAIN, BadgeEarned, Notice
from badges.claims import ClaimStatus, evidence_of_text, evidence_problem, reason_problem
from badges.delivery import file_name, is_public, linkedin_url
from badges.problems import AlreadyRevoked, BadInput, EvidenceRefused, NotAllowed, UnknownAward
from bot.telegram.outbox import look_up
from openbadges import baking

from .badges_world import ADMIN, AS_ADMIN, LEARNER, SECOND, badge_services, code_of, person


@pytest.fixture
def lite(tmp_path, issuing_keys):
    services, clock = badge_services(tmp_path, issuing_keys)
    yield services, clock
    services.close()


def test_file_names_are_the_badge_name_in_plain_letters():
    assert file_name("Mladi robotik", ".png") == "Mladi-robotik.png"
    assert file_name("Slovenščina A1", ".jwt") == "Slovenscina-A1.jwt"
    assert file_name("  ../../etc/passwd  ", ".png") == "etc-passwd.png"
    assert file_name("Значок", ".png") == "badge.png"  # nothing Latin left
    assert len(file_name("a" * 300, ".png")) == 60 + len(".png")


def test_only_public_addresses_are_worth_a_button():
    assert is_public("https://badges.colbot.example")
    assert is_public("http://ucenje.ljubljana.si/znacke")
    for local in (
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://10.0.0.5",
        "http://[::1]:8080",
        "http://colbot:8080",
        "http://colbot.local",
        "ftp://badges.example",
    ):
        assert not is_public(local), local


def test_linkedins_form_is_filled_in():
    moment = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Ljubljana"))
    url = linkedin_url("Mladi robotik", "MC Šiška", moment, "https://b.example/badges/x", "x")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.linkedin.com/profile/add"
    assert parse_qs(parts.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Mladi robotik"],
        "organizationName": ["MC Šiška"],
        "issueYear": ["2026"],
        "issueMonth": ["11"],
        "certUrl": ["https://b.example/badges/x"],
        "certId": ["x"],
    }


def test_an_award_is_delivered_baked_to_its_holder_only_and_not_once_revoked(lite):
    services, _clock = lite
    badges = services.badges
    ana = person(services, LEARNER)
    bor = person(services, SECOND)
    award_id = badges.award(AS_ADMIN, "lj-robotika", LEARNER).award_id

    found = badges.delivery(award_id, ana)
    assert found is not None and found.badge_name["sl"] == "Mladi robotik"
    assert found.issuer_name == "Četrtni mladinski center Šiška"
    assert [c.kind for c in baking.chunks(found.png)].count(b"iTXt") == 1
    assert baking.unbake(found.png).keyword == "openbadges"
    assert found.linkable and found.page_url == badges.urls.public_page(award_id)
    assert badges.delivery(award_id, bor) is None  # not theirs
    assert badges.delivery("nope", ana) is None

    jwt = badges.my_file(ana, award_id, "ob3-jwt")
    assert (jwt.ending, jwt.content.count(b".")) == (".jwt", 2)
    assert baking.unbake(badges.my_file(ana, award_id, "ob3-png").content).keyword == (
        "openbadgecredential"
    )
    with pytest.raises(UnknownAward):
        badges.my_file(bor, award_id, "png")
    with pytest.raises(BadInput):
        badges.my_file(ana, award_id, "json")

    badges.revoke(AS_ADMIN, award_id, "Podeljena pomotoma.")
    assert badges.delivery(award_id, ana) is None
    with pytest.raises(AlreadyRevoked):
        badges.my_file(ana, award_id, "png")
    with pytest.raises(UnknownAward):
        badges.my_badge(ana, award_id)
    assert [(r.badge_name["sl"], r.state) for r in badges.my_records(ana)] == [
        ("Mladi robotik", "revoked")
    ]


def test_evidence_is_refused_for_a_reason_the_chat_can_word():
    assert evidence_of_text(" https://example.org/robot ") == (
        "link",
        None,
        "https://example.org/robot",
    )
    assert evidence_of_text("Zgradil sem robota.") == ("text", "Zgradil sem robota.", None)
    cases = {
        ("text", "x" * 2001, None, None, None): "too_long",
        ("text", "  ", None, None, None): "empty",
        ("text", "a\x00b", None, None, None): "not_storable",
        ("link", None, "javascript:alert(1)", None, None): "not_a_link",
        ("link", None, "https://example.org/" + "x" * 500, None, None): "not_a_link",
        ("file", None, None, "BQAC-file", 20 * 1024 * 1024 + 1): "too_large",
        ("photo", None, None, None, 1000): "no_file",
        ("video", None, None, "BQAC-file", 1000): "empty",
    }
    for arguments, code in cases.items():
        problem = evidence_problem(*arguments)
        assert problem is not None and problem.code == code, arguments
    assert evidence_problem("file", None, None, "BQAC-file", 20 * 1024 * 1024) is None
    assert evidence_problem("text", "Zgradil sem robota.") is None
    assert reason_problem("   ").code == "empty"
    assert reason_problem("x" * 501).code == "too_long"
    assert reason_problem("Ni robota.") is None


def test_evidence_is_shown_to_its_reviewers_and_a_rejection_gives_its_reason(lite):
    services, _clock = lite
    badges = services.badges
    code = code_of(badges.claim_link(AS_ADMIN, "lj-robotika", needs_evidence=True).link)
    ana = person(services, LEARNER)
    with pytest.raises(EvidenceRefused) as refused:
        badges.submit_evidence(ana, code, "file", telegram_file_id="BQAC", file_size=21 << 20)
    assert refused.value.code == "too_large"
    sent = badges.submit_evidence(ana, code, "photo", telegram_file_id="AgAC-photo")
    assert sent.status is ClaimStatus.PENDING_REVIEW

    review, reviewers = badges.for_review(sent.submission_id)
    assert reviewers == [ADMIN]
    assert (review.kind, review.telegram_file_id) == ("photo", "AgAC-photo")
    assert badges.review(AS_ADMIN, sent.submission_id) == review
    with pytest.raises(NotAllowed):
        badges.review(Actor.on_telegram(LEARNER), sent.submission_id)
    assert badges.rejection(sent.submission_id) is None  # not rejected (yet)
    with pytest.raises(EvidenceRefused):
        badges.reject(AS_ADMIN, sent.submission_id, "x" * 501)
    badges.reject(AS_ADMIN, sent.submission_id, "  Na  fotografiji ni robota. ")
    rejected = badges.rejection(sent.submission_id)
    assert (rejected.badge_name["sl"], rejected.reason) == (
        "Mladi robotik",
        "Na fotografiji ni robota.",
    )
    assert badges.for_review(sent.submission_id) is None
    with pytest.raises(BadInput):
        badges.review(AS_ADMIN, sent.submission_id)


def test_the_word_that_badges_were_issued_again_counts_those_still_sent(lite):
    """An award revoked after it was issued again is left out of the chat's message, and so is
    the word before the files when none is left (the outbox then has nothing to send)."""
    services, _clock = lite
    badges = services.badges
    ana = person(services, LEARNER)
    first = badges.award(AS_ADMIN, "lj-robotika", LEARNER).award_id
    second = badges.award(AS_ADMIN, "lj-a1", LEARNER).award_id
    again = [Notice(BADGES_ISSUED_AGAIN, {"n": 2}), BadgeEarned(first), BadgeEarned(second)]

    def sent() -> list[tuple[str, object]]:
        return [
            ("word", item.params["n"]) if isinstance(item, Notice) else ("badge", item.award_id)
            for item in look_up(badges, ana, again)
        ]

    assert sent() == [("word", 2), ("badge", first), ("badge", second)]
    badges.revoke(AS_ADMIN, first, "Podeljena pomotoma.")
    assert sent() == [("word", 1), ("badge", second)]
    badges.revoke(AS_ADMIN, second, "Podeljena pomotoma.")
    assert sent() == []
