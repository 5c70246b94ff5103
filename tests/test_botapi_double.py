"""The Bot API double speaks to the real python-telegram-bot as Telegram would."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
import json
import threading
import time

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from .botapi_double import BotApiDouble, Call

CHAT = 4242


def make_bot(
    double: BotApiDouble, token: str | None = None, request: HTTPXRequest | None = None
) -> Bot:
    return Bot(
        token or double.token,
        base_url=double.base_url,
        base_file_url=double.base_file_url,
        request=request,
    )


def test_get_me_answers_with_the_bot_user(double: BotApiDouble):
    async def scenario() -> None:
        async with make_bot(double) as bot:
            me = await bot.get_me()
        assert me.username == "colbot_test_bot"
        assert me.is_bot
        assert me.id == 123456

    asyncio.run(scenario())
    assert double.calls_to("getMe")


def test_send_message_records_the_keyboard_decoded_and_echoes_it(double: BotApiDouble):
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Več", callback_data="more:3"),
                InlineKeyboardButton("Ne", url="https://example.org"),
            ]
        ]
    )

    async def scenario() -> None:
        async with make_bot(double) as bot:
            first = await bot.send_message(CHAT, "Živjo", reply_markup=keyboard)
            second = await bot.send_message(CHAT, "Še enkrat")
            elsewhere = await bot.send_message(7, "Hello")
        assert (first.message_id, second.message_id, elsewhere.message_id) == (1, 2, 1)
        assert first.chat.id == CHAT
        assert first.chat.type == "private"
        assert first.from_user.is_bot
        assert first.reply_markup == keyboard
        assert abs(first.date.timestamp() - time.time()) < 60

    asyncio.run(scenario())
    call = double.sent_messages(CHAT)[0]
    assert call.params["chat_id"] == CHAT
    assert call.params["text"] == "Živjo"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "Več", "callback_data": "more:3"},
                {"text": "Ne", "url": "https://example.org"},
            ]
        ]
    }
    assert [c.params["text"] for c in double.sent_messages(7)] == ["Hello"]
    assert len(double.sent_messages()) == 3


def test_send_venue_and_location_carry_numbers_as_numbers(double: BotApiDouble):
    async def scenario() -> None:
        async with make_bot(double) as bot:
            venue = await bot.send_venue(
                CHAT, 46.0514, 14.5060, "Knjižnica Otona Župančiča", "Kersnikova 2, Ljubljana"
            )
            location = await bot.send_location(CHAT, 46.05, 14.5)
        assert venue.venue.title == "Knjižnica Otona Župančiča"
        assert venue.venue.location.latitude == pytest.approx(46.0514)
        assert location.location.longitude == pytest.approx(14.5)

    asyncio.run(scenario())
    [venue] = double.calls_to("sendVenue")
    assert venue.params["latitude"] == 46.0514
    assert isinstance(venue.params["chat_id"], int)
    assert venue.params["address"] == "Kersnikova 2, Ljubljana"
    assert double.calls_to("sendLocation")[0].params["longitude"] == 14.5


def test_send_document_uploads_an_in_memory_file(double: BotApiDouble):
    content = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    async def scenario() -> None:
        async with make_bot(double) as bot:
            sent = await bot.send_document(
                CHAT, io.BytesIO(content), filename="tecaj.ics", caption="Dodaj v koledar"
            )
            again = await bot.send_document(CHAT, sent.document.file_id)
            fetched = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
        assert sent.document.file_name == "tecaj.ics"
        assert sent.document.file_size == len(content)
        assert sent.caption == "Dodaj v koledar"
        assert again.document.file_id == sent.document.file_id
        assert bytes(fetched) == content

    asyncio.run(scenario())
    upload, by_id = double.calls_to("sendDocument")
    assert upload.params["document"] == {"filename": "tecaj.ics", "size": len(content)}
    assert upload.uploads["document"] == content
    assert upload.params["caption"] == "Dodaj v koledar"
    assert by_id.params["document"].startswith("BQAC")


def a_png_with_a_text_chunk() -> bytes:
    """A small PNG that carries an iTXt chunk beside its pixels (as a baked badge does)."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt("openbadges", '{"type": "Assertion"}')
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (31, 111, 139)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_a_document_keeps_every_byte_and_a_photo_is_recompressed(double: BotApiDouble):
    png = a_png_with_a_text_chunk()

    async def scenario() -> None:
        async with make_bot(double) as bot:
            document = await bot.send_document(
                CHAT,
                io.BytesIO(png),
                filename="Mladi-robotik.png",
                disable_content_type_detection=True,
            )
            photo = await bot.send_photo(CHAT, io.BytesIO(png), filename="Mladi-robotik.png")
            as_document = await (
                await bot.get_file(document.document.file_id)
            ).download_as_bytearray()
            as_photo = await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
            with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
                await bot.send_document(CHAT, photo.photo[-1].file_id)
            with pytest.raises(BadRequest, match=r"(?i)type of file mismatch"):
                await bot.send_photo(CHAT, document.document.file_id)
            again = await bot.send_photo(CHAT, photo.photo[-1].file_id, caption="Spet")
            with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
                await bot.send_photo(CHAT, io.BytesIO(b"not an image"), filename="x.png")
        assert bytes(as_document) == png and b"openbadges" in bytes(as_document)
        assert document.document.mime_type == "image/png"
        assert bytes(as_photo).startswith(b"\xff\xd8") and b"openbadges" not in bytes(as_photo)
        assert (photo.photo[-1].width, photo.photo[-1].height) == (64, 48)
        assert again.caption == "Spet"

    asyncio.run(scenario())
    [upload, *_] = double.calls_to("sendDocument")
    assert upload.params["disable_content_type_detection"] is True
    assert upload.uploads["document"] == png


