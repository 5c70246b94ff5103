"""Actions for what is not a search: greetings, help, badges, subscriptions, the language, and
what colbot cannot help with. Each answers with a Notice the front words."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue_actions import say
from actions.messages import Notice


class NoticeAction(Action):
    """Answers with one notice."""

    code = ""
    action_name = ""

    def name(self) -> str:
        return self.action_name

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        say(dispatcher, Notice(self.code))
        return []


class ActionGreet(NoticeAction):
    action_name, code = "action_greet", "greet"


class ActionGoodbye(NoticeAction):
    action_name, code = "action_goodbye", "goodbye"


class ActionHelp(NoticeAction):
    action_name, code = "action_help", "help"


class ActionMyBadges(NoticeAction):
    action_name, code = "action_my_badges", "no_badges"


class ActionClaimBadge(NoticeAction):
    action_name, code = "action_claim_badge", "claim_badge"


class ActionSubscribe(NoticeAction):
    action_name, code = "action_subscribe", "subscribe"


class ActionChangeLanguage(NoticeAction):
    action_name, code = "action_change_language", "choose_language"


class ActionOutOfScope(NoticeAction):
    action_name, code = "action_out_of_scope", "out_of_scope"
