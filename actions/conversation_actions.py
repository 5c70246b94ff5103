"""Actions for what is not a search: greetings, help, badges, subscriptions, the language, and
what colbot cannot help with. Each answers with a Notice the front words, but the learner's own
badges (a page of them)."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ColbotAction, say
from actions.messages import BadgeWallet, Notice
from actions.views import wallet_item_of
from badges.wallet import PAGE


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


class ActionMyBadges(ColbotAction):
    """The sender's badges, a page at a time (the `wallet_offset` slot), newest first; with none
    yet, how badges are earned."""

    def name(self) -> str:
        return "action_my_badges"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        badges = self.services.badges
        person_id = str(tracker.sender_id or "")
        if badges is None or not person_id.isdigit():
            say(dispatcher, Notice("no_badges"))
            return []
        offset = int(tracker.get_slot("wallet_offset") or 0)
        page = badges.my_badges(int(person_id), max(0, offset), PAGE)
        if page.total == 0:
            say(dispatcher, Notice("no_badges"))
        elif not page.badges:
            say(dispatcher, Notice("no_more_badges"))
        else:
            items = [wallet_item_of(badge, self.services.zone) for badge in page.badges]
            say(dispatcher, BadgeWallet(items, page.offset, page.total))
        return []


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
