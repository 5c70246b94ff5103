"""Where actions find the catalogue, and how the bot calls them in-process (the same Action
classes the rasa-sdk action server serves to a Rasa deployment)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import Message, from_json
from index.service import CatalogueService
from knowledge.service import KnowledgeService

_service: CatalogueService | None = None
Clock = Callable[[], datetime]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


_clock: Clock = _wall_clock


def configure(service: CatalogueService, clock: Clock | None = None) -> None:
    """Give the actions the catalogue service the bot already has, and the clock they read
    (the wall clock unless a test gives its own)."""
    global _service, _clock
    _service = service
    _clock = clock or _wall_clock


def now() -> datetime:
    """The time for the actions and the reminders: an aware datetime."""
    return _clock()


def catalogue() -> CatalogueService:
    """The configured service, or one made from the environment (the action server's case)."""
    global _service, _clock
    if _service is None:
        from bot.cli import make_service
        from bot.settings import Settings

        _service = make_service(Settings.from_environment(), quiet=True)
        _clock = _service.clock
    return _service


_knowledge: KnowledgeService | None = None


def configure_knowledge(service: KnowledgeService) -> None:
    """Give the actions the knowledge base the bot already has."""
    global _knowledge
    _knowledge = service


def knowledge() -> KnowledgeService:
    """The configured knowledge base, or one made from the environment."""
    global _knowledge
    if _knowledge is None:
        from bot.cli import make_knowledge
        from bot.settings import Settings

        _knowledge = make_knowledge(Settings.from_environment(), catalogue())
    return _knowledge


def make_tracker(
    sender_id: str, slots: dict[str, Any], text: str = "", intent: str = ""
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    return Tracker(sender_id, slots, latest, [], False, None, {}, None)


def messages_of(dispatcher: CollectingDispatcher) -> list[Message]:
    return [from_json(m["custom"]) for m in dispatcher.messages if m.get("custom")]


def run_action(action: Action, tracker: Tracker) -> tuple[list[Message], list[dict[str, Any]]]:
    """Run one action as the action server would; its messages and events."""
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    if inspect.isawaitable(events):  # pragma: no cover - our actions are synchronous
        raise TypeError(f"{action.name()} is asynchronous; call it from the action server")
    return messages_of(dispatcher), list(events or [])
