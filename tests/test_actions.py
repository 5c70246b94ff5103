"""The rasa-sdk actions, called in-process as the bot calls them: structured, language-free
replies that survive the trip through JSON unchanged."""

import pytest
from sqlalchemy import select

from actions.catalogue_actions import search_id
from actions.messages import Details, Notice, ResultList, Venue, from_json, to_json
from actions.runtime import make_tracker, run_action
from index.geo import GeoPoint
from store.models import Opportunity


@pytest.fixture
def service(shared_services):
    return shared_services.catalogue


@pytest.fixture
def actions(shared_services):
    """The action objects the dialogue holds, by name."""
    return shared_services.dialogue.actions


def test_search_gives_a_page_of_cards_with_distances(actions):
    tracker = make_tracker("u1", {"query": "robotika", "near_lat": 46.07, "near_lon": 14.49})
    messages, events = run_action(actions["action_search"], tracker)
    [page] = messages
    assert isinstance(page, ResultList)
    assert page.cards[0].key == "lj-0013" and page.cards[0].distance_km < 2
    assert page.cards[0].title["sl"].startswith("Robotski krožek")
    assert page.search_id == search_id("robotika", GeoPoint(46.07, 14.49))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots == {"query": "robotika", "search_offset": 0}


def test_more_results_continue_where_the_page_ended(actions):
    first, _ = run_action(actions["action_search"], make_tracker("u1", {"query": "tečaj"}))
    second, _ = run_action(
        actions["action_more_results"], make_tracker("u1", {"query": "tečaj", "search_offset": 0})
    )
    assert second[0].offset == 5
    assert not {c.key for c in first[0].cards} & {c.key for c in second[0].cards}
    last, _ = run_action(
        actions["action_more_results"], make_tracker("u1", {"query": "tečaj", "search_offset": 500})
    )
    assert last == [Notice("no_more")]


def test_nothing_found_is_said_plainly(actions):
    messages, _ = run_action(actions["action_search"], make_tracker("u1", {"query": "🙂"}))
    assert isinstance(messages[0], ResultList) and messages[0].notices == ["no_words"]
    messages, _ = run_action(
        actions["action_search"], make_tracker("u1", {"query": "tečaj", "search_offset": 0})
    )
    assert messages[0].cards


def test_details_and_the_map(service, actions):
    with service.database.session() as session:
        robotics = session.scalar(select(Opportunity).where(Opportunity.external_id == "lj-0013"))
        online = session.scalar(select(Opportunity).where(Opportunity.external_id == "on-0001"))
    [details], _ = run_action(
        actions["action_details"], make_tracker("u1", {"opportunity_id": robotics.id})
    )
    assert isinstance(details, Details) and details.opportunity.description["sl"]
    [venue], _ = run_action(
        actions["action_show_on_map"], make_tracker("u1", {"opportunity_id": robotics.id})
    )
    assert isinstance(venue, Venue) and venue.opportunity.lat == pytest.approx(robotics.lat)
    [notice], _ = run_action(
        actions["action_show_on_map"], make_tracker("u1", {"opportunity_id": online.id})
    )
    assert notice == Notice("no_place", {"online": True})
    [gone], _ = run_action(actions["action_details"], make_tracker("u1", {"opportunity_id": "x"}))
    assert gone == Notice("gone")


def test_messages_survive_json(actions):
    messages, _ = run_action(actions["action_search"], make_tracker("u1", {"query": "e-uprava"}))
    assert [from_json(to_json(m)) for m in messages] == messages


def test_the_rasa_action_server_serves_the_dialogues_own_actions(shared_services):
    from bot.action_server import action_executor

    executor = action_executor(shared_services)
    assert set(executor.actions) == set(shared_services.dialogue.actions)
    assert {"action_search", "action_more_results", "action_details", "action_show_on_map"} <= set(
        executor.actions
    )
    assert (
        executor.actions["action_search"].__self__
        is shared_services.dialogue.actions["action_search"]
    )
