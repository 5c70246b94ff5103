"""A hostile or careless person in Telegram: forged button data, a button with no message to
belong to, commands that do not exist, enormous messages. Every button press is answered (no
spinner left turning), every message gets a polite word in the person's language, and no
traceback reaches a chat."""

import asyncio
from collections import Counter

from .botapi_double import BotApiDouble
from .test_telegram import running

FORGER, INLINE, TALKER, BYSTANDER = 3001, 3002, 3003, 3004
FORGED = [
    "sav:²",  # superscript digits pass str.isdigit()
    "det:99999999999999999999",  # ≥ 2**63
    "map:-1",
    "uns:",
    "more:zzz:²",
    "more:",
    "lang:xx",
    "kb:" + "a" * 61,
    "simple:nope",
    "nothing-we-wrote",
    "det:1:2:3",
    "",
    "wal:²",  # the badges' buttons: a wallet page, a learner's badge, evidence, /delete
    "wal:99999999",
    "bsend:no-such-award",
    "bexp:",
    "bfile:json:no-such-award",
    "bhide:no-such-award:²",
    "bquitok:no-such-award",
    "revok:²",
    "revok:99999",  # no such evidence (and the presser is no administrator)
    "revno:",
    "forget:maybe",
    "srm:²:1",  # staff buttons, from someone on no staff
    "srmok:1:99999999999999999",
    "skeep:",
    "sinv:1:owner",
    "actfor:0",
]


def story(double, services, scenario) -> None:
    async def main() -> None:
        async with running(double, services):
            await scenario()

    asyncio.run(main())


def no_traceback(double: BotApiDouble) -> None:
    for call in double.calls_to("sendMessage"):
        assert "Traceback" not in call.params["text"] and "Error" not in call.params["text"]


def test_every_forged_button_is_answered_and_nothing_breaks(double, shared_services):
    async def scenario():
        pressed = []
        for number, data in enumerate(FORGED):
            update = double.push_callback(FORGER + number * 100, data, language_code="sl")
            pressed.append(update["callback_query"]["id"])
            await asyncio.sleep(0.05)
        await double.wait_for("answerCallbackQuery", count=len(FORGED), timeout=60)
        await asyncio.sleep(0.5)  # any answer given twice is in by now
        answered = Counter(
            a.params["callback_query_id"] for a in double.calls_to("answerCallbackQuery")
        )
        assert answered == Counter(pressed)  # each press answered, and only once
        await asyncio.sleep(0.5)
        sorry = [
            c for c in double.calls_to("sendMessage") if "Prišlo je do napake" in c.params["text"]
        ]
        assert sorry == []  # nothing failed on our side
        no_traceback(double)

    story(double, shared_services, scenario)


def test_a_button_with_no_message_to_belong_to_is_answered(double, shared_services):
    async def scenario():
        double.push_update(
            {
                "callback_query": {
                    "id": "777",
                    "from": {
                        "id": INLINE,
                        "is_bot": False,
                        "first_name": "I",
                        "language_code": "en",
                    },
                    "inline_message_id": "AAAA",
                    "chat_instance": "1",
                    "data": "det:1",
                }
            }
        )
        [answer] = await double.wait_for("answerCallbackQuery")
        assert answer.params["callback_query_id"] == "777"
        assert "no longer works" in answer.params["text"]

    story(double, shared_services, scenario)


def test_an_unknown_command_gets_a_polite_pointer_to_help(double, shared_services):
    async def scenario():
        double.push_message(TALKER, "/foo", language_code="sl")
        double.push_message(TALKER + 1, "/foo@colbot_test_bot bar", language_code="en")
        replies = await double.wait_for("sendMessage", count=2)
        by_chat = {c.params["chat_id"]: c.params["text"] for c in replies}
        assert by_chat[TALKER] == "Tega ukaza ne poznam. Z /help izveste, kaj znam."
        assert by_chat[TALKER + 1] == "I do not know that command. /help says what I can do."

    story(double, shared_services, scenario)


def test_an_enormous_message_is_answered_and_others_still_are(double, shared_services):
    async def scenario():
        double.push_message(TALKER, "robotika " * 455, language_code="sl")  # 4,095 characters
        double.push_message(TALKER + 2, "文" * 4000, language_code="en")
        double.push_message(BYSTANDER, "tečaj slovenščine", language_code="sl")
        by_chat: dict[int, str] = {}
        for chat in (
            TALKER,
            TALKER + 2,
            BYSTANDER,
        ):  # the first reply of each (an offer may follow)
            [first, *_] = await double.wait_for(
                "sendMessage", lambda c, chat=chat: c.params["chat_id"] == chat, timeout=60
            )
            by_chat[chat] = first.params["text"]
        assert "Robot" in by_chat[TALKER]
        assert "Tečaj slovenščine" in by_chat[BYSTANDER]
        assert by_chat[TALKER + 2]  # answered politely, whatever it found
        no_traceback(double)

    story(double, shared_services, scenario)
