"""The publisher's memory of what it read from the store: a second request for a document is
answered without the store; what another process changes (a revocation, a key rotation) shows
within FRESH_SECONDS of the change, counted from before the read; what this process changes
shows at once; and the HTTP service answers 410 for a revoked assertion within the bound."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, text
from starlette.testclient import TestClient

from badges.context import KEY_CHECK_EVERY
from badges.publishing import FRESH_SECONDS, BadgePublisher, Published, _Fresh
from bot.http.app import build_http_app
from bot.services import build_services
from store import badges as store_badges

from .badges_world import LEARNER, PLATFORM, SECOND, badge_services, person, settings_for

SISKA = "cetrtni-mladinski-center-siska"


@pytest.fixture
def world(tmp_path, issuing_keys, database_url):
    services, clock = badge_services(tmp_path, issuing_keys, database_url)
    person(services, LEARNER)
    issued = services.badges.award(PLATFORM, "lj-robotika", LEARNER)
    yield services, clock, issued.award_id
    services.close()


class Statements:
    """How many statements the services' engine has run."""

    def __init__(self, services) -> None:  # type: ignore[no-untyped-def]
        self.count = 0
        self.engine = services.database.engine
        event.listen(self.engine, "before_cursor_execute", self._one)

    def _one(self, *_args: object) -> None:
        self.count += 1

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._one)


@pytest.fixture
def statements(world):
    counter = Statements(world[0])
    yield counter
    counter.close()


def another_process(services, clock):  # type: ignore[no-untyped-def]
    """The command line, say: services of their own over the same DATA_DIR and database."""
    settings = settings_for(services.settings.data_dir, services.settings.database_url)
    return build_services(settings, clock=clock)


def test_a_second_request_is_answered_from_memory(world, statements):
    services, _clock, award_id = world
    publisher = services.badges.publisher
    badge_id = services.badges.badge_classes()[1].badge_id
    asks = [
        lambda: publisher.assertion(award_id),
        lambda: publisher.credential(award_id),
        lambda: publisher.public_page(award_id),
        lambda: publisher.status_list(SISKA, 0),
        lambda: publisher.issuer(SISKA),
        lambda: publisher.badge_class(badge_id),
        lambda: publisher.revocation_list(SISKA),
        lambda: publisher.image(badge_id, "png"),
    ]
    first = [ask() for ask in asks]
    assert all(answer is not None for answer in first)
    read = statements.count
    assert read > 0
    assert [ask() for ask in asks] == first
    assert statements.count == read  # nothing asked of the store


def test_an_answer_is_read_again_once_it_is_fresh_seconds_old(world, statements):
    services, clock, award_id = world
    publisher = services.badges.publisher
    publisher.assertion(award_id)
    clock.advance(seconds=FRESH_SECONDS * 0.4)
    before = statements.count
    publisher.assertion(award_id)
    assert statements.count == before
    clock.advance(seconds=FRESH_SECONDS * 0.6)  # nothing asked for in between: read as asked
    publisher.assertion(award_id)
    assert statements.count > before


def test_a_hot_award_is_read_again_ahead_and_no_request_waits_for_it(world, statements):
    """Asked for in the second half of its time, an award is answered from memory at once and
    read again on the read-ahead thread; then it is trusted a full FRESH_SECONDS from that read,
    and no longer."""
    services, clock, award_id = world
    publisher = services.badges.publisher
    first = publisher.assertion(award_id)
    clock.advance(seconds=FRESH_SECONDS * 0.6)
    before = statements.count
    assert publisher.assertion(award_id) is first  # from memory, not waiting for the read
    read_ahead_done(publisher)
    assert statements.count == before + 1  # read again, ahead
    clock.advance(seconds=FRESH_SECONDS * 0.45)  # past the first read's bound, in the second's
    before = statements.count
    assert publisher.assertion(award_id) is first  # unchanged: what was made from it is kept
    assert statements.count == before
    clock.advance(seconds=FRESH_SECONDS)  # past the second read's bound: read as asked
    publisher.assertion(award_id)
    assert statements.count == before + 1


def read_ahead_done(publisher) -> None:  # type: ignore[no-untyped-def]
    """Wait (10 s at most) until no read of the awards' rows is under way."""
    reading = publisher._awards._reading
    assert reading.acquire(timeout=10), "a read ahead did not finish"
    reading.release()


def test_awards_asked_for_again_are_read_again_together_in_one_statement(world, statements):
    """Whatever the traffic, a hot award costs one read a FRESH_SECONDS, shared with the others:
    unchanged rows keep what was made from them, a changed one is made again."""
    services, clock, award_id = world
    publisher = services.badges.publisher
    for telegram_id in range(50_000, 50_012):
        person(services, telegram_id)
    done = services.badges.award_many(PLATFORM, "lj-robotika", list(range(50_000, 50_012)))
    ids = [award_id, *(issued.award_id for issued in done.issued)]
    first = {award: publisher.assertion(award) for award in ids}
    other = another_process(services, clock)
    try:
        other.badges.revoke(PLATFORM, ids[3], "Napaka.")
    finally:
        other.close()
    clock.advance(seconds=FRESH_SECONDS)
    before = statements.count
    again = {award: publisher.assertion(award) for award in ids}
    assert statements.count == before + 1
    assert again[ids[3]].status == 410
    assert all(again[award] is first[award] for award in ids if award != ids[3])


