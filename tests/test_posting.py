"""Organisations post from the chat (the use cases, on SQLite and PostgreSQL): an editor of a
youth centre writes a robotics evening step by step, every wrong answer is named and asked
again, the post is searchable the moment it is published (one passage embedded, no rebuild),
edited in place, withdrawn; a whole programme is uploaded all or nothing; a pruning catalogue
import leaves the chat's items alone; another organisation's editor is refused."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import time_machine
from sqlalchemy import select

from access.audit import entries
from access.policy import Actor, Refused
from bot.services import build_services
from index.search import SearchRequest
from organisations.problems import PostProblem
from store import people
from store.catalogue_import import CatalogueError, apply_records, prune_plan, read_catalogue
from store.models import Opportunity, Organisation, PostDraft, StaffMember

from .badges_world import CATALOGUE, MovableClock, catalogue_lines, seed_keys, settings_for

ZONE = ZoneInfo("Europe/Ljubljana")
SISKA = "Četrtni mladinski center Šiška"
LIBRARY = "Knjižnica"
EDITOR, LIBRARIAN, LEARNER = 5001, 5002, 5003
AS_EDITOR, AS_LIBRARIAN, AS_LEARNER = (Actor.on_telegram(i) for i in (EDITOR, LIBRARIAN, LEARNER))


class WordsEmbedder:
    """A stand-in embedder (hashed words): enough to find a title by its words."""

    name = "test-posting-words"
    dim = 64

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        vectors = np.full((len(texts), self.dim), 1e-3, dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, int(hashlib.sha1(word.encode()).hexdigest(), 16) % self.dim] += 1
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    embed_passages = embed_queries


def staff(services, telegram_id: int, organisation: str, role: str = "editor") -> int:
    with services.database.session() as session:
        person = people.reached_on_telegram(session, telegram_id, services.clock())
        org = session.scalars(select(Organisation).where(Organisation.name == organisation)).one()
        session.add(StaffMember(organisation_id=org.id, person_id=person.id, role=role))
        return org.id


@pytest.fixture
def world(tmp_path, issuing_keys, database_url):
    clock = MovableClock()
    seed_keys(issuing_keys, tmp_path)
    services = build_services(
        settings_for(tmp_path, database_url), clock=clock, embedder=WordsEmbedder()
    )
    with services.database.session() as session:
        apply_records(
            session,
            read_catalogue(catalogue_lines(CATALOGUE)),
            services.city.slug,
            ZONE,
            now=clock(),
        )
    services.catalogue.refresh()  # the index opened: everything later is an incremental sync
    siska = staff(services, EDITOR, SISKA)
    library = staff(services, LIBRARIAN, LIBRARY)
    yield services, siska, library
    services.close()


def problem(call, *args) -> PostProblem:  # type: ignore[no-untyped-def]
    with pytest.raises(PostProblem) as caught:
        call(*args)
    return caught.value


def write_robotics_evening(posts, organisation_id: int):  # type: ignore[no-untyped-def]
    """The editor answers every step as the chat would pass the answers on."""
    view = posts.start(AS_EDITOR, organisation_id)
    assert view.step == "languages"
    view = posts.choose(AS_EDITOR, "both")
    assert (view.step, view.language) == ("title", "sl")
    view = posts.answer(AS_EDITOR, "Robotski večer")
    assert (view.step, view.language) == ("title", "en")
    view = posts.answer(AS_EDITOR, "Robotics evening")
    view = posts.answer(AS_EDITOR, "Sestavimo robota iz lego kock.")
    view = posts.answer(AS_EDITOR, "We build a robot from lego bricks.")
    assert view.step == "kind"
    view = posts.choose(AS_EDITOR, "workshop")
    assert view.step == "when"
    view = posts.answer(AS_EDITOR, "12. 1. 2027 17:00 - 19:00")
    assert view.step == "where"
    view = posts.answer(AS_EDITOR, "Šiška")
    assert view.step == "audience"
    view = posts.toggle(AS_EDITOR, "youth")
    view = posts.toggle(AS_EDITOR, "children")
    view = posts.toggle(AS_EDITOR, "children")
    assert (view.step, view.data["audience"]) == ("audience", ["youth"])
    view = posts.skip(AS_EDITOR)  # done
    assert view.step == "topics"
    assert "robotics" in view.data["topic_choices"]  # the city's topics, offered as buttons
    view = posts.answer(AS_EDITOR, "robotics, lego")
    view = posts.answer(AS_EDITOR, "brezplačno")
    assert (view.step, view.data["price"]) == ("link", "0")
    view = posts.answer(AS_EDITOR, "https://mc-siska.example/robotski-vecer")
    view = posts.answer(AS_EDITOR, "Mladi konstruktor\nSestavi robota in ga predstavi.")
    assert view.step == "preview"
    return view


def test_an_editor_writes_a_post_step_by_step_and_it_is_searchable_at_once(world):
    services, siska, _library = world
    posts = services.posts
    write_robotics_evening(posts, siska)

    shown = posts.preview(AS_EDITOR)
    assert shown.title_sl == "Robotski večer" and shown.title_en == "Robotics evening"
    assert shown.district == "Šiška" and shown.lat is not None
    assert shown.starts_at == datetime(2027, 1, 12, 17, 0, tzinfo=ZONE)
    assert shown.organisation.name == SISKA

    published = posts.publish(AS_EDITOR)
    assert published.created
    assert published.external_id.endswith("/post-1")
    assert published.sync.embedded == 1 and not published.sync.rebuilt
    assert published.sync.added == [published.external_id]

    with services.database.session() as session:
        item = session.get_one(Opportunity, published.opportunity_id)
        assert (item.source, item.organisation_id, item.kind) == ("chat", siska, "workshop")
        assert item.price_eur == Decimal("0.00")
        assert item.badge_name_sl == "Mladi konstruktor"
        assert session.scalar(select(PostDraft)) is None  # the draft is gone
        [entry] = entries(session, siska, limit=1)
        assert (entry.action, entry.actor_telegram_id) == ("post.publish", EDITOR)

    _result, found = services.catalogue.search(SearchRequest("robotics evening lego", limit=3))
    assert found and found[0].opportunity.id == published.opportunity_id


def test_every_step_names_what_is_wrong_and_keeps_the_step(world):
    services, siska, _library = world
    posts = services.posts
    posts.start(AS_EDITOR, siska)
    assert problem(posts.choose, AS_EDITOR, "de").code == "unknown_choice"
    posts.choose(AS_EDITOR, "sl")
    too_long = problem(posts.answer, AS_EDITOR, "x" * 301)
    assert (too_long.code, too_long.params["limit"]) == ("too_long", 300)
    assert problem(posts.answer, AS_EDITOR, "   ").code == "empty"
    assert problem(posts.locate, AS_EDITOR, 46.05, 14.5).code == "location_not_asked"
    posts.answer(AS_EDITOR, "Večer iger")
    posts.answer(AS_EDITOR, "Družabne igre za vse.")
    assert problem(posts.answer, AS_EDITOR, "party").code == "unknown_choice"
    posts.answer(AS_EDITOR, "event")
    for written, code in [
        ("23. 11. 2026 11:00", "past_date"),  # an hour ago
        ("12. 1. 2027", "time_missing"),
        ("31. 2. 2027 10:00", "bad_date"),
        ("12. 1. 2027 18:00 - 17:00", "end_before_start"),
    ]:
        assert problem(posts.answer, AS_EDITOR, written).code == code, written
    assert posts.current(AS_EDITOR).step == "when"
    view = posts.answer(AS_EDITOR, "vsak petek ob 18h")
    assert view.data["when"]["schedule"] == "vsak petek ob 18h"
    not_found = problem(posts.answer, AS_EDITOR, "Atlantida")
    assert (not_found.code, not_found.params["place"]) == ("place_not_found", "Atlantida")
    assert problem(posts.locate, AS_EDITOR, 48.85, 2.35).code == "not_in_slovenia"  # Paris
    view = posts.answer(AS_EDITOR, "Šmartinska 134a, Moste")
    assert view.data["where"]["address"] == "Šmartinska 134a, Moste"
    assert view.data["where"]["district"] == "Moste"
    assert problem(posts.answer, AS_EDITOR, "pensioners").code == "unknown_choice"
    posts.answer(AS_EDITOR, "everyone")
    posts.skip(AS_EDITOR)  # no topics
    assert problem(posts.answer, AS_EDITOR, "a lot").code == "bad_price"
    assert problem(posts.answer, AS_EDITOR, "-5").code == "bad_price"
    view = posts.answer(AS_EDITOR, "12,50 €")
    assert view.data["price"] == "12.50"
    assert problem(posts.answer, AS_EDITOR, "ftp://games.example").code == "bad_link"
    assert posts.current(AS_EDITOR).step == "link"
    assert posts.skip(AS_EDITOR).step == "badge"  # a link is optional
    assert posts.skip(AS_EDITOR).step == "preview"  # and so is a badge


def test_a_past_date_is_refused_by_the_city_clock(tmp_path, issuing_keys):
    """At the pinned time (23 Nov 2026) a January evening is ahead; in February it is past."""
    seed_keys(issuing_keys, tmp_path)
    services = build_services(
        settings_for(tmp_path), clock=lambda: datetime.now(ZONE), embedder=WordsEmbedder()
    )
    with services.database.session() as session:
        apply_records(session, read_catalogue(catalogue_lines()), services.city.slug, ZONE)
    siska = staff(services, EDITOR, SISKA)
    posts = services.posts
    posts.start(AS_EDITOR, siska)
    posts.choose(AS_EDITOR, "en")
    posts.answer(AS_EDITOR, "Games night")
    posts.answer(AS_EDITOR, "Board games.")
    posts.choose(AS_EDITOR, "event")
    with time_machine.travel(datetime(2027, 2, 1, 9, 0, tzinfo=ZONE), tick=False):
        assert problem(posts.answer, AS_EDITOR, "January 12, 2027 5 pm").code == "past_date"
        assert posts.current(AS_EDITOR).step == "when"
    view = posts.answer(AS_EDITOR, "January 12, 2027 5 pm")
    assert view.step == "where"
    assert view.data["when"]["start"] == "2027-01-12T17:00:00+01:00"
    services.close()


def test_a_draft_survives_and_an_edit_changes_the_item_in_place(world):
    services, siska, _library = world
    posts = services.posts
    write_robotics_evening(posts, siska)
    first = posts.publish(AS_EDITOR)

    view = posts.edit(AS_EDITOR, siska, first.opportunity_id)
    assert view.step == "preview" and view.opportunity_id == first.opportunity_id
    assert view.data["title"] == {"sl": "Robotski večer", "en": "Robotics evening"}
    view = posts.go_to(AS_EDITOR, "price")
    assert view.step == "price"
    view = posts.answer(AS_EDITOR, "5")
    assert view.step == "preview"  # back to the preview after the one change
    again = posts.publish(AS_EDITOR)
    assert (again.opportunity_id, again.external_id, again.created) == (
        first.opportunity_id,
        first.external_id,
        False,
    )
    assert again.sync.updated == [first.external_id] and again.sync.embedded <= 1
    with services.database.session() as session:
        assert session.get_one(Opportunity, first.opportunity_id).price_eur == Decimal("5.00")
        assert (
            len(session.scalars(select(Opportunity).where(Opportunity.source == "chat")).all()) == 1
        )

    page = posts.my_posts(AS_EDITOR, siska)
    assert page.total == 2  # the robotics workshop of the catalogue and the evening
    assert page.items[0].opportunity_id == first.opportunity_id


def test_withdrawn_is_gone_from_search_at_once(world):
    services, siska, _library = world
    posts = services.posts
    write_robotics_evening(posts, siska)
    published = posts.publish(AS_EDITOR)
    sync = posts.withdraw(AS_EDITOR, siska, published.opportunity_id)
    assert sync.removed == [published.external_id] and not sync.rebuilt
    _result, found = services.catalogue.search(SearchRequest("robotics evening lego", limit=5))
    assert published.opportunity_id not in [f.opportunity.id for f in found]
    assert posts.my_posts(AS_EDITOR, siska).total == 1
    with services.database.session() as session:
        assert entries(session, siska, limit=1)[0].action == "post.withdraw"


def test_editors_of_another_organisation_are_refused(world):
    services, siska, library = world
    posts = services.posts
    write_robotics_evening(posts, siska)
    published = posts.publish(AS_EDITOR)
    with pytest.raises(Refused):
        posts.withdraw(AS_LIBRARIAN, library, published.opportunity_id)  # not theirs
    with pytest.raises(Refused):
        posts.withdraw(AS_LIBRARIAN, siska, published.opportunity_id)  # not their staff
    with pytest.raises(Refused):
        posts.edit(AS_LIBRARIAN, siska, published.opportunity_id)
    with pytest.raises(Refused):
        posts.start(AS_LEARNER, siska)
    with pytest.raises(Refused):
        posts.my_posts(AS_LIBRARIAN, siska)
    with pytest.raises(Refused):
        posts.upload(AS_LIBRARIAN, siska, b'{"id": "x", "title": "X", "description": "Y"}\n')
    with services.database.session() as session:
        assert session.get_one(Opportunity, published.opportunity_id).withdrawn_at is None


def programme(*records: dict) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode() + b"\n"


def test_a_programme_upload_is_all_or_nothing_with_the_line_and_field_named(world):
    services, siska, _library = world
    posts = services.posts
    good = {"id": "zima-1", "title": {"sl": "Zimska šola"}, "description": {"sl": "Pet dni."}}
    bad = {"id": "zima-2", "title": {"sl": "Šah"}, "description": {"sl": "Šah."}, "kind": "game"}
    with pytest.raises(CatalogueError) as caught:
        posts.upload(AS_EDITOR, siska, programme(good, bad))
    [error] = caught.value.errors
    assert (error.line, error.field) == (2, "kind")
    other = dict(good, id="zima-3", organisation=LIBRARY)
    with pytest.raises(CatalogueError) as caught:
        posts.upload(AS_EDITOR, siska, b"\n" + programme(good, other))
    [error] = caught.value.errors
    assert (error.line, error.field) == (3, "organisation") and LIBRARY in error.message
    with services.database.session() as session:
        assert not session.scalars(select(Opportunity).where(Opportunity.source == "upload")).all()

    second = dict(good, id="zima-2", title={"sl": "Šah"}, organisation=SISKA)
    uploaded = posts.upload(AS_EDITOR, siska, programme(good, second))
    with services.database.session() as session:
        slug = session.get_one(Organisation, siska).slug
        rows = session.scalars(select(Opportunity).where(Opportunity.source == "upload")).all()
        assert sorted(o.external_id for o in rows) == [f"{slug}/zima-1", f"{slug}/zima-2"]
        assert {o.organisation_id for o in rows} == {siska}
    assert uploaded.created == [f"{slug}/zima-1", f"{slug}/zima-2"]
    assert uploaded.sync is not None and uploaded.sync.embedded == 2


def test_a_pruning_catalogue_import_keeps_what_organisations_posted(world):
    services, siska, _library = world
    posts = services.posts
    write_robotics_evening(posts, siska)
    published = posts.publish(AS_EDITOR)
    posts.upload(AS_EDITOR, siska, programme({"id": "z", "title": "Z", "description": "Z"}))
    catalogue = services.catalogue
    kept_file = read_catalogue(catalogue_lines(CATALOGUE[:1]))
    with services.database.session() as session:
        plan = prune_plan(session, kept_file)
    assert (plan.withdrawn, plan.active) == (2, 3)  # the catalogue's own three, nothing posted
    report, _sync = catalogue._store(kept_file, prune=True)
    assert sorted(report.withdrawn) == ["lj-a1", "lj-talk"]
    with services.database.session() as session:
        kept = session.scalars(
            select(Opportunity.source).where(Opportunity.withdrawn_at.is_(None))
        ).all()
        assert sorted(kept) == ["catalogue", "chat", "upload"]
        assert session.get_one(Opportunity, published.opportunity_id).withdrawn_at is None


def test_a_paused_draft_is_continued_and_a_discarded_one_is_gone(world):
    services, siska, _library = world
    posts = services.posts
    posts.start(AS_EDITOR, siska)
    posts.choose(AS_EDITOR, "sl")
    posts.answer(AS_EDITOR, "Pravljična ura")
    assert posts.drafting() == [EDITOR]  # the chat takes this conversation up after a restart
    assert posts.pause(AS_EDITOR).paused
    assert posts.drafting() == []  # put aside: the editor's messages are theirs again
    view = posts.start(AS_EDITOR, siska)
    assert posts.drafting() == [EDITOR]
    assert (view.step, view.paused, view.data["title"]) == (
        "description",
        False,
        {"sl": "Pravljična ura"},
    )
    assert posts.discard(AS_EDITOR)
    assert posts.current(AS_EDITOR) is None
    assert posts.start(AS_EDITOR, siska).step == "languages"


def test_editing_the_languages_asks_only_for_the_texts_missing(world):
    services, siska, _library = world
    posts = services.posts
    posts.start(AS_EDITOR, siska)
    posts.choose(AS_EDITOR, "sl")
    for answer in ["Pravljična ura", "Pravljice za otroke.", "event", "vsako soboto ob 10h"]:
        posts.answer(AS_EDITOR, answer)
    posts.choose(AS_EDITOR, "online")
    for _skipped in ("audience", "topics"):
        posts.skip(AS_EDITOR)
    posts.choose(AS_EDITOR, "free")
    posts.skip(AS_EDITOR)
    assert posts.skip(AS_EDITOR).step == "preview"

    view = posts.go_to(AS_EDITOR, "languages")
    view = posts.choose(AS_EDITOR, "both")
    assert (view.step, view.language) == ("title", "sl")  # the texts are asked again
    posts.answer(AS_EDITOR, "Pravljična ura")
    posts.answer(AS_EDITOR, "Story time")
    posts.answer(AS_EDITOR, "Pravljice za otroke.")
    view = posts.answer(AS_EDITOR, "Stories for children.")
    assert view.step == "preview"  # not through kind, when, where … again
    assert posts.preview(AS_EDITOR).title_en == "Story time"
    view = posts.go_to(AS_EDITOR, "topics")
    assert "robotics" in view.data["topic_choices"]  # the buttons are there when editing too