def test_a_button_is_a_callback_or_a_link_telegram_can_open(double: BotApiDouble):
    async def scenario() -> None:
        async with make_bot(double) as bot:
            links = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton("Preveri", url="https://badges.example/ob/a/1")],
                    [InlineKeyboardButton("Odpri", url="tg://resolve?domain=colbot")],
                ]
            )
            await bot.send_message(CHAT, "Značka", reply_markup=links)
            for url in ("javascript:alert(1)", "ftp://example.org/x", "https:///no-host"):
                bad = InlineKeyboardMarkup([[InlineKeyboardButton("x", url=url)]])
                with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
                    await bot.send_message(CHAT, "Značka", reply_markup=bad)

    asyncio.run(scenario())
    raw = json.dumps({"inline_keyboard": [[{"text": "nothing"}]]})
    answer = httpx.post(
        f"{double.base_url}{double.token}/sendMessage",
        data={"chat_id": CHAT, "text": "x", "reply_markup": raw},
    )
    assert answer.status_code == 400 and "exactly one action" in answer.json()["description"]


def test_a_button_press_is_answered_and_its_message_edited(double: BotApiDouble):
    async def scenario() -> None:
        async with make_bot(double) as bot:
            sent = await bot.send_message(CHAT, "Izberi", reply_markup=_one_button("pick:1"))
            double.push_callback(CHAT, "pick:1", sent.message_id)
            [update] = await bot.get_updates()
            query = update.callback_query
            assert query.data == "pick:1"
            assert query.message.message_id == sent.message_id
            assert query.from_user.language_code == "sl"
            await bot.answer_callback_query(query.id, text="V redu")
            edited = await bot.edit_message_text("Izbrano", CHAT, sent.message_id)
            assert edited.text == "Izbrano"
            assert edited.edit_date is not None
            with pytest.raises(BadRequest, match="not modified"):
                await bot.edit_message_text("Izbrano", CHAT, sent.message_id)
            with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
                await bot.send_message(CHAT, "Preveč", reply_markup=_one_button("x" * 65))

    asyncio.run(scenario())
    [answer] = double.calls_to("answerCallbackQuery")
    assert answer.params == {
        "callback_query_id": answer.params["callback_query_id"],
        "text": "V redu",
    }
    assert double.calls_to("editMessageText")[0].params["message_id"] == 1


def test_commands_are_kept_per_language(double: BotApiDouble):
    async def scenario() -> None:
        async with make_bot(double) as bot:
            await bot.set_my_commands([BotCommand("start", "Začni")], language_code="sl")
            await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
            slovenian = await bot.get_my_commands(language_code="sl")
            default = await bot.get_my_commands()
            with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
                await bot.set_my_commands([BotCommand("Start-Now", "x")])
        assert [c.description for c in slovenian] == ["Začni"]
        assert default == ()

    asyncio.run(scenario())
    first = double.calls_to("setMyCommands")[0]
    assert first.params == {
        "commands": [{"command": "start", "description": "Začni"}],
        "language_code": "sl",
    }


def test_get_updates_returns_pushed_updates_and_honours_offset(double: BotApiDouble):
    async def scenario() -> None:
        async with make_bot(double) as bot:
            first = double.push_message(CHAT, "kje je tečaj?", language_code="en")
            second = double.push_location(CHAT, 46.05, 14.5)
            updates = await bot.get_updates()
            assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
            assert updates[0].message.text == "kje je tečaj?"
            assert updates[0].message.from_user.language_code == "en"
            assert updates[1].message.location.latitude == pytest.approx(46.05)
            assert len(await bot.get_updates(limit=1)) == 1
            assert await bot.get_updates(offset=second["update_id"] + 1) == ()
            third = double.push_message(CHAT, "hvala")
            [again] = await bot.get_updates(offset=second["update_id"] + 1)
            assert again.update_id == third["update_id"] == second["update_id"] + 1

    asyncio.run(scenario())


