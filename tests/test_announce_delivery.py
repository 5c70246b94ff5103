"""An announcement delivered through the outbox against the Bot API double, which enforces
Telegram's limits (a send over 30 a second, or sooner than a second after the chat's last one, is
answered 429 and counted): a few hundred followers, some of whom blocked the bot (403: they are
marked inactive) and some whose chats answer 429 once (honoured: sent again after retry_after);
nothing lost, nothing twice, the limits kept, the counts right. Then the real bot as a process of
its own (`python -m bot run`), killed with SIGKILL halfway and started again: nothing lost, a
duplicate at most for what was in flight (bench/announce.py, as `make bench` runs it)."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from access.policy import Actor
from bench import announce as bench
from bot.services import Services
from organisations.announcing import Content, Counts
from store.models import Announcement, Person

from .conftest import make_services
from .test_telegram import running

FOLLOWERS = 240
RATE = 29.0


@pytest.fixture
def services(tmp_path, embedder, warm_cache, interpreter):
    built = make_services(tmp_path, embedder, warm_cache, interpreter, outbox_rate=RATE)
    bench.seed(built.database, FOLLOWERS, built.city.slug)
    yield built
    built.close()


def organisation_id(services: Services) -> int:
    return services.announcements.organisation_of(Actor.command_line(), bench.SLUG)


async def until_done(services: Services, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with services.database.session() as session:
            if session.scalar(select(Announcement.status)) == "done":
                return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the announcement was not delivered in time")
        await asyncio.sleep(0.2)


def test_a_few_hundred_followers_within_telegrams_limits(double, services) -> None:
    blocked = bench.blocked_chats(FOLLOWERS)
    flooded = bench.flooded_chats(FOLLOWERS)
    double.enforce_limits(30.0, 1.0)
    for chat in blocked:
        double.block_chat(chat)
    for chat in flooded:
        double.flood_chat(chat, retry_after=1)
    platform = Actor.command_line()
    service = services.announcements
    draft = service.compose(
        platform, organisation_id(services), Content({"sl": "Živjo!", "en": "Hello!"}), "followers"
    )
    service.send(platform, draft.id)

    async def scenario() -> None:
        async with running(double, services):
            await until_done(services)

    asyncio.run(scenario())
    taken = bench.taken(double)
    got = Counter(c.params["chat_id"] for c in taken)
    expected = {bench.chat_of(n) for n in range(FOLLOWERS)} - blocked
    assert set(got) == expected  # nothing lost
    assert max(got.values()) == 1  # nothing twice
    assert double.over_limit == 0 and double.max_in_any_second() <= 30
    for chat in flooded:  # each 429 honoured: sent again no sooner than retry_after
        refused, sent = [c for c in bench.follower_sends(double) if c.params["chat_id"] == chat]
        assert (refused.status, sent.status) == (429, 200)
        assert sent.at - refused.at >= 0.95
    by_language = {c.params["chat_id"]: c.params["text"] for c in taken}
    assert by_language[bench.chat_of(1)].endswith("Živjo!")  # odd followers read Slovenian
    assert by_language[bench.chat_of(2)].endswith("Hello!")
    view = service.status(platform, draft.id)
    assert view.counts == Counts(sent=len(expected), blocked=len(blocked))
    with services.database.session() as session:
        inactive = set(session.scalars(select(Person.telegram_id).where(Person.active.is_(False))))
    assert inactive == blocked  # 403: marked inactive


@pytest.fixture
def warm_data_dir(tmp_path: Path, services: Services) -> Path:
    """A data directory for the bot's own process with the catalogue's embeddings cached (a
    first start embeds it: minutes); the bench seeds its own database."""
    data_dir = tmp_path / "bot"
    data_dir.mkdir(mode=0o700)
    index = services.settings.data_dir / "index"
    shutil.copytree(index, data_dir / "index", ignore=shutil.ignore_patterns("*.lock"))
    (data_dir / "colbot.sqlite3").unlink(missing_ok=True)
    return data_dir


def test_killed_halfway_and_started_again_loses_nothing(warm_data_dir: Path) -> None:
    figures = bench.deliver(200, warm_data_dir, timeout=900)
    assert figures["lost"] == 0
    assert figures["duplicated"] <= 2  # only what was in flight at the kill
    assert figures["over_limit_429"] == 0
    assert figures["inactive"] == figures["blocked"]
    assert 0 < figures["sent_before_kill"] < 200
