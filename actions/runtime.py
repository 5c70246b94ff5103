"""How actions are called in-process: a rasa-sdk Tracker made from slots, one action run as the
action server would run it, and its messages read back (the same Action objects the rasa-sdk
action server serves to a Rasa deployment, see bot/action_server.py)."""

from __future__ import annotations

import inspect
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import Message, from_json


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