def test_media_updates_parse_in_ptb(double: BotApiDouble):
    async def scenario() -> None:
        async with make_bot(double) as bot:
            double.push_sticker(CHAT)
            double.push_photo(CHAT, caption="To")
            double.push_voice(CHAT, duration=4)
            double.push_document(CHAT, file_name="urnik.pdf")
            sticker, photo, voice, document = [u.message for u in await bot.get_updates()]
        assert sticker.sticker.emoji == "👍"
        assert photo.photo[-1].width == 1280
        assert photo.caption == "To"
        assert voice.voice.to_dict()["duration"] == 4
        assert document.document.file_name == "urnik.pdf"
        assert document.document.mime_type == "application/pdf"

    asyncio.run(scenario())


def test_a_choose_a_user_button_is_checked_pressed_and_answered_with_users_shared(
    double: BotApiDouble,
):
    choose = KeyboardButton(
        "Izberi",
        request_users=KeyboardButtonRequestUsers(7, user_is_bot=False, request_name=True),
    )

    async def scenario() -> None:
        async with make_bot(double) as bot:
            with pytest.raises(AssertionError):  # no such button on the chat's keyboard yet
                double.push_users_shared(CHAT, [{"user_id": 9001}])
            with pytest.raises(BadRequest, match="request_id"):
                await bot.send_message(
                    CHAT,
                    "Kdo?",
                    reply_markup={
                        "keyboard": [[{"text": "Izberi", "request_users": {"request_id": 2**40}}]]
                    },
                )
            with pytest.raises(BadRequest, match="more than one request"):
                await bot.send_message(
                    CHAT,
                    "Kdo?",
                    reply_markup={
                        "keyboard": [
                            [
                                {
                                    "text": "Izberi",
                                    "request_location": True,
                                    "request_users": {"request_id": 1},
                                }
                            ]
                        ]
                    },
                )
            with pytest.raises(BadRequest, match=r"(?i)button_type_invalid"):  # private chats only
                await bot.send_message(-100, "Kdo?", reply_markup=ReplyKeyboardMarkup([[choose]]))
            await bot.send_message(
                CHAT, "Kdo?", reply_markup=ReplyKeyboardMarkup([[choose]], one_time_keyboard=True)
            )
            double.push_users_shared(
                CHAT, [{"user_id": 9001, "first_name": "Luka", "username": "luka"}]
            )
            [update] = await bot.get_updates()
            with pytest.raises(AssertionError):  # a one-time keyboard is gone after the press
                double.push_users_shared(CHAT, [{"user_id": 9001}])
            double.push_forwarded(CHAT, "živjo", sender_id=9002, sender_name="Nika")
            double.push_forwarded(CHAT, "živjo", sender_id=None, sender_name="Skrit")
            named, hidden = [u.message for u in await bot.get_updates(offset=update.update_id + 1)]
        shared = update.message.users_shared
        assert shared.request_id == 7
        [user] = shared.users
        assert (user.user_id, user.first_name, user.username) == (9001, "Luka", None)
        assert named.forward_origin.sender_user.id == 9002
        assert hidden.forward_origin.sender_user_name == "Skrit"

    asyncio.run(scenario())


def test_long_polling_wakes_when_an_update_arrives_and_waits_at_most_a_second(
    double: BotApiDouble,
):
    async def scenario() -> None:
        async with make_bot(double) as bot:
            started = time.monotonic()
            assert await bot.get_updates(timeout=30) == ()
            assert 0.8 < time.monotonic() - started < 3

            threading.Timer(0.2, double.push_message, (CHAT, "zdaj")).start()
            started = time.monotonic()
            [update] = await bot.get_updates(timeout=30)
            assert time.monotonic() - started < 0.9
            assert update.message.text == "zdaj"

    asyncio.run(scenario())


def test_an_application_receives_a_start_command_with_its_payload(double: BotApiDouble):
    seen: list[list[str]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(list(context.args or []))
        await update.effective_message.reply_text(f"Pozdravljeni! ({' '.join(context.args)})")

    async def scenario() -> None:
        app = (
            Application.builder()
            .token(double.token)
            .base_url(double.base_url)
            .base_file_url(double.base_file_url)
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=1))
            double.push_message(CHAT, "/start payload")
            await double.wait_for("sendMessage", timeout=5)
            await app.updater.stop()
            await app.stop()

    asyncio.run(scenario())
    assert seen == [["payload"]]
    [reply] = double.sent_messages(CHAT)
    assert reply.params["text"] == "Pozdravljeni! (payload)"
    assert double.calls_to("deleteWebhook")
    # On shutdown PTB confirms what it fetched, so the update is not served again.
    assert double.calls_to("getUpdates")[-1].params["offset"] == 2


