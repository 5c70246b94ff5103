"""A small world for the badge stories: a catalogue of three opportunities (a youth centre's
robotics workshop whose organisation has its own public profile, a Slovenian course whose
organiser the catalogue names only, and a talk with no badge), services built as the bot builds
them (no embedding: the catalogue goes straight to the store), a clock the stories move, and a
fake web that answers every published address through the BadgePublisher."""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from access.policy import Actor
from badges.artwork import check_supplied
from badges.publishing import BadgePublisher, Published
from bot.services import Services, build_services
from bot.settings import Settings
from store import people
from store.catalogue_import import apply_records, read_catalogue

ZONE = ZoneInfo("Europe/Ljubljana")
START = datetime(2026, 11, 23, 12, 0, tzinfo=ZONE)
ADMIN = 777  # the Telegram id of an administrator (ADMIN_IDS)
LEARNER, SECOND, THIRD, FOURTH = 9001, 9002, 9003, 9004  # learners' Telegram ids
PLATFORM = Actor.command_line()
AS_ADMIN = Actor.on_telegram(ADMIN)
BOT = "ColbotTestBot"
ISSUER = {
    "ISSUER_NAME": "Mesto učenja Ljubljana",
    "ISSUER_URL": "https://ucenje.ljubljana.example",
    "ISSUER_EMAIL": "znacke@ljubljana.example",
}

ROBOTICS = {
    "id": "lj-robotika",
    "title": {"sl": "Robotska delavnica", "en": "Robotics workshop"},
    "description": {"sl": "Sestavi robota.", "en": "Build a robot."},
    "organisation": {
        "name": "Četrtni mladinski center Šiška",
        "url": "https://mc-siska.example",
        "email": "info@mc-siska.example",
        "description": "Mladinski center v Šiški.",
    },
    "kind": "workshop",
    "topics": ["robotics", "stem"],
    "url": "https://mc-siska.example/robotika",
    "badge": {
        "name": {"sl": "Mladi robotik", "en": "Young roboticist"},
        "criteria": {"sl": "Sestavi in predstavi robota.", "en": "Build and present a robot."},
        "colour": "#1F6F8B",
    },
}
SLOVENIAN = {
    "id": "lj-a1",
    "title": {"sl": "Tečaj slovenščine A1", "en": "Slovenian course A1"},
    "description": {"sl": "Začetni tečaj.", "en": "A beginners' course."},
    "organisation": "Javni zavod Cene Štupar",
    "kind": "course",
    "badge": {"name": {"sl": "Slovenščina A1", "en": "Slovenian A1"}},
}
TALK = {
    "id": "lj-talk",
    "title": {"sl": "Predavanje", "en": "A talk"},
    "description": {"sl": "Predavanje.", "en": "A talk."},
    "organisation": "Knjižnica",
}
CATALOGUE = [ROBOTICS, SLOVENIAN, TALK]


class MovableClock:
    """The stories' clock: it stands still until a story moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def seconds(self) -> float:
        """The clock as monotonic seconds (what the badges' caches count in)."""
        return self.now.timestamp()


def catalogue_lines(records: list[dict] = CATALOGUE) -> list[str]:
    return [json.dumps(record, ensure_ascii=False) for record in records]


def settings_for(data_dir: Path, database_url: str | None = None, **extra: str) -> Settings:
    env = {
        "DATA_DIR": str(data_dir),
        "ADMIN_IDS": str(ADMIN),
        "PUBLIC_URL": "https://badges.colbot.example",
        "TELEGRAM_BOT_USERNAME": BOT,
        **ISSUER,
        **extra,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return Settings.from_environment(env)


def load_catalogue(services: Services, records: list[dict] = CATALOGUE, folder=None) -> None:
    """The catalogue straight into the store (the search index is not needed here)."""
    lines = catalogue_lines(records)
    found = read_catalogue(lines, folder=folder, check_image=check_supplied)
    with services.database.session() as session:
        apply_records(session, found, services.city.slug, services.city.zone, now=services.clock())


def seed_keys(source: Path, data_dir: Path) -> None:
    """The issuing keys made once for the run, copied (modes kept) into a story's DATA_DIR."""
    shutil.copytree(source, data_dir / "keys")


def badge_services(
    data_dir: Path,
    keys: Path,
    database_url: str | None = None,
    clock: MovableClock | None = None,
    **extra: str,
) -> tuple[Services, MovableClock]:
    clock = clock or MovableClock()
    seed_keys(keys, data_dir)
    services = build_services(settings_for(data_dir, database_url, **extra), clock=clock)
    services.badges.context.monotonic = clock.seconds  # the caches' time moves with the story's
    load_catalogue(services)
    return services, clock


def person(services: Services, telegram_id: int) -> int:
    """Someone who has written to the bot: their person id."""
    with services.database.session() as session:
        return people.seen(session, telegram_id, services.clock()).id


def code_of(link: str) -> str:
    match = re.fullmatch(rf"https://t\.me/{BOT}\?start=badge-([A-Za-z0-9_-]+)", link)
    assert match, link
    return match.group(1)


# ---- the published web, as the HTTP service will serve it ----------------------------------------
_ROUTES = [
    (re.compile(r"/ob/issuers/([^/]+)"), "issuer"),
    (re.compile(r"/ob/issuers/([^/]+)/revocations"), "revocation_list"),
    (re.compile(r"/ob/issuers/([^/]+)/status/(\d+)"), "status_list"),
    (re.compile(r"/ob/badges/([^/]+)"), "badge_class"),
    (re.compile(r"/ob/badges/([^/]+)/image\.(png|svg)"), "image"),
    (re.compile(r"/ob/assertions/([^/]+)"), "assertion"),
    (re.compile(r"/ob/assertions/([^/]+)/badge\.png"), "baked_png"),
    (re.compile(r"/ob/credentials/([^/]+)"), "credential"),
    (re.compile(r"/ob/credentials/([^/]+)/badge\.png"), "credential_png"),
    (re.compile(r"/ob/keys"), "jwks"),
    (re.compile(r"/ob/keys/([^/]+)"), "key"),
]


def answer(publisher: BadgePublisher, base: str, url: str) -> Published | None:
    """What the published address `url` answers (None: 404)."""
    if not url.startswith(base + "/"):
        return None
    path = url[len(base) :]
    for pattern, method in _ROUTES:
        match = pattern.fullmatch(path)
        if match:
            args: list[object] = list(match.groups())
            if method == "status_list":
                args[1] = int(args[1])
            return getattr(publisher, method)(*args)
    return None


class FakeWeb:
    """A fetcher for openbadges.verify: every published address answered by the publisher."""

    def __init__(self, services: Services) -> None:
        self.publisher = services.badges.publisher
        self.base = services.badges.urls.base_url
        self.asked: list[str] = []

    def __call__(self, url: str) -> tuple[int, dict[str, str], bytes]:
        self.asked.append(url)
        published = answer(self.publisher, self.base, url)
        if published is None:
            return 404, {}, b"not found"
        return published.status, {"Content-Type": published.media_type}, published.body


@contextmanager
def served(publisher: BadgePublisher, base: str, port: int) -> Iterator[None]:
    """The publisher behind a real HTTP server on 127.0.0.1:port (for `badges verify`)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            published = answer(publisher, base, base + self.path)
            if published is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(published.status)
            self.send_header("Content-Type", published.media_type)
            self.send_header("Content-Length", str(len(published.body)))
            self.end_headers()
            self.wfile.write(published.body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
