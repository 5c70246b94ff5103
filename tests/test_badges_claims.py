"""Claim links as youth workers make them and learners use them: one person's code, a shared
code for a few people for a while, a participants' list, guessing stopped, evidence reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from access.policy import Actor
from badges.claims import MAX_FAILED, ClaimStatus, code_from_start
from badges.problems import (
    BadInput,
    BornExpired,
    BotUsernameMissing,
    NotAllowed,
    ParticipantsError,
)
from openbadges import codes
from store import badges as store_badges
from store import claims as store_claims
from store.models import Award, Claim, ClaimAttempt, EvidenceSubmission, OutboxMessage

from .badges_world import (
    AS_ADMIN,
    FOURTH,
    LEARNER,
    SECOND,
    THIRD,
    badge_services,
    code_of,
    person,
)


@pytest.fixture
def world(tmp_path, issuing_keys, database_url):
    services, clock = badge_services(tmp_path, issuing_keys, database_url)
    yield services, clock
    services.close()


@pytest.fixture
def lite(tmp_path, issuing_keys):
    """The same world on SQLite alone, for stories whose database does not matter."""
    services, clock = badge_services(tmp_path, issuing_keys)
    yield services, clock
    services.close()


def test_a_youth_worker_makes_a_link_and_a_learner_claims_it_once(world):
    services, _clock = world
    badges = services.badges
    link = badges.claim_link(AS_ADMIN, "lj-robotika")
    assert link.link.startswith("https://t.me/ColbotTestBot?start=badge-")
    code = code_of(link.link)
    assert code_from_start(f"badge-{code}") == code and code_from_start("other") is None
    ana, bor = person(services, LEARNER), person(services, SECOND)

    got = badges.redeem(ana, code)
    assert got.status is ClaimStatus.AWARDED and got.award_id
    assert got.badge_name == {"sl": "Mladi robotik", "en": "Young roboticist"}
    again = badges.redeem(bor, code)
    assert again.status is ClaimStatus.USED and again.award_id is None
    assert badges.redeem(ana, code).status is ClaimStatus.ALREADY_HAS_IT
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Award)) == 1
        stored = session.scalar(select(Claim))
        assert stored.code_hash != code and code not in stored.code_hash  # kept only hashed
        assert stored.code_hash == codes.hash_code(code, badges.context.secret.value)


def test_a_link_opened_twice_at_once_gives_one_award(world, monkeypatch):
    """Both openings read "not held yet" before either wrote (two updates handled at once): the
    second award breaks the one-standing-award index, is undone with its use of the link, and
    the learner is told they have it."""
    services, _clock = world
    badges = services.badges
    code = code_of(badges.claim_link(AS_ADMIN, "lj-robotika", uses=5).link)
    ana = person(services, LEARNER)
    assert badges.redeem(ana, code).status is ClaimStatus.AWARDED
    holds, looked = store_badges.holds, []

    def not_yet(session, person_id, badge_class_id):  # the other opening has not committed yet
        looked.append(person_id)
        return False if len(looked) == 1 else holds(session, person_id, badge_class_id)

    monkeypatch.setattr(store_badges, "holds", not_yet)
    again = badges.redeem(ana, code)
    assert again.status is ClaimStatus.ALREADY_HAS_IT and len(looked) == 2
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Award)) == 1
        assert session.scalar(select(Claim.uses)) == 1  # the undone award took no use


def test_a_guessed_code_is_refused_and_after_five_guesses_the_person_must_wait(lite):
    services, clock = lite
    badges = services.badges
    real = code_of(badges.claim_link(AS_ADMIN, "lj-robotika").link)
    guesser = person(services, LEARNER)
    for guess in ["x" * 32, codes.new_code(), "too-short", real[:-1] + "A", "ünïcode" * 5]:
        assert badges.redeem(guesser, guess).status is ClaimStatus.UNKNOWN
    assert MAX_FAILED == 5
    stopped = badges.redeem(guesser, real)  # even the right code, while they must wait
    assert stopped.status is ClaimStatus.TOO_MANY_ATTEMPTS
    assert 0 < stopped.retry_after.total_seconds() <= 600
    assert badges.redeem(person(services, SECOND), real).status is ClaimStatus.AWARDED  # others
    clock.advance(minutes=11)
    assert badges.redeem(guesser, codes.new_code()).status is ClaimStatus.UNKNOWN  # may try again
    clock.advance(days=2)
    badges.redeem(guesser, codes.new_code())
    with services.database.session() as session:  # attempts older than a day are let go
        assert session.scalar(select(func.count()).select_from(ClaimAttempt)) == 1


def test_a_shared_code_serves_three_people_for_seven_days(world):
    services, clock = world
    badges = services.badges
    link = badges.claim_link(AS_ADMIN, "lj-a1", uses=3, valid_days=7)
    code = code_of(link.link)
    first, second, third, fourth = (person(services, t) for t in (LEARNER, SECOND, THIRD, FOURTH))
    assert badges.redeem(first, code).status is ClaimStatus.AWARDED
    assert badges.redeem(second, code).status is ClaimStatus.AWARDED
    clock.advance(days=6, hours=23)
    assert badges.redeem(third, code).status is ClaimStatus.AWARDED
    assert badges.redeem(fourth, code).status is ClaimStatus.USED

    late = code_of(badges.claim_link(AS_ADMIN, "lj-a1", uses=3, valid_days=7).link)
    clock.advance(days=7, seconds=1)
    assert badges.redeem(fourth, late).status is ClaimStatus.EXPIRED


def test_claim_links_need_the_bots_username(tmp_path, issuing_keys):
    services, _clock = badge_services(tmp_path, issuing_keys, TELEGRAM_BOT_USERNAME="")
    try:
        with pytest.raises(BotUsernameMissing, match="TELEGRAM_BOT_USERNAME"):
            services.badges.claim_link(AS_ADMIN, "lj-robotika")
    finally:
        services.close()


def test_a_learner_cannot_make_claim_links(lite):
    services, _clock = lite
    with pytest.raises(NotAllowed):
        services.badges.claim_link(Actor.on_telegram(LEARNER), "lj-robotika")


def test_a_participants_list_gives_each_row_its_own_one_use_link(lite):
    services, _clock = lite
    text = (
        "label,email\n"
        "Ana Novak,Ana.Novak@Example.org\n"
        "Bor Kranjc,\n"
        '"Cvetka, mentorica",cvetka@example.org\n'
    )
    links = services.badges.participant_links(AS_ADMIN, "lj-robotika", text)
    assert [(item.line, item.label, item.email) for item in links] == [
        (2, "Ana Novak", "ana.novak@example.org"),
        (3, "Bor Kranjc", None),
        (4, "Cvetka, mentorica", "cvetka@example.org"),
    ]
    assert len({item.link for item in links}) == 3
    ana = person(services, LEARNER)
    got = services.badges.redeem(ana, code_of(links[0].link))
    assert got.status is ClaimStatus.AWARDED
    with services.database.session() as session:
        award = session.scalar(select(Award))
        assert award.recipient_type == "email"  # hashed with the list's address …
        assert "ana" not in award.recipient_hash
        used = session.scalar(select(Claim).where(Claim.label == "Ana Novak"))
        assert used.email is None  # … which is dropped once the code is used up
    assert (
        services.badges.redeem(person(services, SECOND), code_of(links[0].link)).status
        is ClaimStatus.USED
    )


def test_a_list_with_a_broken_row_4_makes_nothing_and_names_line_4(world):
    services, _clock = world
    text = "label,email\nAna,ana@example.org\nBor,\nCvetka,not-an-address\nDarja,\n"
    with pytest.raises(ParticipantsError) as refused:
        services.badges.participant_links(AS_ADMIN, "lj-robotika", text)
    assert refused.value.faults[0][:2] == (4, "email")
    assert "line 4, field 'email'" in str(refused.value)
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Claim)) == 0


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("", (1, "(line)")),
        ("email\nana@example.org\n", (1, "(header)")),
        ("label\nAna\n\nAna\n", (4, "label")),
        ("label,email\n,ana@example.org\n", (2, "label")),
        ("label,email\nAna\x00,\n", (2, "label")),
        ("label,email\nAna,ana\x00@example.org\n", (2, "email")),
        ("label\n", (2, "label")),
    ],
)
def test_every_kind_of_broken_list_is_named(lite, text, where):
    services, _clock = lite
    with pytest.raises(ParticipantsError) as refused:
        services.badges.participant_links(AS_ADMIN, "lj-robotika", text)
    assert refused.value.faults[0][:2] == where


def test_evidence_is_reviewed_approved_becomes_a_badge_rejected_gives_a_reason(world):
    services, clock = world
    badges = services.badges
    code = code_of(badges.claim_link(AS_ADMIN, "lj-robotika", uses=2, needs_evidence=True).link)
    ana, bor = person(services, LEARNER), person(services, SECOND)

    asked = badges.redeem(ana, code)
    assert asked.status is ClaimStatus.NEEDS_EVIDENCE and asked.award_id is None
    sent = badges.submit_evidence(ana, code, "link", url="https://example.org/my-robot")
    assert sent.status is ClaimStatus.PENDING_REVIEW and sent.submission_id
    assert badges.redeem(ana, code).status is ClaimStatus.PENDING_REVIEW
    photo = badges.submit_evidence(bor, code, "photo", telegram_file_id="AgACAgQAAxkBAAIB")
    assert photo.status is ClaimStatus.PENDING_REVIEW

    with pytest.raises(NotAllowed):
        badges.approve(Actor.on_telegram(LEARNER), sent.submission_id)
    assert badges.pending_reviews(Actor.on_telegram(LEARNER)) == []
    waiting = badges.pending_reviews(AS_ADMIN)
    assert [(r.kind, r.url) for r in waiting] == [
        ("link", "https://example.org/my-robot"),
        ("photo", None),
    ]
    clock.advance(hours=1)
    award_id = badges.approve(AS_ADMIN, sent.submission_id)
    badges.reject(AS_ADMIN, photo.submission_id, "Na fotografiji ni robota.")
    assert badges.pending_reviews(AS_ADMIN) == []

    with services.database.session() as session:
        award = session.scalar(select(Award).where(Award.public_id == award_id))
        assert award.evidence == [
            {"url": "https://example.org/my-robot", "name": "Povezava / Link"}
        ]
        rejected = store_claims.submission(session, photo.submission_id)
        assert rejected.status == "rejected" and rejected.reason == "Na fotografiji ni robota."
        assert rejected.telegram_file_id is None  # the content is let go once reviewed
        kinds = [m.payload[0]["kind"] for m in session.scalars(select(OutboxMessage))]
        assert sorted(kinds) == ["badge_earned", "evidence_rejected"]
        assert session.scalar(select(Claim.uses)) == 1  # the rejected one's use is given back
    again = badges.submit_evidence(bor, code, "text", text="Zgradil sem robota Žigo.")
    assert again.status is ClaimStatus.PENDING_REVIEW


def test_evidence_approved_after_the_lists_expiry_awards_nothing_and_says_why(world):
    """A participants' list gave the award an expiry; the learner sent evidence in time and the
    review came after that day: approved, the badge would be born expired, so nothing is
    awarded, the evidence waits as it did, and it can still be rejected with a reason."""
    services, clock = world
    badges = services.badges
    day = (clock() + timedelta(days=10)).date()
    listed = f"label,email,expires\nAna Novak,,{day.isoformat()}\n"
    links = badges.participant_links(AS_ADMIN, "lj-robotika", listed, needs_evidence=True)
    ana, code = person(services, LEARNER), code_of(links[0].link)
    assert badges.redeem(ana, code).status is ClaimStatus.NEEDS_EVIDENCE
    sent = badges.submit_evidence(ana, code, "text", text="Zgradil sem robota Žigo.")
    assert sent.status is ClaimStatus.PENDING_REVIEW
    clock.advance(days=11)

    with pytest.raises(BornExpired) as late:
        badges.approve(AS_ADMIN, sent.submission_id)
    assert late.value.expired_at.astimezone(services.city.zone).date() == day
    assert [r.submission_id for r in badges.pending_reviews(AS_ADMIN)] == [sent.submission_id]
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Award)) == 0
        assert session.scalar(select(Claim.uses)) == 1  # the use waits with the evidence
    badges.reject(AS_ADMIN, sent.submission_id, "Rok za to značko je potekel.")
    assert badges.pending_reviews(AS_ADMIN) == []


def test_the_claim_that_waits_for_evidence_is_remembered_without_its_code(world):
    """A restart between "send your evidence" and the evidence loses nothing: the database knows
    which claim waits (never the code), until the evidence comes, /cancel, or another link."""
    services, _clock = world
    badges = services.badges
    code = code_of(badges.claim_link(AS_ADMIN, "lj-robotika", needs_evidence=True).link)
    other = code_of(badges.claim_link(AS_ADMIN, "lj-robotika", needs_evidence=True).link)
    ana = person(services, LEARNER)
    assert badges.awaited_evidence(ana) is None
    assert badges.submit_evidence(ana, None, "text", text="Robot.").status is ClaimStatus.UNKNOWN

    assert badges.redeem(ana, code).status is ClaimStatus.NEEDS_EVIDENCE
    assert badges.awaited_evidence(ana)["sl"]  # the badge's name, to say what is awaited
    assert badges.stop_awaiting_evidence(ana) is True
    assert badges.awaited_evidence(ana) is None
    assert badges.stop_awaiting_evidence(ana) is False

    assert badges.redeem(ana, code).status is ClaimStatus.NEEDS_EVIDENCE
    with pytest.raises(BadInput):  # refused evidence: the claim still waits
        badges.submit_evidence(ana, None, "text", text="   ")
    assert badges.awaited_evidence(ana) is not None
    assert badges.redeem(ana, "not-a-code").status is ClaimStatus.UNKNOWN
    assert badges.awaited_evidence(ana) is None  # another link: the last one counts

    assert badges.redeem(ana, other).status is ClaimStatus.NEEDS_EVIDENCE
    sent = badges.submit_evidence(ana, None, "text", text="Zgradil sem robota.")
    assert sent.status is ClaimStatus.PENDING_REVIEW
    assert badges.awaited_evidence(ana) is None
    with services.database.session() as session:
        stored = session.scalar(select(EvidenceSubmission))
        assert stored.claim.code_hash == codes.hash_code(other, badges.context.secret.value)


def test_evidence_is_checked_before_it_is_kept(lite):
    services, _clock = lite

    code = code_of(services.badges.claim_link(AS_ADMIN, "lj-robotika", needs_evidence=True).link)
    ana = person(services, LEARNER)
    for kind, fields in [
        ("video", {"text": "x"}),
        ("link", {"url": "javascript:alert(1)"}),
        ("text", {"text": "   "}),
        ("photo", {}),
        ("text", {"text": "x" * 2001}),
        ("text", {"text": "a\x00b"}),  # no database keeps a NUL
        ("link", {"url": "https://example.org/\ud800"}),
    ]:
        with pytest.raises(BadInput):
            services.badges.submit_evidence(ana, code, kind, **fields)
    with services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(EvidenceSubmission)) == 0
