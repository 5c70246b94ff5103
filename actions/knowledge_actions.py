"""Actions of the plain-language answers: a question answered from the knowledge base with the
matching courses of the live catalogue (nearest first when the place is known); a question that
also asks for something to attend, answered with the search's own results below; or, when the
base is not sure, what the words find, the closest topics and people to ask."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ColbotAction, say
from actions.catalogue_actions import near_of, search_reply, written_in_of
from actions.messages import Answer, Notice, OpportunityView, Topic, Unsure
from actions.services import ActionServices
from actions.views import view_of
from index.geo import GeoPoint
from index.search import SearchRequest
from knowledge.entries import KnowledgeEntry
from knowledge.matcher import KnowledgeMatch

COURSES = 3
SEARCHED = 20  # results looked through for ones on the entry's topics
TOPICS_OFFERED = 2


def courses_for(
    services: ActionServices, entry: KnowledgeEntry, near: GeoPoint | None, question: str = ""
) -> list[OpportunityView]:
    """Current opportunities on the entry's topics: first those the person's own words find
    (so "free", "in the evening", "in Šiška" still count), else those the topics find; nearest
    first when the person's place is known."""
    wanted = {t.lower() for t in entry.topics}
    fitting: list = []
    topics_text = " ".join([entry.title["sl"], entry.title["en"], *entry.topics])
    for text in (question, topics_text):
        if not text.strip():
            continue
        _, found = services.catalogue.search(
            SearchRequest(text=text, near=near, limit=SEARCHED, now=services.clock())
        )
        fitting = [f for f in found if wanted & {t.lower() for t in f.opportunity.topics}]
        if fitting:
            break
    if near is not None:
        fitting.sort(key=lambda f: (f.hit.distance_km is None, f.hit.distance_km or 0.0))
    return [view_of(f.opportunity, services.zone, f.hit.distance_km) for f in fitting[:COURSES]]


def answer_of(
    services: ActionServices,
    entry: KnowledgeEntry,
    near: GeoPoint | None,
    simple: bool = False,
    question: str = "",
    courses: bool = True,
) -> Answer:
    return Answer(
        entry_id=entry.id,
        title=dict(entry.title),
        text=dict(entry.answer),
        next_step=dict(entry.next_step),
        source_name=entry.source_name,
        source_url=entry.source_url,
        written=entry.written.isoformat(),
        courses=courses_for(services, entry, near, question) if courses else [],
        simple=simple,
    )


def unsure_of(services: ActionServices, match: KnowledgeMatch) -> Unsure:
    """What a question the base is not sure of gets below the search's results: the closest
    topics to choose from and a person to ask."""
    topics = [Topic(m.entry.id, dict(m.entry.title)) for m in match.ranked[:TOPICS_OFFERED]]
    return Unsure(topics, services.knowledge.contact)


class ActionCourseInfo(ColbotAction):
    """A question about learning Slovenian or digital skills, in any language."""

    def name(self) -> str:
        return "action_course_info"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or tracker.get_slot("query") or ""
        knowledge = self.services.knowledge
        match = knowledge.match(text)
        near = near_of(tracker)
        if match.confident and match.best is not None:
            entry = match.best.entry
            simple = bool(tracker.get_slot("simple"))
            if not tracker.get_slot("with_results"):
                say(dispatcher, answer_of(self.services, entry, near, simple, text))
                return [SlotSet("entry_id", entry.id)]
            # it also asks for something to attend: the answer, then what the search finds
            say(dispatcher, answer_of(self.services, entry, near, simple, text, courses=False))
            say(dispatcher, search_reply(self.services, text, near, 0, written_in_of(tracker)))
            return [
                SlotSet("entry_id", entry.id),
                SlotSet("query", text),
                SlotSet("search_offset", 0),
            ]
        # not sure: what the words find in the catalogue, then the closest topics and a person
        found = search_reply(self.services, text, near, 0, written_in_of(tracker))
        if not (isinstance(found, Notice) and found.code == "not_found"):
            say(dispatcher, found)
        say(dispatcher, unsure_of(self.services, match))
        return [SlotSet("query", text), SlotSet("search_offset", 0)]


class ActionKnowledgeEntry(ColbotAction):
    """One entry, chosen by a button (a topic offered, or the simple menu for seniors)."""

    def name(self) -> str:
        return "action_knowledge_entry"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        entry = self.services.knowledge.get(str(tracker.get_slot("entry_id") or ""))
        if entry is None:
            say(dispatcher, Notice("entry_gone"))
            return []
        simple = bool(tracker.get_slot("simple"))
        say(dispatcher, answer_of(self.services, entry, near_of(tracker), simple))
        return [SlotSet("entry_id", entry.id)]
