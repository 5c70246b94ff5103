"""The bot behind the HTTP service's webhook: the real python-telegram-bot Application (built by
bot/telegram/app.py) runs inside the ASGI app; Telegram — here the Bot API double — is told where
to send updates and with which secret; an update POSTed with the secret is answered through the
double, and one without it never reaches the bot."""

from __future__ import annotations

import json
import logging
import time

import httpx

from bot.http.webhook import SECRET_HEADER, TelegramWebhook
from bot.telegram.app import build_application
from tests.http_world import published

from .test_telegram import MIGRANT, TEEN, talking_to

SECRET = "s3cret_Webhook-token"
WEBHOOK_URL = "https://colbot.example.org/telegram"


def test_telegram_updates_reach_the_bot_only_with_the_secret(
    double, shared_services, tmp_path, caplog
):
    application = build_application(talking_to(double, shared_services))
    webhook = TelegramWebhook(application, WEBHOOK_URL, SECRET)
    caplog.set_level(logging.INFO)
    with published(tmp_path / "keys", telegram=webhook) as world:
        [hooked] = double.calls_to("setWebhook")  # the bot told Telegram where to send updates
        assert hooked.params["url"] == WEBHOOK_URL
        assert hooked.params["secret_token"] == SECRET
        assert application.running
        assert httpx.get(world.base + "/healthz").json() == {"status": "ok", "telegram": "running"}

        update = double.push_message(TEEN, "/start", language_code="sl")
        started = time.perf_counter()
        answer = httpx.post(world.base + "/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 200
        assert time.perf_counter() - started < 5  # handed over, not handled, before answering
        [reply] = double.wait_for_sync("sendMessage")
        assert reply.params["chat_id"] == TEEN
        assert reply.params["text"].startswith("Pozdravljeni!")

        stranger = double.push_message(MIGRANT, "/start", language_code="en")
        for headers in (
            {},
            {SECRET_HEADER: ""},
            {SECRET_HEADER: "wrong"},
            {SECRET_HEADER: SECRET + "x"},
            {SECRET_HEADER: SECRET.upper()},
        ):
            refused = httpx.post(world.base + "/telegram", json=stranger, headers=headers)
            assert refused.status_code == 403, headers
        assert httpx.get(world.base + "/telegram").status_code == 405  # only Telegram's POST
        for bad in (
            b"not json",
            b"[1, 2]",
            b"{}",
            json.dumps({"update_id": 9, "message": "x"}).encode(),
        ):
            refused = httpx.post(
                world.base + "/telegram", content=bad, headers={SECRET_HEADER: SECRET}
            )
            assert refused.status_code == 400
        time.sleep(1.0)
        assert double.sent_messages(MIGRANT) == []  # nothing of the forged ones reached the bot
        assert len(double.sent_messages()) == 1
    assert not application.running  # stopped with the HTTP service
    assert double.calls_to("deleteWebhook") == []  # Telegram keeps updates until we are back
    # our lines and the server's hold neither the secret nor the token (python-telegram-bot's
    # own debug lines quote its requests: configure_logging redacts those, see test_logs.py)
    ours = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(("bot.http", "colbot.http", "uvicorn"))
    ]
    assert ours and not any(SECRET in line or double.token in line for line in ours)
