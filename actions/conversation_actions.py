"""Actions for what is not a search: greetings, help, badges, subscriptions, the language, and
what colbot cannot help with. Each answers with a Notice the front words."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ColbotAction, say
from actions.messages import Notice


class NoticeAction(ColbotAction):
    """Answers with one notice, named by the subclass."""

    @abstractmethod
    def notice(self) -> Notice: ...

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        say(dispatcher, self.notice())
        return []


class ActionGreet(NoticeAction):
    def name(self) -> str:
        return "action_greet"

    def notice(self) -> Notice:
        return Notice("greet")


class ActionGoodbye(NoticeAction):
    def name(self) -> str:
        return "action_goodbye"

    def notice(self) -> Notice:
        return Notice("goodbye")


class ActionHelp(NoticeAction):
    def name(self) -> str:
        return "action_help"

    def notice(self) -> Notice:
        return Notice("help")


class ActionMyBadges(NoticeAction):
    def name(self) -> str:
        return "action_my_badges"

    def notice(self) -> Notice:
        return Notice("no_badges")


class ActionClaimBadge(NoticeAction):
    def name(self) -> str:
        return "action_claim_badge"

    def notice(self) -> Notice:
        return Notice("claim_badge")


class ActionSubscribe(NoticeAction):
    def name(self) -> str:
        return "action_subscribe"

    def notice(self) -> Notice:
        return Notice("subscribe")


class ActionChangeLanguage(NoticeAction):
    def name(self) -> str:
        return "action_change_language"

    def notice(self) -> Notice:
        return Notice("choose_language")


class ActionOutOfScope(NoticeAction):
    def name(self) -> str:
        return "action_out_of_scope"

    def notice(self) -> Notice:
        return Notice("out_of_scope")
