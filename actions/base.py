"""What every colbot action shares: the services it is given, and how it speaks (a structured
message as rasa-sdk's `json_message`, worded later by the front in the person's language)."""

from __future__ import annotations

from abc import ABC

from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import Message, to_json
from actions.services import ActionServices


def say(dispatcher: CollectingDispatcher, message: Message) -> None:
    dispatcher.utter_message(json_message=to_json(message))


class ColbotAction(Action, ABC):
    """An action given the services it works with (the rasa-sdk action server and the
    in-process call hold the same objects)."""

    def __init__(self, services: ActionServices) -> None:
        self.services = services
