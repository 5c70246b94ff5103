"""What the logs may hold: never a secret (the bot token is in every Bot API URL), and in
production (COLBOT_ENV=production) never what a person wrote next to who they are."""

import asyncio
import io
import logging
import re

import pytest

from bot.logs import RedactSecrets, configure_logging

from .botapi_double import BotApiDouble
from .test_telegram import running

WRITER = 4242
WORDS = "robotika za mojo hčerko Zalo"


@pytest.fixture
def log_lines():
    """Colbot's own logging set-up, at DEBUG, written into a buffer; put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    buffer = io.StringIO()

    def configure(production: bool, secrets: list[str]) -> io.StringIO:
        configure_logging(logging.DEBUG, secrets, production, stream=buffer)
        return buffer

    yield configure
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in quiet.items():
        logging.getLogger(name).setLevel(old)


def conversation(double: BotApiDouble, services) -> None:
    async def main() -> None:
        async with running(double, services):
            double.push_message(WRITER, WORDS, language_code="sl")
            await double.wait_for("sendMessage")
            double.push_message(WRITER, "/mydata", language_code="sl")
            await double.wait_for("sendMessage", count=2)

    asyncio.run(main())


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_the_bot_token_never_reaches_a_log_line(log_lines, shared_services, production):
    with BotApiDouble() as double:
        lines = log_lines(production, [double.token])
        conversation(double, shared_services)
    text = lines.getvalue()
    assert "getUpdates" in text or "sendMessage" in text or "Application" in text  # it logged
    assert double.token not in text
    assert double.token.split(":")[1] not in text


def test_in_production_no_line_holds_what_a_person_wrote(log_lines, shared_services):
    with BotApiDouble() as double:
        lines = log_lines(True, [double.token])
        conversation(double, shared_services)
    text = lines.getvalue()
    assert "Application" in text  # the libraries' lines still come at DEBUG
    assert "Zalo" not in text and "hčerko" not in text
    for line in text.splitlines():
        assert not (str(WRITER) in line and "robotika" in line), line


def test_in_development_the_conversation_log_shows_what_was_written(log_lines, shared_services):
    """The filter is what keeps production clean: without it, the words are there."""
    with BotApiDouble() as double:
        lines = log_lines(False, [double.token])
        conversation(double, shared_services)
    assert WORDS in lines.getvalue()


def test_secrets_are_redacted_in_messages_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", ("/bot123:SECRET",), None)
    try:
        raise RuntimeError("failed at https://api/bot123:SECRET/getMe")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    RedactSecrets(["123:SECRET"]).filter(record)
    assert record.getMessage() == "url /bot[secret]"
    assert "123:SECRET" not in record.exc_text and re.search(r"\[secret\]/getMe", record.exc_text)