def test_flood_control_raises_retry_after_once(double: BotApiDouble, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    double.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    async def scenario() -> None:
        async with make_bot(double) as bot:
            with pytest.raises(RetryAfter) as raised:
                await bot.send_message(CHAT, "prvič")
            assert raised.value.retry_after == dtm.timedelta(seconds=1)
            await bot.send_message(CHAT, "drugič")

    asyncio.run(scenario())
    assert [c.status for c in double.calls_to("sendMessage")] == [429, 200]
    assert [c.params["text"] for c in double.sent_messages()] == ["drugič"]


def test_server_errors_repeat_as_often_as_asked(double: BotApiDouble):
    double.fail_next("sendMessage", 502, "Bad Gateway", times=2)

    async def scenario() -> None:
        async with make_bot(double) as bot:
            for _ in range(2):
                with pytest.raises(NetworkError, match="Bad Gateway"):
                    await bot.send_message(CHAT, "x")
            await bot.send_message(CHAT, "x")

    asyncio.run(scenario())
    assert [c.status for c in double.calls_to("sendMessage")] == [502, 502, 200]


def test_a_blocked_chat_answers_forbidden(double: BotApiDouble):
    double.block_chat(CHAT)

    async def scenario() -> None:
        async with make_bot(double) as bot:
            with pytest.raises(Forbidden, match="bot was blocked by the user"):
                await bot.send_message(CHAT, "Živjo")
            with pytest.raises(Forbidden):
                await bot.send_chat_action(CHAT, "typing")
            await bot.send_message(CHAT + 1, "Živjo")

    asyncio.run(scenario())
    assert double.sent_messages(CHAT) == []
    assert len(double.sent_messages(CHAT + 1)) == 1
    assert double.calls_to("sendMessage")[0].status == 403


def test_a_wrong_token_is_refused(double: BotApiDouble):
    async def scenario() -> None:
        with pytest.raises(InvalidToken):
            async with make_bot(double, token="999:WRONG") as bot:
                await bot.get_me()

    asyncio.run(scenario())
    assert double.calls[0].status == 401


def test_plain_http_clients_json_bodies_and_unknown_methods(double: BotApiDouble):
    url = f"{double.base_url}{double.token}"
    sent = httpx.post(
        f"{url}/SENDMESSAGE",
        json={"chat_id": CHAT, "text": "x", "reply_markup": '{"inline_keyboard": []}'},
    ).json()
    missing = httpx.post(f"{url}/sendTelepathy", data={"chat_id": "1"})
    too_long = httpx.post(f"{url}/sendMessage", data={"chat_id": "1", "text": "a" * 4097})
    assert sent["ok"] is True
    assert sent["result"]["text"] == "x"
    assert missing.status_code == 404
    assert missing.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    assert too_long.json()["description"] == "Bad Request: message is too long"
    call = double.calls_to("sendMessage")[0]
    assert call == Call(
        "sendMessage", {"chat_id": CHAT, "text": "x", "reply_markup": {"inline_keyboard": []}}
    )


def test_a_delayed_method_times_out_and_waiting_reports_what_was_seen(double: BotApiDouble):
    double.delay("sendMessage", 1.0)

    async def scenario() -> None:
        request = HTTPXRequest(read_timeout=0.2)
        async with make_bot(double, request=request) as bot:
            with pytest.raises(TimedOut):
                await bot.send_message(CHAT, "počasi")
        with pytest.raises(AssertionError, match=r"(?s)sendPhoto.*sendMessage.*počasi"):
            await double.wait_for("sendPhoto", timeout=0.1)

    asyncio.run(scenario())
    with pytest.raises(AssertionError, match="found 1"):
        double.wait_for_sync(
            "sendMessage", lambda c: c.params["text"] == "počasi", count=2, timeout=0.1
        )


def test_stop_ends_every_thread_even_during_a_long_poll():
    before = set(threading.enumerate())
    double = BotApiDouble().start()
    poll = threading.Thread(
        target=httpx.post,
        args=(f"{double.base_url}{double.token}/getUpdates",),
        kwargs={"data": {"timeout": "30"}, "timeout": 5},
    )
    poll.start()
    time.sleep(0.1)  # let the long poll reach the server
    started = time.monotonic()
    double.stop()
    poll.join()
    assert time.monotonic() - started < 0.5
    assert set(threading.enumerate()) == before


def _one_button(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Izberi", callback_data=data)]])
