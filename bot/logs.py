"""Logging as colbot runs it: secrets (the bot token, the webhook secret) never reach a log line,
the HTTP client's request lines (which hold the token in their URL) are not logged, and in
production (COLBOT_ENV=production) no line holds what a person wrote: the conversation log and
the libraries' per-update debug lines are dropped."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import IO

CONVERSATION_LOGGER = "colbot.conversation"  # what people write, for development only
QUIET_LIBRARIES = ("httpx", "httpcore")  # their INFO lines hold request URLs with the token
UPDATE_LOGGERS = ("telegram", "apscheduler", "httpx", "httpcore", "sanic", "uvicorn")
REDACTED = "[secret]"


class RedactSecrets(logging.Filter):
    """Replaces every secret in a record's text (after formatting) by `[secret]`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        text = record.getMessage()
        redacted = text
        for secret in self.secrets:
            redacted = redacted.replace(secret, REDACTED)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        exc_text = record.exc_text
        if exc_text:
            for secret in self.secrets:
                exc_text = exc_text.replace(secret, REDACTED)
            record.exc_text = exc_text
        if redacted != text:
            record.msg, record.args = redacted, None
        return True


class KeepConversationsPrivate(logging.Filter):
    """Production: no line that may hold a person's words next to who they are."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == CONVERSATION_LOGGER or record.name.startswith(CONVERSATION_LOGGER + "."):
            return False
        return not (
            record.levelno < logging.INFO
            and any(record.name == n or record.name.startswith(n + ".") for n in UPDATE_LOGGERS)
        )


def configure_logging(
    level: int = logging.WARNING,
    secrets: Iterable[str] = (),
    production: bool = False,
    stream: IO[str] | None = None,
) -> None:
    """Set up the root logger once for a process of colbot's (standard error by default)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    if production:
        handler.addFilter(KeepConversationsPrivate())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
