"""Actions over the catalogue: search (and its next pages), details, and the place on a map."""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from actions.base import ColbotAction, say
from actions.messages import Details, Message, Notice, ResultList, Venue
from actions.services import ActionServices
from actions.views import view_of
from index.geo import GeoPoint
from index.search import SearchRequest, SearchResult
from index.service import Found
from store.models import Opportunity

PAGE = 5


def search_id(text: str, near: GeoPoint | None) -> str:
    """A short, stable name for a search, for 'more results' buttons (64-byte callbacks)."""
    raw = f"{text}|{near.lat:.4f},{near.lon:.4f}" if near else text
    return hashlib.blake2s(raw.encode("utf-8", "replace"), digest_size=6).hexdigest()


def result_list(
    services: ActionServices,
    result: SearchResult,
    found: list[Found],
    text: str,
    near: GeoPoint | None,
    offset: int = 0,
) -> ResultList:
    """A page of search results as every front shows it."""
    zone = services.zone
    cards = [view_of(item.opportunity, zone, item.hit.distance_km) for item in found]
    place = result.place.name if result.place else None
    return ResultList(cards, offset, result.total, search_id(text, near), place, result.notices)


def near_of(tracker: Tracker) -> GeoPoint | None:
    lat, lon = tracker.get_slot("near_lat"), tracker.get_slot("near_lon")
    if lat is None or lon is None:
        return None
    try:
        return GeoPoint(float(lat), float(lon))
    except (TypeError, ValueError):
        return None


def written_in_of(tracker: Tracker) -> str | None:
    """The language the person writes in, when the interpreter was sure of it (the `written_in`
    slot); else None, and the search reads it from the query's own words."""
    language = tracker.get_slot("written_in")
    return language if isinstance(language, str) and language else None


def search_reply(
    services: ActionServices,
    text: str,
    near: GeoPoint | None,
    offset: int = 0,
    written_in: str | None = None,
) -> Message:
    """A page of what the words find, or why there is none."""
    result, found = services.catalogue.search(
        SearchRequest(
            text=text,
            near=near,
            limit=PAGE,
            offset=offset,
            now=services.clock(),
            written_in=written_in,
        )
    )
    if not found and offset == 0 and not result.notices:
        return Notice("not_found")
    if not found and offset > 0:
        return Notice("no_more")
    return result_list(services, result, found, text, near, offset)


class ActionSearch(ColbotAction):
    """Find opportunities for the query in the `query` slot, near `near_lat`/`near_lon`."""

    def name(self) -> str:
        return "action_search"

    def offset(self, tracker: Tracker) -> int:
        return 0

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.get_slot("query") or tracker.latest_message.get("text") or ""
        offset = max(0, self.offset(tracker))
        near, written_in = near_of(tracker), written_in_of(tracker)
        say(dispatcher, search_reply(self.services, text, near, offset, written_in))
        return [SlotSet("query", text), SlotSet("search_offset", offset)]


class ActionMoreResults(ActionSearch):
    """The next page of the search in the slots."""

    def name(self) -> str:
        return "action_more_results"

    def offset(self, tracker: Tracker) -> int:
        try:
            return int(tracker.get_slot("search_offset") or 0) + PAGE
        except (TypeError, ValueError):
            return PAGE


def opportunity_in(services: ActionServices, tracker: Tracker) -> Opportunity | None:
    """The opportunity named by the `opportunity_id` slot, if it is still in the catalogue."""
    try:
        wanted = int(tracker.get_slot("opportunity_id"))
    except (TypeError, ValueError):
        return None
    if not 0 < wanted < 2**31:
        return None
    with services.catalogue.database.session() as session:
        query = (
            select(Opportunity)
            .where(Opportunity.id == wanted, Opportunity.withdrawn_at.is_(None))
            .options(selectinload(Opportunity.organisation))
        )
        return session.scalar(query)


class OpportunityAction(ColbotAction):
    """An action about the opportunity in the `opportunity_id` slot."""

    @abstractmethod
    def answer(self, opportunity: Opportunity) -> Message: ...

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        opportunity = opportunity_in(self.services, tracker)
        say(dispatcher, Notice("gone") if opportunity is None else self.answer(opportunity))
        return []


class ActionDetails(OpportunityAction):
    def name(self) -> str:
        return "action_details"

    def answer(self, opportunity: Opportunity) -> Message:
        return Details(view_of(opportunity, self.services.zone, full=True))


class ActionShowOnMap(OpportunityAction):
    def name(self) -> str:
        return "action_show_on_map"

    def answer(self, opportunity: Opportunity) -> Message:
        if opportunity.lat is None or opportunity.lon is None:
            return Notice("no_place", {"online": opportunity.online})
        return Venue(view_of(opportunity, self.services.zone))
