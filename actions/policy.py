"""The dialogue: which action answers an understood message (the policy of a one-step
assistant), and every action by name, built once with the services they work with. Every front
(Telegram, the terminal, the rasa-sdk action server, the tests) enters here."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from actions.base import ColbotAction
from actions.catalogue_actions import (
    ActionDetails,
    ActionMoreResults,
    ActionSearch,
    ActionShowOnMap,
)
from actions.conversation_actions import (
    ActionChangeLanguage,
    ActionClaimBadge,
    ActionGoodbye,
    ActionGreet,
    ActionHelp,
    ActionMyBadges,
    ActionOutOfScope,
    ActionSubscribe,
)
from actions.knowledge_actions import ActionCourseInfo, ActionKnowledgeEntry, unsure_of
from actions.messages import OFFERABLE, Message, Notice, Offer
from actions.routing import ACTION_FOR_INTENT, SEARCH, Route, route
from actions.runtime import make_tracker, run_action
from actions.saved_actions import ActionListSaved, ActionRemoveSaved, ActionSaveOpportunity
from actions.services import ActionServices
from nlu.interpretation import Interpretation

ACTIONS: tuple[type[ColbotAction], ...] = (
    ActionSearch,
    ActionMoreResults,
    ActionDetails,
    ActionShowOnMap,
    ActionCourseInfo,
    ActionKnowledgeEntry,
    ActionSaveOpportunity,
    ActionListSaved,
    ActionRemoveSaved,
    ActionGreet,
    ActionGoodbye,
    ActionHelp,
    ActionMyBadges,
    ActionClaimBadge,
    ActionSubscribe,
    ActionChangeLanguage,
    ActionOutOfScope,
)


def asker_slots(interpretation: Interpretation) -> dict[str, Any]:
    """What the interpreter knows of the person beyond the words, for the actions (and for a
    search's next pages): the language they write in, when it is sure of it (the search favours
    what is offered in it; the query's own small words tell it less often)."""
    return {"written_in": interpretation.language} if interpretation.language_sure else {}


class Dialogue:
    def __init__(self, services: ActionServices) -> None:
        self.services = services
        built = (action_class(services) for action_class in ACTIONS)
        self.actions: dict[str, ColbotAction] = {action.name(): action for action in built}

    def run(
        self, name: str, slots: dict[str, Any], sender: str, text: str = "", intent: str = ""
    ) -> list[Message]:
        """The messages of one action, called by name (a button, a command, the policy)."""
        tracker = make_tracker(sender, slots, text, intent)
        messages, _events = run_action(self.actions[name], tracker)
        return messages

    def route(self, interpretation: Interpretation) -> Route:
        """How an understood message is answered (actions.routing)."""
        return route(interpretation, self.services.knowledge.match)

    def action_for(self, interpretation: Interpretation) -> str:
        """The action that answers an understood message."""
        return self.route(interpretation).action

    def respond(
        self, interpretation: Interpretation, slots: dict[str, Any], sender: str
    ) -> list[Message]:
        """The replies to one understood message, as every front gives them."""
        match = lru_cache(maxsize=1)(self.services.knowledge.match)  # asked once a message
        chosen = route(interpretation, match)
        slots = {**slots, **asker_slots(interpretation)}
        if chosen.action == SEARCH:
            slots = {"query": interpretation.text, **slots}
        if chosen.with_results:
            slots = {**slots, "with_results": True}
        text, intent = interpretation.text, interpretation.intent
        messages = self.run(chosen.action, slots, sender, text, intent)
        if chosen.topics:
            messages.append(unsure_of(self.services, match(text)))
        if chosen.offer is not None:
            messages.append(Offer(chosen.offer))
        if interpretation.language_sure and interpretation.language not in ("sl", "en"):
            # a guess ("e-uprava" reads as Croatian too) is not worth a note
            messages.insert(0, Notice("guessed_language", {"language": interpretation.language}))
        return messages

    def run_offered(self, intent: str, sender: str) -> list[Message]:
        """What an offered intent's button does; an intent never offered answers nothing."""
        if intent not in OFFERABLE:
            return []
        return self.run(ACTION_FOR_INTENT[intent], {}, sender)
