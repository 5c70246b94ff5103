"""The Telegram webhook inside the HTTP service: Telegram POSTs each update to WEBHOOK_URL with
the secret token in a header; a request without the right one is refused (403) before its body
is read, and a right one is handed to the running bot's update queue at once (200).

The bot (a python-telegram-bot `Application`, built by `bot.telegram.app`) is started and
stopped with the HTTP service (`start`, `stop`: the lifespan of the ASGI app), and `start` tells
Telegram where to send the updates (setWebhook with the secret token).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"
SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram allows as a secret_token
MAX_UPDATE = 1024 * 1024  # bytes of one update's JSON; Telegram's are far smaller


class TelegramWebhook:
    """The running bot behind the webhook route (`path`, taken from the webhook's URL)."""

    def __init__(self, application: Application, url: str, secret: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc or parts.query:
            raise ValueError("the webhook's URL must be an https address without a query")
        if not SECRET.fullmatch(secret):
            raise ValueError("the webhook secret is 1-256 of A-Z a-z 0-9 _ -")
        self.application = application
        self.url = url
        self.path = parts.path or "/"
        self._secret = secret.encode("ascii")

    def __repr__(self) -> str:  # never the secret
        return f"TelegramWebhook({self.url!r})"

    @property
    def running(self) -> bool:
        return self.application.running

    async def start(self) -> None:
        """Start the bot as `run_webhook` would, then point Telegram at our URL."""
        application = self.application
        await application.initialize()
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await application.bot.set_webhook(url=self.url, secret_token=self._secret.decode())
        log.info("Telegram sends updates to the webhook")

    async def stop(self) -> None:
        """Stop the bot: the updates being handled are finished first. The webhook stays set,
        so Telegram keeps what arrives meanwhile until the service is back."""
        application = self.application
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)

    def authentic(self, request: Request) -> bool:
        """Whether the request carries the secret token (compared in constant time)."""
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return False
        return hmac.compare_digest(given.encode("latin-1"), self._secret)

    async def receive(self, request: Request) -> Response:
        if not self.authentic(request):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return JSONResponse({"error": "the update is not JSON"}, status_code=400)
        if not isinstance(data, dict):
            return JSONResponse({"error": "the update is not a JSON object"}, status_code=400)
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as error:  # a malformed update is Telegram's to resend, not our crash
            log.warning("an update could not be read (%s)", type(error).__name__)
            return JSONResponse({"error": "the update could not be read"}, status_code=400)
        await self.application.update_queue.put(update)
        return Response(status_code=200)
