"""A stand-in Telegram Bot API server, so tests can run the real python-telegram-bot against it.

The double is a small HTTP server on 127.0.0.1 that answers the Bot API methods a PTB 22
`Application` uses, records every call, and lets a test push updates (messages, locations,
button presses, media) that the bot then receives through `getUpdates`:

    with BotApiDouble() as double:
        app = (
            Application.builder()
            .token(double.token)
            .base_url(double.base_url)
            .base_file_url(double.base_file_url)
            .build()
        )
        double.push_message(42, "/start")
        ...
        [reply] = double.wait_for_sync("sendMessage")

It behaves like Telegram where tests are likely to notice:

* PTB sends every parameter as a form field (multipart when a file is uploaded) whose value is
  either the plain string or the JSON text of anything else; the double decodes them back, so
  `call.params["reply_markup"]` is a dict and `call.params["chat_id"]` an int. JSON bodies and
  query strings are understood too.
* Answers are `{"ok": true, "result": ...}` with realistic Message objects; errors carry
  `error_code`, `description` and, for flood control, `parameters.retry_after`.
* It refuses what Telegram refuses: empty or over-long texts (plain or HTML), captions over
  1024 characters, callback data over 64 bytes, a button that is not exactly one of a callback
  or an http(s)/tg link ("BUTTON_URL_INVALID"), malformed bot commands, a command menu for a
  chat it never had ("chat not found"), edits of unknown
  messages, edits that change nothing ("message is not modified"), a file_id sent as another
  type of file ("type of file mismatch"), a photo that is no image ("IMAGE_PROCESS_FAILED"),
  and getUpdates while a webhook is set.
* Files are kept as Telegram keeps them: a document byte for byte (its upload, getFile and the
  file URL give the same bytes; `disable_content_type_detection` is recorded with the call,
  and the double imitates no detection of its own), a photo decoded and saved again as a JPEG,
  as Telegram recompresses photos (whatever the upload carried beside the pixels is gone).
* Reply keyboards are checked as Telegram checks them (a text each, at most one request; a
  `request_users` with a 32-bit `request_id` and 1-10 users, in private chats only) and kept
  per chat: `push_users_shared` presses the chat's "choose a user" button, answering with the
  `users_shared` service message (names and username only where the button asked for them),
  and `push_forwarded` sends a message forwarded from someone (a `forward_origin`).
* Command menus are kept by scope and language; `menu(chat_id, language_code)` says what a
  private chat's menu shows, resolved as Telegram resolves it (the chat's own scope first).
* Long polling waits at most one second (`MAX_POLL_WAIT`) so shutdown is quick, and wakes as
  soon as an update is pushed.
"""

from __future__ import annotations

import asyncio
import html
import io
import json
import math
import mimetypes
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.message import Message as MimeHeaders
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

JSON = dict[str, Any]

MAX_POLL_WAIT = 1.0
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

# Parameters that are strings in the Bot API. Every other form value is the JSON text of a number,
# boolean, list or object and is decoded; a value that is not valid JSON (say "@channel") is kept.
STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "certificate",
        "description",
        "document",
        "emoji",
        "file_id",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "inline_message_id",
        "ip_address",
        "language_code",
        "message_effect_id",
        "name",
        "parse_mode",
        "photo",
        "secret_token",
        "short_description",
        "text",
        "thumbnail",
        "title",
        "url",
    }
)

# The methods whose calls count as messages the bot sent (`sent_messages`).
MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendVenue", "sendLocation", "sendDocument", "sendPhoto", "editMessageText"}
)
# The methods that reach a chat, and so fail when the user has blocked the bot.
CHAT_METHODS = MESSAGE_METHODS | {
    "sendChatAction",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
}
# The methods Telegram's flood limits count (`enforce_limits`): what puts a message in a chat.
LIMITED_METHODS = frozenset(
    {"sendMessage", "sendVenue", "sendLocation", "sendDocument", "sendPhoto"}
)
PER_CHAT_TOLERANCE = 0.05  # seconds: a request may arrive this much early (network jitter)

# An inline button does exactly one of these.
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

# A reply keyboard's button asks for at most one of these.
KEYBOARD_REQUESTS = (
    "request_users",
    "request_chat",
    "request_contact",
    "request_location",
    "request_poll",
    "web_app",
)

BOT_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
HTML_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Call:
    """One request the bot made: the canonical method name and its decoded parameters.

    Uploaded files appear in `params` as `{"filename": ..., "size": ...}`; their bytes are in
    `uploads`, keyed by parameter name. `status` is the HTTP status the double answered with,
    `result` what it answered (a sent Message with its message_id; None for an error).
    """

    method: str
    params: dict[str, Any]
    status: int = HTTPStatus.OK
    uploads: dict[str, bytes] = field(default_factory=dict, repr=False)
    at: float = field(default_factory=time.perf_counter, repr=False, compare=False)  # received
    result: Any = field(default=None, repr=False, compare=False)