def test_a_revocation_by_another_process_answers_410_within_the_bound(world):
    services, clock, award_id = world
    publisher = services.badges.publisher
    assert publisher.assertion(award_id).status == 200
    assert publisher.public_page(award_id).state == "active"
    other = another_process(services, clock)
    try:
        other.badges.revoke(PLATFORM, award_id, "Podeljena pomotoma.")
    finally:
        other.close()
    assert publisher.assertion(award_id).status == 200  # still trusted: this is the bound
    clock.advance(seconds=FRESH_SECONDS)
    gone = publisher.assertion(award_id)
    assert gone.status == 410
    assert "Podeljena pomotoma." in gone.body.decode()
    page = publisher.public_page(award_id)
    assert page.state == "revoked" and page.revocation_reason == "Podeljena pomotoma."


def test_the_bound_counts_from_before_the_store_was_read(world, monkeypatch):
    """A read that takes long is no excuse: its answer expires FRESH_SECONDS after the read
    began, so a revocation committed while it ran shows within the bound too."""
    services, clock, award_id = world
    publisher = services.badges.publisher
    slow_read = store_badges.published_awards

    def read_slowly(db, public_ids):  # type: ignore[no-untyped-def]
        found = slow_read(db, public_ids)
        clock.advance(seconds=FRESH_SECONDS * 0.75)
        return found

    monkeypatch.setattr(store_badges, "published_awards", read_slowly)
    assert publisher.assertion(award_id).status == 200
    monkeypatch.setattr(store_badges, "published_awards", slow_read)
    other = another_process(services, clock)
    try:
        other.badges.revoke(PLATFORM, award_id, "Napaka.")
    finally:
        other.close()
    clock.advance(seconds=FRESH_SECONDS * 0.25)  # FRESH_SECONDS after the read began
    assert publisher.assertion(award_id).status == 410


def test_what_this_process_changes_shows_at_once(world):
    services, _clock, award_id = world
    publisher = services.badges.publisher
    assert publisher.public_page(award_id).recipient_name is None
    services.badges.show_name(person(services, LEARNER), award_id, "Ana Novak")
    assert publisher.public_page(award_id).recipient_name == "Ana Novak"
    assert publisher.assertion(award_id).status == 200
    services.badges.revoke(PLATFORM, award_id, "Napaka.")
    assert publisher.assertion(award_id).status == 410
    assert publisher.public_page(award_id).state == "revoked"


def test_a_new_award_is_published_at_once(world):
    """Nothing found is not remembered: an address asked for before its award exists answers
    as soon as it does."""
    services, _clock, _award_id = world
    publisher = services.badges.publisher
    person(services, SECOND)
    issued = services.badges.award(PLATFORM, "lj-robotika", SECOND)
    assert publisher.assertion(issued.award_id).status == 200
    assert publisher.assertion("not-yet-an-award") is None
    assert publisher.assertion("not-yet-an-award") is None


def test_a_key_rotated_by_another_process_shows_in_the_jwks(world):
    services, clock, _award_id = world
    publisher, urls = services.badges.publisher, services.badges.urls
    old = json.loads(publisher.jwks().body)["keys"]
    other = another_process(services, clock)
    try:
        rotated = other.badges.rotate_keys()
    finally:
        other.close()
    clock.advance(seconds=KEY_CHECK_EVERY)
    keys = [key["kid"] for key in json.loads(publisher.jwks().body)["keys"]]
    assert keys == [urls.key(rotated), *(key["kid"] for key in old)]
    assert publisher.key(rotated) is not None


def test_the_http_service_answers_410_within_the_bound(world):
    """Through the real application: the hosted assertion of an award revoked by another
    process answers 410 Gone once FRESH_SECONDS have passed."""
    services, clock, award_id = world
    urls = services.badges.urls
    app = build_http_app(services.badges.publisher, urls, publisher_threads=0)
    path = urls.assertion(award_id).removeprefix(urls.base_url)
    with TestClient(app, base_url=urls.base_url) as client:
        json_ld = {"Accept": "application/ld+json"}
        assert client.get(path, headers=json_ld).status_code == 200
        other = another_process(services, clock)
        try:
            other.badges.revoke(PLATFORM, award_id, "Napaka.")
        finally:
            other.close()
        clock.advance(seconds=FRESH_SECONDS)
        gone = client.get(path, headers=json_ld)
        assert gone.status_code == 410
        assert "Napaka." in gone.text


def test_the_memory_is_bounded_and_drops_the_least_recently_used_first():
    now = [0.0]
    fresh = _Fresh(1.0, 4000, lambda: now[0])
    body = Published(200, "application/json", b"x" * 900)
    for n in range(4):
        fresh.put(n, body, read_at=0.0)
    assert fresh.get(0) is body  # 0 is now the most recently used
    fresh.put(4, body, read_at=0.0)  # over 4000 bytes: 1, the least recently used, goes
    assert fresh.get(1) is None
    assert all(fresh.get(n) is body for n in (0, 2, 3, 4))
    now[0] = 1.0
    assert fresh.get(0) is None  # expired


def test_reading_keeps_the_statements_postgresql_prepared(tmp_path, issuing_keys, postgres_url):
    """The publisher's reads end in a commit. Ended in a rollback (a connection given back with
    its transaction open), psycopg forgets every statement it had prepared on the connection and
    has the server forget them too: each request's statements were planned again, and every read
    cost one more round trip."""
    services, _clock = badge_services(tmp_path, issuing_keys, postgres_url)
    try:
        person(services, LEARNER)
        award_id = services.badges.award(PLATFORM, "lj-robotika", LEARNER).award_id
        from_store = BadgePublisher(services.badges.context, fresh_seconds=0)
        engine = services.database.engine
        engine.dispose()  # one connection from here on: the reads' own
        for _ in range(8):  # psycopg prepares a statement at its fifth run
            assert from_store.assertion(award_id) is not None
        with engine.connect() as connection:
            prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements"))
            assert prepared.scalar_one() >= 1
    finally:
        services.close()
