"""Awards as organisations make them and learners keep them: delivered into the chat once,
only by the organisation's administrators, revoked with a reason, expiring, hidden, given up,
re-issued to an e-mail address, and what forgetting a learner does to their badges."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from access.policy import Actor
from actions.messages import BadgeEarned, Notice, from_json
from badges.issuers import definition
from badges.problems import (
    AlreadyHolds,
    AlreadyRevoked,
    BadInput,
    IssuerMissing,
    NoBadge,
    NotAllowed,
    UnknownAward,
    UnknownOpportunity,
    UnknownPerson,
)
from badges.publishing import FRESH_SECONDS
from bot.telegram.outbox import SENDS
from openbadges.status import LIST_SIZE
from openbadges.verify import verify
from store import outbox, people
from store.models import Award, BadgeClass, OutboxMessage

from .badges_world import (
    ADMIN,
    AS_ADMIN,
    LEARNER,
    PLATFORM,
    SECOND,
    FakeWeb,
    badge_services,
    person,
)

SISKA = "cetrtni-mladinski-center-siska"


@pytest.fixture
def world(tmp_path, issuing_keys, database_url):
    services, clock = badge_services(tmp_path, issuing_keys, database_url)
    yield services, clock
    services.close()


@pytest.fixture
def lite(tmp_path, issuing_keys):
    services, clock = badge_services(tmp_path, issuing_keys)
    yield services, clock
    services.close()


def test_an_award_is_queued_in_the_outbox_for_the_learners_chat_once(world):
    services, clock = world
    ana = person(services, LEARNER)
    issued = services.badges.award(AS_ADMIN, "lj-robotika", LEARNER, evidence="Robot Žiga")
    assert issued.queued and issued.person_id == ana
    with services.database.session() as session:
        rows = list(session.scalars(select(OutboxMessage)))
        assert [(r.person_id, r.kind, r.dedupe_key) for r in rows] == [
            (ana, "badge", f"badge:{issued.award_id}")
        ]
        assert from_json(rows[0].payload[0]) == BadgeEarned(issued.award_id)
        again = outbox.NewMessage(
            ana, "badge", rows[0].payload, clock(), dedupe_key=rows[0].dedupe_key
        )
        assert not outbox.enqueue(session, again, clock())  # once per award
        # the Telegram front sends badges
        assert "badge" in SENDS
        assert [m.kind for m in outbox.claim(session, clock(), 10, kinds=SENDS)] == ["badge"]


def test_a_learner_who_blocked_the_bot_gets_the_badge_when_they_write_again(lite):
    services, clock = lite
    ana = person(services, LEARNER)
    with services.database.session() as session:
        people.blocked(session, ana, clock())
    services.badges.award(AS_ADMIN, "lj-robotika", LEARNER)
    with services.database.session() as session:
        assert session.scalar(select(OutboxMessage.status)) == outbox.HELD
        people.seen(session, LEARNER, clock())
        assert session.scalar(select(OutboxMessage.status)) == outbox.PENDING


def test_only_the_organisations_administrators_may_award(lite):
    services, _clock = lite
    person(services, LEARNER)
    person(services, SECOND)
    with pytest.raises(NotAllowed):
        services.badges.award(Actor.on_telegram(LEARNER), "lj-robotika", SECOND)
    with pytest.raises(NotAllowed):
        services.badges.award(Actor(), "lj-robotika", SECOND)
    issued = services.badges.award(Actor.on_telegram(ADMIN), "lj-robotika", SECOND)
    with pytest.raises(NotAllowed):
        services.badges.revoke(Actor.on_telegram(SECOND), issued.award_id, "mine")
    with pytest.raises(NotAllowed):
        services.badges.who_earned(Actor.on_telegram(LEARNER), "lj-robotika")
    with pytest.raises(NotAllowed):
        services.badges.export(Actor.on_telegram(LEARNER), issued.award_id, "png")
    assert services.badges.who_earned(AS_ADMIN, "lj-robotika") == [
        (issued.award_id, person(services, SECOND))
    ]


def test_awarding_refuses_plainly(lite):
    services, _clock = lite
    person(services, LEARNER)
    with pytest.raises(UnknownOpportunity):
        services.badges.award(PLATFORM, "lj-nothing", LEARNER)
    with pytest.raises(NoBadge):
        services.badges.award(PLATFORM, "lj-talk", LEARNER)
    with pytest.raises(UnknownPerson, match="has written to the bot"):
        services.badges.award(PLATFORM, "lj-robotika", 123456)
    services.badges.award(PLATFORM, "lj-robotika", LEARNER)
    with pytest.raises(AlreadyHolds):
        services.badges.award(PLATFORM, "lj-robotika", LEARNER)
    with pytest.raises(BadInput):
        services.badges.revoke(PLATFORM, "x", "")
    with pytest.raises(BadInput):
        services.badges.revoke(PLATFORM, "x", "nul\x00")
    with pytest.raises(UnknownAward):
        services.badges.revoke(PLATFORM, "nope", "a reason")


def test_an_organisation_named_only_is_issued_for_by_the_city_of_learning(tmp_path, issuing_keys):
    services, _clock = badge_services(tmp_path, issuing_keys)
    try:
        person(services, LEARNER)
        issued = services.badges.award(PLATFORM, "lj-a1", LEARNER)
        with services.database.session() as session:
            assert session.scalar(select(Award.issuer_slug)) == "ljubljana"
        issuer = services.badges.publisher.issuer("ljubljana")
        assert b"Mesto u\xc4\x8denja Ljubljana" in issuer.body
        assert services.badges.publisher.issuer("javni-zavod-cene-stupar") is None
        assert services.badges.publisher.assertion(issued.award_id).status == 200
    finally:
        services.close()
    bare, _clock = badge_services(
        tmp_path / "bare", issuing_keys, ISSUER_NAME="", ISSUER_URL="", ISSUER_EMAIL=""
    )
    try:
        person(bare, LEARNER)
        with pytest.raises(IssuerMissing, match="ISSUER_NAME, ISSUER_URL and ISSUER_EMAIL"):
            bare.badges.award(PLATFORM, "lj-a1", LEARNER)
        bare.badges.award(PLATFORM, "lj-robotika", LEARNER)  # it has a profile of its own
    finally:
        bare.close()


def test_a_revoked_awards_assertion_is_gone_and_the_status_list_says_revoked(world):
    services, clock = world
    person(services, LEARNER)
    person(services, SECOND)
    kept = services.badges.award(AS_ADMIN, "lj-robotika", SECOND)
    issued = services.badges.award(AS_ADMIN, "lj-robotika", LEARNER)
    publisher, web = services.badges.publisher, FakeWeb(services)
    png = publisher.credential_png(issued.award_id).body
    first_list = publisher.status_list(SISKA, 0).body
    assert publisher.status_list(SISKA, 0).body == first_list  # not signed again meanwhile
    assert verify(png, web, now=clock()).valid

    clock.advance(hours=2)
    services.badges.revoke(AS_ADMIN, issued.award_id, "Podeljena pomotoma.")
    gone = publisher.assertion(issued.award_id)
    assert gone.status == 410 and b"Podeljena pomotoma." in gone.body
    assert publisher.baked_png(issued.award_id).status == 410
    assert publisher.status_list(SISKA, 0).body != first_list  # signed again, once
    verdict = verify(png, web, now=clock())
    assert not verdict.valid and verdict.check("revocation").ok is False
    assert b"Podeljena pomotoma." in publisher.revocation_list(SISKA).body
    assert verify(publisher.credential_png(kept.award_id).body, web, now=clock()).valid
    page = publisher.public_page(issued.award_id)
    assert (page.state, page.revocation_reason) == ("revoked", "Podeljena pomotoma.")
    with pytest.raises(AlreadyRevoked):
        services.badges.revoke(AS_ADMIN, issued.award_id, "again")
    with pytest.raises(AlreadyRevoked):
        services.badges.export(PLATFORM, issued.award_id, "png")
    assert services.badges.export(PLATFORM, issued.award_id, "ob3-jwt").count(b".") == 2


def test_status_places_are_random_and_unique_not_in_order(lite):
    services, _clock = lite
    for number in range(24):
        person(services, 10_000 + number)
        services.badges.award(PLATFORM, "lj-robotika", 10_000 + number)
    with services.database.session() as session:
        places = [
            (a.status_list, a.status_position)
            for a in session.scalars(select(Award).order_by(Award.id))
        ]
    positions = [position for _list, position in places]
    assert {number for number, _position in places} == {0}
    assert len(set(positions)) == len(positions)
    assert positions != sorted(positions) and positions != sorted(positions, reverse=True)
    assert max(positions) - min(positions) > LIST_SIZE // 4  # spread over the list


def test_an_award_expires_and_its_credential_says_so(lite):
    services, clock = lite
    person(services, LEARNER)
    issued = services.badges.award(PLATFORM, "lj-robotika", LEARNER)
    before = services.badges.publisher.credential(issued.award_id).body
    services.badges.set_expiry(PLATFORM, issued.award_id, clock.now.replace(year=2027))
    after = services.badges.publisher.credential(issued.award_id).body
    assert after != before  # signed again, with its end
    web = FakeWeb(services)
    assert verify(after, web, now=clock()).valid
    clock.advance(days=400)
    assert services.badges.publisher.public_page(issued.award_id).state == "expired"
    verdict = verify(after, web, now=clock())
    assert not verdict.valid and verdict.check("dates").ok is False
    with pytest.raises(BadInput):
        services.badges.set_expiry(PLATFORM, issued.award_id, clock.now.replace(year=2020))


def again_rows(services) -> list[tuple[str, list]]:  # type: ignore[no-untyped-def]
    """The outbox rows that send awards again: their status and what they say."""
    with services.database.session() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.batch_id.like("badges-again:%"))
            .order_by(OutboxMessage.id)
        )
        return [(row.status, [from_json(item) for item in row.payload]) for row in rows]


def test_awards_issued_again_are_sent_again_once_with_a_word_that_they_replace_the_old(lite):
    services, clock = lite
    ana = person(services, LEARNER)
    first = services.badges.award(PLATFORM, "lj-robotika", LEARNER).award_id
    services.badges.set_expiry(PLATFORM, first, clock.now.replace(year=2027))
    assert again_rows(services) == []  # its first delivery still waits: it carries the new one
    with services.database.session() as session:
        session.execute(update(OutboxMessage).values(status="sent"))  # delivered
    second = services.badges.award(PLATFORM, "lj-a1", LEARNER).award_id  # not delivered yet

    services.badges.set_expiry(PLATFORM, first, clock.now.replace(year=2028))
    assert again_rows(services) == [
        ("pending", [Notice("badges_issued_again", {"n": 1}), BadgeEarned(first)])
    ]
    services.badges.set_email(ana, "ana@example.org")  # before that was sent: one row for both
    assert again_rows(services) == [
        ("cancelled", [Notice("badges_issued_again", {"n": 1}), BadgeEarned(first)]),
        ("pending", [Notice("badges_issued_again", {"n": 1}), BadgeEarned(first)]),
    ]  # the second's first delivery still waits
    with services.database.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key == f"badge:{second}")
            .values(status="sent")
        )
    services.badges.set_email(ana, None)
    assert again_rows(services)[-1] == (
        "pending",
        [Notice("badges_issued_again", {"n": 2}), BadgeEarned(first), BadgeEarned(second)],
    )
    assert [status for status, _ in again_rows(services)].count("pending") == 1


def test_a_learners_wallet_pages_hides_names_and_gives_up(lite):
    services, clock = lite
    ana = person(services, LEARNER)
    first = services.badges.award(PLATFORM, "lj-robotika", LEARNER)
    clock.advance(days=1)
    second = services.badges.award(PLATFORM, "lj-a1", LEARNER)
    page = services.badges.my_badges(ana, limit=1)
    assert [b.award_id for b in page.badges] == [second.award_id] and page.total == 2
    assert page.more
    rest = services.badges.my_badges(ana, offset=1, limit=1)
    assert [b.award_id for b in rest.badges] == [first.award_id] and not rest.more
    assert rest.badges[0].issuer_name == "Četrtni mladinski center Šiška"

    publisher = services.badges.publisher
    assert publisher.public_page(first.award_id).recipient_name is None
    services.badges.show_name(ana, first.award_id, "Ana N.")
    assert publisher.public_page(first.award_id).recipient_name == "Ana N."
    services.badges.hide(ana, first.award_id)
    assert publisher.public_page(first.award_id) is None  # hidden from the public page …
    assert publisher.assertion(first.award_id).status == 200  # … and still verifiable
    with pytest.raises(UnknownAward):
        services.badges.hide(person(services, SECOND), second.award_id)  # not theirs

    services.badges.give_up(ana, second.award_id)
    assert services.badges.my_badges(ana).total == 1
    assert publisher.assertion(second.award_id).status == 410


def test_an_email_address_reissues_the_learners_awards_to_its_hash(world):
    services, clock = world
    ana = person(services, LEARNER)
    issued = services.badges.award(PLATFORM, "lj-robotika", LEARNER)
    web = FakeWeb(services)
    old = services.badges.publisher.credential(issued.award_id).body
    assert services.badges.set_email(ana, " Ana.Novak@Example.org ") == 1
    new = services.badges.publisher.credential(issued.award_id).body
    assert new != old
    matched = verify(new, web, email="ana.novak@example.org", now=clock())
    assert matched.valid and matched.check("recipient").ok is True
    assert not verify(new, web, email="someone@example.org", now=clock()).valid
    baked = services.badges.publisher.baked_png(issued.award_id).body
    assert verify(baked, web, email="ANA.NOVAK@example.org", now=clock()).valid
    later = services.badges.award(PLATFORM, "lj-a1", LEARNER)  # later awards use it too
    with services.database.session() as session:
        assert (
            session.scalar(select(Award.recipient_type).where(Award.public_id == later.award_id))
            == "email"
        )
        assert people.stored_about(session, ana).email == "ana.novak@example.org"
    with pytest.raises(BadInput):
        services.badges.set_email(ana, "not an address")
    services.badges.set_email(ana, None)
    assert not verify(
        services.badges.publisher.credential(issued.award_id).body,
        web,
        email="ana.novak@example.org",
        now=clock(),
    ).valid


@pytest.mark.parametrize("revoke_badges", [False, True])
def test_forgetting_a_learner_unlinks_their_badges_or_revokes_them(world, revoke_badges):
    services, clock = world
    ana = person(services, LEARNER)
    issued = services.badges.award(PLATFORM, "lj-robotika", LEARNER)
    services.badges.show_name(ana, issued.award_id, "Ana")
    web = FakeWeb(services)
    png = services.badges.publisher.credential_png(issued.award_id).body
    with services.database.session() as session:
        stored = people.stored_about(session, ana)
        assert (stored.awards, stored.email) == (1, None)
        assert people.forget(session, ana, revoke_badges=revoke_badges, now=clock())
    clock.advance(seconds=FRESH_SECONDS)  # not through the badges service: seen within the bound
    with services.database.session() as session:
        award = session.scalar(select(Award))
        assert award.person_id is None and award.display_name is None
        assert session.scalar(select(OutboxMessage)) is None
    verdict = verify(png, web, now=clock())
    assert verdict.valid is (not revoke_badges)
    page = services.badges.publisher.public_page(issued.award_id)
    assert page.state == ("revoked" if revoke_badges else "active")
    assert page.recipient_name is None


def test_a_badge_that_changes_in_the_catalogue_is_drawn_again(lite):
    from .badges_world import ROBOTICS, load_catalogue

    services, clock = lite
    first = services.badges.badge_classes()
    robotics = next(b for b in first if b.opportunity_id == "lj-robotika")
    image = services.badges.publisher.image(robotics.badge_id, "png")
    assert image.media_type == "image/png" and image.body.startswith(b"\x89PNG")
    changed = {**ROBOTICS, "badge": {**ROBOTICS["badge"], "name": {"sl": "Robotičarka"}}}
    load_catalogue(services, [changed])
    clock.advance(seconds=FRESH_SECONDS)  # what the publisher read is trusted this long
    again = services.badges.publisher.image(robotics.badge_id, "png")
    assert again.body != image.body
    with services.database.session() as session:
        badge = session.scalar(select(BadgeClass).where(BadgeClass.public_id == robotics.badge_id))
        assert definition(badge).name.title() == "Robotičarka"


def test_an_award_that_fails_midway_leaves_nothing_behind(world, monkeypatch):
    """All or nothing: an award whose delivery cannot be queued is not kept (on SQLite too,
    where a savepoint that opened the transaction would have committed it)."""
    services, _clock = world
    person(services, LEARNER)
    person(services, SECOND)
    kept = services.badges.award(PLATFORM, "lj-robotika", SECOND)  # its image is drawn now

    def broken(award_id: str) -> list[dict]:
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(services.badges.context.messages, "badge_earned", broken)
    with pytest.raises(RuntimeError):
        services.badges.award(PLATFORM, "lj-robotika", LEARNER)
    with services.database.session() as session:
        assert list(session.scalars(select(Award.public_id))) == [kept.award_id]