def bad_request(reason: str) -> ApiError:
    """A 400 answer, worded as Telegram words them."""
    return ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: {reason}")


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and, for 429, `retry_after`."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    times: int


@dataclass(frozen=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    content: bytes
    kind: str = "document"  # what it was sent as: document, photo, sticker, voice

    @property
    def path(self) -> str:
        return f"files/{self.file_unique_id}/{self.file_name}"


@dataclass
class _Request:
    params: JSON
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


class BotApiDouble:
    """A Telegram Bot API server on 127.0.0.1 that records calls and serves pushed updates."""

    def __init__(self, token: str = "123456:TEST", username: str = "colbot_test_bot") -> None:
        self.token = token
        self.username = username
        bot_id = token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(bot_id) if bot_id.isdigit() else 123456,
            "is_bot": True,
            "first_name": "Colbot",
            "username": username,
        }
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        self._webhook_url = ""
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._chats: dict[int, JSON] = {}
        self._keyboards: dict[int, JSON] = {}  # chat → the reply keyboard it shows now
        self._last_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], JSON] = {}
        self._files: dict[str, _StoredFile] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._blocked: set[int] = set()
        self._answered_queries: set[str] = set()  # a callback query is answered once
        self.answered_twice: list[str] = []  # the ids of queries the bot answered again
        self._delays: dict[str, float] = {}
        self._floods: dict[int, list[int]] = {}  # chat → retry_after of the 429s still to answer
        self._limits: tuple[float, float] | None = None  # (messages a second, seconds per chat)
        self._taken: list[float] = []  # when each limited send was taken (perf_counter)
        self._chat_taken: dict[int, float] = {}
        self.over_limit = 0  # sends refused with 429 because they broke the limits …
        self.over_chat_limit = 0  # … of them, those that came too soon after the chat's last
        self._counter = 0
        self._methods: dict[str, tuple[str, Callable[[_Request], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in [
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("deleteWebhook", self._delete_webhook),
                ("setWebhook", self._set_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("setChatMenuButton", self._true),
                ("sendMessage", self._send_message),
                ("sendVenue", self._send_venue),
                ("sendLocation", self._send_location),
                ("sendDocument", self._send_document),
                ("sendPhoto", self._send_photo),
                ("sendChatAction", self._send_chat_action),
                ("answerCallbackQuery", self._answer_callback_query),
                ("editMessageText", self._edit_message_text),
                ("editMessageCaption", self._edit_message_caption),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("getFile", self._get_file),
                ("close", self._true),
                ("logOut", self._true),
            ]
        }

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> BotApiDouble:
        """Listen on a free port of 127.0.0.1 and serve from a background thread."""
        if self._server is not None:
            raise RuntimeError("BotApiDouble is already running")
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="BotApiDouble"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake long polls, stop serving and join every thread the server started."""
        if self._server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()  # joins the request threads (block_on_close)
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> BotApiDouble:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("BotApiDouble is not running")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """For `Bot(base_url=...)`: PTB appends the token and then "/method"."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For `Bot(base_file_url=...)`: PTB appends the token and then "/file_path"."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- recorded calls ------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every call so far, oldest first."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls to one method (the name is matched case-insensitively)."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def sent_messages(self, chat_id: int | str | None = None) -> list[Call]:
        """The successful sends and text edits, optionally only those to one chat."""
        return [
            call
            for call in self.calls
            if call.method in MESSAGE_METHODS
            and call.status == HTTPStatus.OK
            and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
        ]

    def clear(self) -> None:
        """Forget the recorded calls (updates, chats and fault settings are kept)."""
        with self._cond:
            self._calls.clear()

    def _matching(self, method: str, predicate: Callable[[Call], bool] | None) -> list[Call]:
        return [call for call in self.calls_to(method) if predicate is None or predicate(call)]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Call]:
        """Wait until at least `count` calls to `method` match `predicate`; return all of them.

        Raises AssertionError, listing the calls seen, when `timeout` seconds pass first.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self._matching(method, predicate)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(self._summary(method, predicate, count, len(found), timeout))
            await asyncio.sleep(0.01)

    def wait_for_sync(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Call]:
        """`wait_for` for synchronous tests: blocks the calling thread."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._matching(method, predicate)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        self._summary(method, predicate, count, len(found), timeout)
                    )
                self._cond.wait(min(remaining, 0.05))

    def _summary(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None,
        count: int,
        found: int,
        timeout: float,
    ) -> str:
        calls = self.calls
        shown = [call for call in calls if call.method != "getUpdates"][-30:]
        polls = sum(call.method == "getUpdates" for call in calls)
        wanted = f"{count} {method} call(s)" + (" matching the predicate" if predicate else "")
        lines = [f"waited {timeout:g} s for {wanted}, found {found}; the calls seen were:"]
        lines += [f"  {call.status} {call.method} {_short(call.params)}" for call in shown]
        if not shown:
            lines.append("  (none)")
        lines.append(f"  (and {polls} getUpdates)")
        return "\n".join(lines)

    # -- fault injection -----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls to `method` with this error instead of serving them."""
        with self._cond:
            queue = self._faults.setdefault(method.lower(), [])
            queue.append(_Fault(status, description, retry_after, times))

    def block_chat(self, chat_id: int) -> None:
        """From now on every send to this chat answers 403, as when the user blocked the bot."""
        with self._cond:
            self._blocked.add(int(chat_id))

    def flood_chat(self, chat_id: int, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` sends to this chat answer 429 with `retry_after` seconds."""
        with self._cond:
            self._floods.setdefault(int(chat_id), []).extend([retry_after] * times)

    def enforce_limits(self, per_second: float = 30.0, per_chat: float = 1.0) -> None:
        """From now on, as Telegram does: a send that would make more than `per_second` in any
        second, or come sooner than `per_chat` seconds after the chat's last one, answers 429
        (retry_after 1) and is counted in `over_limit`."""
        with self._cond:
            self._limits = (per_second, per_chat)

    def max_in_any_second(self, method_names: frozenset[str] = LIMITED_METHODS) -> int:
        """The most successful sends the double received within any one second."""
        with self._cond:
            moments = sorted(
                c.at for c in self._calls if c.method in method_names and c.status == HTTPStatus.OK
            )
        most, start = 0, 0
        for end, moment in enumerate(moments):
            while moments[start] <= moment - 1.0:
                start += 1
            most = max(most, end - start + 1)
        return most

    def unblock_chat(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(int(chat_id))

    def delay(self, method: str, seconds: float) -> None:
        """Answer every later call to `method` only after `seconds` (0 turns the delay off)."""
        with self._cond:
            if seconds > 0:
                self._delays[method.lower()] = seconds
            else:
                self._delays.pop(method.lower(), None)

    # -- pushing updates -----------------------------------------------------------------------

    def push_update(self, update: JSON) -> JSON:
        """Queue an update for getUpdates, numbering it unless it has an update_id already."""
        with self._cond:
            if "update_id" in update:
                self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            else:
                update = {"update_id": self._next_update_id, **update}
                self._next_update_id += 1
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def push_message(
        self,
        chat_id: int,
        text: str,
        user_id: int | None = None,
        language_code: str = "sl",
        first_name: str = "Ana",
        **extra: Any,
    ) -> JSON:
        """A user's text message; a leading "/command" gets its bot_command entity."""
        content: JSON = {"text": text}
        command = re.match(r"/\S+", text)
        if command:
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group())}
            ]
        return self._push_user_message(
            chat_id, user_id, language_code, first_name, {**content, **extra}
        )

    def push_location(
        self,
        chat_id: int,
        lat: float,
        lon: float,
        user_id: int | None = None,
        language_code: str = "sl",
        first_name: str = "Ana",
        **extra: Any,
    ) -> JSON:
        """A user's shared location."""
        content = {"location": {"latitude": lat, "longitude": lon}, **extra}
        return self._push_user_message(chat_id, user_id, language_code, first_name, content)

    def push_callback(
        self,
        chat_id: int,
        data: str,
        message_id: int | None = None,
        user_id: int | None = None,
        language_code: str = "sl",
        first_name: str = "Ana",
        message_text: str = "…",
    ) -> JSON:
        """A press of an inline button with this callback data.

        The button belongs to message `message_id` (by default the bot's latest message in the
        chat); a message the double does not know is made up as a bot message with
        `message_text`, and remembered so that the bot can edit it.
        """
        user = self._remember_user(chat_id, user_id, language_code, first_name)
        with self._cond:
            if message_id is None:
                message_id = max(
                    (
                        mid
                        for (cid, mid), m in self._messages.items()
                        if cid == chat_id and _is_bot(m)
                    ),
                    default=None,
                )
            message = self._messages.get((chat_id, message_id)) if message_id else None
            if message is None:
                message = self._new_message(chat_id, {"text": message_text}, message_id)
            self._counter += 1
            callback = {
                "id": str(1_000_000 + self._counter),
                "from": user,
                "message": message,
                "chat_instance": str(-7_000_000 - chat_id),
                "data": data,
            }
        return self.push_update({"callback_query": callback})

    def push_sticker(self, chat_id: int, emoji: str = "👍", **kwargs: Any) -> JSON:
        """A user's sticker."""
        sticker = self._user_file("sticker.webp", b"RIFF-sticker", kind="sticker")
        content = {
            "sticker": {
                **_file_fields(sticker),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
            }
        }
        return self._push_media(chat_id, content, kwargs)

    def push_photo(self, chat_id: int, caption: str | None = None, **kwargs: Any) -> JSON:
        """A user's photo, in two sizes as Telegram sends it."""
        small = self._user_file("photo_s.jpg", b"\xff\xd8small", kind="photo")
        large = self._user_file("photo_l.jpg", b"\xff\xd8large" * 10, kind="photo")
        content: JSON = {
            "photo": [
                {**_file_fields(small), "width": 90, "height": 67},
                {**_file_fields(large), "width": 1280, "height": 960},
            ]
        }
        if caption is not None:
            content["caption"] = caption
        return self._push_media(chat_id, content, kwargs)

    def push_voice(self, chat_id: int, duration: int = 3, **kwargs: Any) -> JSON:
        """A user's voice message."""
        voice = self._user_file("voice.ogg", b"OggS-voice", "audio/ogg", kind="voice")
        content = {"voice": {**_file_fields(voice), "duration": duration, "mime_type": "audio/ogg"}}
        return self._push_media(chat_id, content, kwargs)

    def push_document(
        self,
        chat_id: int,
        file_name: str = "notes.pdf",
        content: bytes = b"%PDF-1.4 test",
        caption: str | None = None,
        **kwargs: Any,
    ) -> JSON:
        """A user's file; the bot can fetch its bytes with getFile and the file URL."""
        stored = self._user_file(file_name, content)
        message: JSON = {
            "document": {
                **_file_fields(stored),
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
            }
        }
        if caption is not None:
            message["caption"] = caption
        return self._push_media(chat_id, message, kwargs)

    def push_users_shared(
        self,
        chat_id: int,
        users: list[JSON],
        request_id: int | None = None,
        **kwargs: Any,
    ) -> JSON:
        """The user pressed the chat's "choose a user" keyboard button (KeyboardButton with
        request_users) and chose `users` (each `{"user_id": …, "first_name": …, "last_name": …,
        "username": …}`): Telegram's users_shared service message, with the names and username
        only where the button asked for them (request_name, request_username). The button must
        be on the keyboard the bot showed in the chat last (with `request_id`, if given); a
        one-time keyboard is gone after the press."""
        with self._cond:
            keyboard = self._keyboards.get(chat_id)
            requests = [
                button["request_users"]
                for row in (keyboard or {}).get("keyboard", [])
                for button in row
                if isinstance(button, dict) and isinstance(button.get("request_users"), dict)
            ]
            request = next(
                (r for r in requests if request_id is None or r.get("request_id") == request_id),
                None,
            )
            if request is None:
                raise AssertionError(f"chat {chat_id} shows no 'choose a user' button to press")
            if not 1 <= len(users) <= int(request.get("max_quantity", 1)):
                raise AssertionError("more users than the button lets the user choose")
            shared_users = []
            for user in users:
                shared: JSON = {"user_id": int(user["user_id"])}
                if request.get("request_name"):
                    shared.update({k: user[k] for k in ("first_name", "last_name") if user.get(k)})
                if request.get("request_username") and user.get("username"):
                    shared["username"] = user["username"]
                shared_users.append(shared)
            if keyboard is not None and keyboard.get("one_time_keyboard"):
                self._keyboards.pop(chat_id, None)
        content = {"users_shared": {"request_id": request["request_id"], "users": shared_users}}
        return self._push_media(chat_id, content, kwargs)

    def push_forwarded(
        self,
        chat_id: int,
        text: str,
        sender_id: int | None,
        sender_name: str = "Bojan",
        **kwargs: Any,
    ) -> JSON:
        """A message the user forwarded from someone else: `forward_origin` names the sender
        (a "user" origin), or only their name when they hide their account in forwards
        (`sender_id` None: a "hidden_user" origin)."""
        date = int(time.time()) - 60
        if sender_id is None:
            origin: JSON = {"type": "hidden_user", "date": date, "sender_user_name": sender_name}
        else:
            origin = {
                "type": "user",
                "date": date,
                "sender_user": {"id": sender_id, "is_bot": False, "first_name": sender_name},
            }
        return self._push_media(chat_id, {"text": text, "forward_origin": origin}, kwargs)

    def keyboard(self, chat_id: int) -> JSON | None:
        """The reply keyboard the chat shows now (None: none, or it was removed)."""
        with self._cond:
            return self._keyboards.get(chat_id)

    def _push_media(self, chat_id: int, content: JSON, kwargs: JSON) -> JSON:
        user_id = kwargs.pop("user_id", None)
        language_code = kwargs.pop("language_code", "sl")
        first_name = kwargs.pop("first_name", "Ana")
        return self._push_user_message(
            chat_id, user_id, language_code, first_name, {**content, **kwargs}
        )

    def _push_user_message(
        self,
        chat_id: int,
        user_id: int | None,
        language_code: str,
        first_name: str,
        content: JSON,
    ) -> JSON:
        user = self._remember_user(chat_id, user_id, language_code, first_name)
        with self._cond:
            message = self._new_message(chat_id, {**content, "from": user})
        return self.push_update({"message": message})

    def _remember_user(
        self, chat_id: int, user_id: int | None, language_code: str, first_name: str
    ) -> JSON:
        with self._cond:
            if chat_id > 0:
                self._chats[chat_id] = {"id": chat_id, "type": "private", "first_name": first_name}
        user: JSON = {
            "id": chat_id if user_id is None else user_id,
            "is_bot": False,
            "first_name": first_name,
        }
        if language_code:
            user["language_code"] = language_code
        return user

    def _user_file(
        self, name: str, content: bytes, mime_type: str | None = None, kind: str = "document"
    ) -> _StoredFile:
        with self._cond:
            return self._store_file(name, content, mime_type, kind)

    # -- the Bot API methods -------------------------------------------------------------------

    def _true(self, request: _Request) -> bool:
        return True

    def _get_me(self, request: _Request) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, request: _Request) -> list[JSON]:
        params = request.params
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        deadline = time.monotonic() + wait
        with self._cond:
            if self._webhook_url:
                raise ApiError(
                    HTTPStatus.CONFLICT,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if "allowed_updates" in params:
                self._allowed_updates = list(params["allowed_updates"] or [])
            offset = params.get("offset")
            if offset is not None and int(offset) > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= int(offset)]
            elif offset is not None and int(offset) < 0:
                self._updates = self._updates[int(offset) :]
            while True:
                ready = [u for u in self._updates if self._allowed(u)]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._stopping.is_set():
                    return ready[:limit]
                self._cond.wait(remaining)

    def _allowed(self, update: JSON) -> bool:
        kinds = set(update) - {"update_id"}
        return not self._allowed_updates or bool(kinds & set(self._allowed_updates))

    def _delete_webhook(self, request: _Request) -> bool:
        with self._cond:
            self._webhook_url = ""
            if request.params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _set_webhook(self, request: _Request) -> bool:
        url = str(request.params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        with self._cond:
            self._webhook_url = url
            if request.params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _get_webhook_info(self, request: _Request) -> JSON:
        with self._cond:
            return {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }

    @staticmethod
    def _commands_key(params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _check_scope(self, params: JSON) -> None:
        """A chat's scope names a chat the bot knows (one that has written to it), as
        Telegram answers "chat not found" otherwise."""
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
            raise bad_request("can't parse BotCommandScope")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            chat_id = scope.get("chat_id")
            with self._cond:
                if not isinstance(chat_id, int) or chat_id not in self._chats:
                    raise bad_request("chat not found")

    def menu(self, chat_id: int | None = None, language_code: str = "") -> list[str]:
        """The commands a private chat's menu shows, resolved as Telegram resolves them: the
        chat's scope in its user's language, the chat's scope, then all private chats' and
        the default, each in the language first."""
        scopes: list[JSON] = [{"type": "all_private_chats"}, {"type": "default"}]
        if chat_id is not None:
            scopes.insert(0, {"type": "chat", "chat_id": chat_id})
        with self._cond:
            for scope in scopes:
                for lang in (language_code, ""):
                    key = (json.dumps(scope, sort_keys=True), lang)
                    if key in self._commands:
                        return [str(c.get("command")) for c in self._commands[key]]
        return []

    def _set_my_commands(self, request: _Request) -> bool:
        self._check_scope(request.params)
        commands = request.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands")
        for command in commands:
            if not BOT_COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        with self._cond:
            self._commands[self._commands_key(request.params)] = commands
        return True

    def _get_my_commands(self, request: _Request) -> list[JSON]:
        self._check_scope(request.params)
        with self._cond:
            return self._commands.get(self._commands_key(request.params), [])

    def _delete_my_commands(self, request: _Request) -> bool:
        self._check_scope(request.params)
        with self._cond:
            self._commands.pop(self._commands_key(request.params), None)
        return True

    def _send_message(self, request: _Request) -> JSON:
        params = request.params
        _check_text(params.get("text"), params.get("parse_mode"))
        content: JSON = {"text": params["text"]}
        if params.get("entities"):
            content["entities"] = params["entities"]
        return self._send(params, content)

    def _send_venue(self, request: _Request) -> JSON:
        params = request.params
        for name in ("latitude", "longitude", "title", "address"):
            if params.get(name) in (None, ""):
                raise bad_request(f"{name} is empty")
        location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        venue: JSON = {"location": location, "title": params["title"], "address": params["address"]}
        for name in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if params.get(name):
                venue[name] = params[name]
        return self._send(params, {"venue": venue, "location": location})

    def _send_location(self, request: _Request) -> JSON:
        params = request.params
        if params.get("latitude") is None or params.get("longitude") is None:
            raise bad_request("wrong coordinates")
        location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        for name in ("horizontal_accuracy", "live_period", "heading"):
            if params.get(name) is not None:
                location[name] = params[name]
        return self._send(params, {"location": location})

    def _send_document(self, request: _Request) -> JSON:
        stored = self._incoming_file(request, "document", "document")
        document = {
            **_file_fields(stored),
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
        }
        return self._send(request.params, {"document": document, **_caption(request.params)})

    def _send_photo(self, request: _Request) -> JSON:
        width, height = 1280, 960
        if "photo" in request.files:  # an upload: recompressed, as Telegram does with photos
            filename, content = request.files["photo"]
            jpeg, width, height = _recompressed(content)
            with self._cond:
                stored = self._store_file(
                    Path(filename or "photo").stem + ".jpg", jpeg, "image/jpeg", "photo"
                )
        else:
            stored = self._incoming_file(request, "photo", "photo.jpg")
        photo = [{**_file_fields(stored), "width": width, "height": height}]
        return self._send(request.params, {"photo": photo, **_caption(request.params)})

    def _send_chat_action(self, request: _Request) -> bool:
        self._chat(request.params)
        if not request.params.get("action"):
            raise bad_request("wrong parameter action in request")
        return True

    def _answer_callback_query(self, request: _Request) -> bool:
        query_id = str(request.params.get("callback_query_id") or "")
        if query_id in self._answered_queries:
            self.answered_twice.append(query_id)
        if not query_id or query_id in self._answered_queries:  # Telegram takes one answer
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._answered_queries.add(query_id)
        if len(str(request.params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    def _edit_message_text(self, request: _Request) -> JSON | bool:
        params = request.params
        _check_text(params.get("text"), params.get("parse_mode"))
        _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        changes: JSON = {"text": params["text"], "entities": params.get("entities")}
        return self._edit(params, changes)

    def _edit_message_caption(self, request: _Request) -> JSON | bool:
        params = request.params
        _check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        with self._cond:
            message = self._messages.get(key)
        if message is not None and "caption" not in message and "text" in message:
            raise bad_request("there is no caption in the message to edit")
        return self._edit(params, _caption(params) or {"caption": None})

    def _edit_message_reply_markup(self, request: _Request) -> JSON | bool:
        _check_markup(request.params.get("reply_markup"))
        if request.params.get("inline_message_id"):
            return True
        return self._edit(request.params, {})

    def _delete_message(self, request: _Request) -> bool:
        chat = self._chat(request.params)
        with self._cond:
            key = (chat["id"], int(request.params.get("message_id") or 0))
            if self._messages.pop(key, None) is None:
                raise bad_request("message to delete not found")
        return True

    def _get_file(self, request: _Request) -> JSON:
        with self._cond:
            stored = self._files.get(str(request.params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        return {**_file_fields(stored), "file_path": stored.path}

    # -- messages, chats and files -------------------------------------------------------------

    def _chat(self, params: JSON) -> JSON:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id == 0:
            raise bad_request("chat not found")
        with self._cond:
            return self._chat_object(chat_id)

    def _chat_object(self, chat_id: int) -> JSON:
        if chat_id in self._chats:
            return dict(self._chats[chat_id])
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Ana"}
        return {"id": chat_id, "type": "group", "title": "Group"}

    def _new_message(self, chat_id: int, content: JSON, message_id: int | None = None) -> JSON:
        """Build and remember a message in the chat; the caller holds the lock."""
        if message_id is None:
            message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)
        message = {
            "message_id": message_id,
            "from": self.bot_user,
            "date": int(time.time()),
            "chat": self._chat_object(chat_id),
            **content,
        }
        self._messages[(chat_id, message_id)] = message
        return message

    def _send(self, params: JSON, content: JSON) -> JSON:
        chat = self._chat(params)
        markup = params.get("reply_markup")
        _check_markup(markup)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        with self._cond:
            if isinstance(markup, dict) and "keyboard" in markup:
                if chat.get("type") != "private" and _requests_users(markup):
                    raise bad_request("BUTTON_TYPE_INVALID")  # request_users: private chats only
                self._keyboards[chat["id"]] = markup
            elif isinstance(markup, dict) and markup.get("remove_keyboard"):
                self._keyboards.pop(chat["id"], None)
            return self._new_message(chat["id"], content)

    def _edit(self, params: JSON, changes: JSON) -> JSON:
        chat = self._chat(params)
        key = (chat["id"], int(params.get("message_id") or 0))
        markup = params.get("reply_markup")
        with self._cond:
            message = self._messages.get(key)
            if message is None:
                raise bad_request("message to edit not found")
            if not _is_bot(message):
                raise bad_request("message can't be edited")
            edited = {**message, **changes, "edit_date": int(time.time())}
            edited = {name: value for name, value in edited.items() if value is not None}
            edited.pop("reply_markup", None)
            if isinstance(markup, dict) and markup.get("inline_keyboard"):
                edited["reply_markup"] = markup
            if _visible(edited) == _visible(message):
                raise bad_request(
                    "message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            self._messages[key] = edited
            return edited

    def _incoming_file(self, request: _Request, name: str, default_name: str) -> _StoredFile:
        """The file parameter `name` ("document", "photo"): an upload, kept byte for byte; a
        file_id of a file of that type; or a URL."""
        with self._cond:
            if name in request.files:
                filename, content = request.files[name]
                return self._store_file(filename or default_name, content, kind=name)
            reference = request.params.get(name)
            if not reference:
                raise bad_request(f"there is no {name} in the request")
            if isinstance(reference, str) and reference in self._files:
                stored = self._files[reference]
                if stored.kind != name:
                    raise bad_request("type of file mismatch")
                return stored
            url_name = urlsplit(str(reference)).path.rsplit("/", 1)[-1]
            return self._store_file(url_name or default_name, b"", kind=name)

    def _store_file(
        self, name: str, content: bytes, mime_type: str | None = None, kind: str = "document"
    ) -> _StoredFile:
        """Remember a file under a fresh file_id; the caller holds the lock."""
        self._counter += 1
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        stored = _StoredFile(
            file_id=f"BQACAgIAAxk-test-{self._counter}",
            file_unique_id=f"AgAD-test-{self._counter}",
            file_name=name,
            mime_type=mime_type or guessed,
            content=content,
            kind=kind,
        )
        self._files[stored.file_id] = stored
        return stored

    # -- HTTP ----------------------------------------------------------------------------------

    def _serve(
        self, path: str, content_type: str, body: bytes, received: float | None = None
    ) -> tuple[int, str, bytes]:
        """Answer one HTTP request: (status, content type, body); `received` is when its
        headers had been read (time.perf_counter), the call's `at`."""
        url = urlsplit(path)
        route = unquote(url.path)
        file_prefix = f"/file/bot{self.token}/"
        if route.startswith(file_prefix):
            return self._serve_file(route.removeprefix(file_prefix))
        token, _, method = route.removeprefix("/bot").partition("/")
        if not route.startswith("/bot") or not method or "/" in method:
            return _json_answer(ApiError(HTTPStatus.NOT_FOUND, "Not Found").payload())
        try:
            request = _decode_request(url.query, content_type, body)
        except ValueError as exc:
            request, error = _Request({}), bad_request(str(exc))
        else:
            error = None
        name, handler = self._methods.get(method.lower(), (method, None))
        result: Any = None
        if error is None and token != self.token:
            error = ApiError(HTTPStatus.UNAUTHORIZED, "Unauthorized")
        if error is None and handler is None:
            error = ApiError(HTTPStatus.NOT_FOUND, "Not Found: method not found")
        error = error or self._injected_fault(name, request.params)
        if error is None and handler is not None:
            try:
                result = handler(request)
            except ApiError as exc:
                error = exc
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                error = bad_request(f"can't use the parameters: {exc!r}")
        status = error.status if error else HTTPStatus.OK
        uploads = {field_name: content for field_name, (_, content) in request.files.items()}
        with self._cond:
            answered = None if error else result
            call = Call(name, request.params, int(status), uploads, result=answered)
            self._calls.append(call if received is None else replace(call, at=received))
            self._cond.notify_all()
            delay = self._delays.get(name.lower(), 0.0)
        if delay:
            self._stopping.wait(delay)
        return _json_answer(error.payload() if error else {"ok": True, "result": result})

    def _injected_fault(self, method: str, params: JSON) -> ApiError | None:
        with self._cond:
            queue = self._faults.get(method.lower())
            if queue:
                fault = queue[0]
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
                return ApiError(fault.status, fault.description, fault.retry_after)
            chat_id = params.get("chat_id")
            if method in CHAT_METHODS and chat_id in self._blocked:
                return ApiError(HTTPStatus.FORBIDDEN, "Forbidden: bot was blocked by the user")
            if method in LIMITED_METHODS and self._floods.get(chat_id):
                retry_after = self._floods[chat_id].pop(0)
                return ApiError(
                    HTTPStatus.TOO_MANY_REQUESTS,
                    f"Too Many Requests: retry after {retry_after}",
                    retry_after,
                )
            if method in LIMITED_METHODS and isinstance(chat_id, int):
                return self._over_limit(chat_id)
        return None

    def _over_limit(self, chat_id: int) -> ApiError | None:
        """A 429 when this send breaks the limits (enforce_limits); else it is counted as taken.
        The caller holds the lock."""
        now = time.perf_counter()
        if self._limits is not None:
            per_second, per_chat = self._limits
            self._taken = [t for t in self._taken if t > now - 1.0]
            too_soon = (
                now - self._chat_taken.get(chat_id, -math.inf) < per_chat - PER_CHAT_TOLERANCE
            )
            if len(self._taken) + 1 > per_second or too_soon:
                self.over_limit += 1
                self.over_chat_limit += too_soon
                return ApiError(HTTPStatus.TOO_MANY_REQUESTS, "Too Many Requests: retry after 1", 1)
            self._taken.append(now)
        self._chat_taken[chat_id] = now
        return None

    def _serve_file(self, file_path: str) -> tuple[int, str, bytes]:
        with self._cond:
            stored = next((f for f in self._files.values() if f.path == file_path), None)
        if stored is None:
            return _json_answer(ApiError(HTTPStatus.NOT_FOUND, "Not Found").payload())
        return HTTPStatus.OK, stored.mime_type, stored.content


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every request thread
    block_on_close = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        double: BotApiDouble,
    ) -> None:
        self.double = double
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (say, after a read timeout) is no error of the server's


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection, so no thread outlives stop()
    timeout = 10

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        received = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        status, answer_type, answer = self.server.double._serve(
            self.path, content_type, body, received
        )
        self.send_response(status)
        self.send_header("Content-Type", answer_type)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


# -- decoding requests -------------------------------------------------------------------------


def _decode_request(query: str, content_type: str, body: bytes) -> _Request:
    """Parameters from the query string and a form, multipart or JSON body, decoded to values."""
    headers = MimeHeaders()
    headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
    mime = headers.get_content_type()
    raw: JSON = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, tuple[str, bytes]] = {}
    if mime == "application/json":
        try:
            decoded = json.loads(body or b"{}")
        except ValueError as exc:
            raise ValueError("can't parse JSON") from exc
        if not isinstance(decoded, dict):
            raise ValueError("can't parse JSON object")
        raw.update(decoded)
    elif mime == "multipart/form-data":
        boundary = headers.get_param("boundary")
        if not isinstance(boundary, str):
            raise ValueError("multipart body without boundary")
        fields, files = _parse_multipart(body, boundary.encode())
        raw.update(fields)
    elif body:
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    params = {name: _decode_value(name, value) for name, value in raw.items()}
    for name, (filename, content) in files.items():
        params[name] = {"filename": filename, "size": len(content)}
    return _Request(params, files)


def _decode_value(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_multipart(
    body: bytes, boundary: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = MimeHeaders()
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip()] = value.strip()
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = headers.get_filename()
        if filename is None:
            fields[name] = content.decode("utf-8")
        else:
            files[name] = (filename, content)
    return fields, files


# -- checks Telegram makes ---------------------------------------------------------------------


def _check_text(text: Any, parse_mode: Any) -> None:
    if not isinstance(text, str) or not text.strip():
        raise bad_request("message text is empty")
    if str(parse_mode or "").lower() == "html":
        text = html.unescape(HTML_TAG.sub("", text))
    elif parse_mode:
        return  # Markdown is not parsed here, so its length is not judged
    if _utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")


def _caption(params: JSON) -> JSON:
    caption = params.get("caption")
    if not caption:
        return {}
    visible = str(caption)
    if str(params.get("parse_mode") or "").lower() == "html":  # counted as Telegram shows it
        visible = html.unescape(HTML_TAG.sub("", visible))
    if _utf16_len(visible) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return {"caption": caption}


def _check_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup")
    for row in markup.get("keyboard", []):
        for button in row:
            _check_keyboard_button(button)
    for row in markup.get("inline_keyboard", []):
        for button in row:
            actions = [field for field in BUTTON_ACTIONS if button.get(field) is not None]
            if len(actions) != 1:
                raise bad_request("can't parse inline keyboard button: exactly one action needed")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not _is_button_url(str(url)):
                raise bad_request("BUTTON_URL_INVALID")


def _check_keyboard_button(button: Any) -> None:
    """A reply keyboard's button: a text, and at most one of the requests (a request_users
    with a signed 32-bit request_id and 1-10 users)."""
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict) or not str(button.get("text") or "").strip():
        raise bad_request("can't parse keyboard button: text is empty")
    requests = [field for field in KEYBOARD_REQUESTS if button.get(field) not in (None, False)]
    if len(requests) > 1:
        raise bad_request("can't parse keyboard button: more than one request")
    users = button.get("request_users")
    if users is not None:
        request_id = users.get("request_id") if isinstance(users, dict) else None
        if not isinstance(request_id, int) or not -(2**31) <= request_id < 2**31:
            raise bad_request("can't parse keyboard button: request_id must be a 32-bit integer")
        if not 1 <= int(users.get("max_quantity", 1)) <= 10:
            raise bad_request("can't parse keyboard button: max_quantity must be 1-10")


def _requests_users(markup: JSON) -> bool:
    return any(
        isinstance(button, dict) and button.get("request_users") is not None
        for row in markup.get("keyboard", [])
        for button in row
    )


def _is_button_url(url: str) -> bool:
    """What a URL button may open: an http(s) address with a host, or a tg:// link."""
    parts = urlsplit(url)
    if parts.scheme == "tg":
        return bool(parts.netloc or parts.path)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _recompressed(content: bytes) -> tuple[bytes, int, int]:
    """An uploaded photo as Telegram keeps it: decoded and saved again as a JPEG, so whatever
    the upload carried beside its pixels (PNG chunks, metadata) is gone; (bytes, width,
    height). A photo that is no image is refused."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            pixels = image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise bad_request("IMAGE_PROCESS_FAILED") from exc
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=87)
    return out.getvalue(), pixels.width, pixels.height


# -- small helpers -----------------------------------------------------------------------------


def _json_answer(payload: JSON) -> tuple[int, str, bytes]:
    status = HTTPStatus.OK if payload.get("ok") else int(payload["error_code"])
    return status, "application/json", json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _file_fields(stored: _StoredFile) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
    }


def _visible(message: JSON) -> JSON:
    """What an edit can change: everything but the edit date."""
    return {name: value for name, value in message.items() if name != "edit_date"}


def _is_bot(message: JSON) -> bool:
    return bool(message.get("from", {}).get("is_bot"))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _short(params: JSON, limit: int = 200) -> str:
    text = json.dumps(params, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
