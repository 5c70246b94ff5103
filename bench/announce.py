"""An announcement to many followers, delivered by the real bot (`python -m bot run`, a process
of its own) through the Bot API double, which enforces Telegram's limits (30 messages a second
overall, one a second per chat: a send over them is answered 429 and counted), answers 403 for
the chats that blocked the bot and 429 (retry_after) for a few chosen ones. The announcement is
queued with `python -m bot announce … --yes`; halfway through, the bot is killed with SIGKILL and
started again. Measured: the sending rate (and the most sends within any one second), and, once
everything has an outcome, the messages lost (a follower who can be reached and got nothing) and
duplicated (a follower who got it twice: only what was in flight at the kill).

    COLBOT_BENCH_FOLLOWERS=600 python -m bench announce      (make bench: 50 000, ~30 minutes)

The restarted bot's clock is moved LEASE_JUMP ahead (COLBOT_NOW), as though the restart had
taken that long: the rows the killed process had claimed keep their 5-minute lease otherwise.
What was in flight is then sent once more after the outbox's one minute (its unsure policy)."""

from __future__ import annotations

import math
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ holds the double

from sqlalchemy import func, insert, select  # noqa: E402

from store import outbox  # noqa: E402
from store.db import Database  # noqa: E402
from store.models import Announcement, Follow, Organisation, OutboxMessage, Person  # noqa: E402
from tests.botapi_double import BotApiDouble  # noqa: E402

FOLLOWERS = int(os.environ.get("COLBOT_BENCH_FOLLOWERS") or 50_000)
RATE = 29.0  # OUTBOX_RATE for the bench: 97% of Telegram's 30
TELEGRAM_RATE = 30.0
BLOCKED_EVERY = 250  # one follower in 250 blocked the bot (403); one in 10 … 250 of fewer
FLOODED = 3  # chats answered 429 once each …
FLOOD_RETRY_AFTER = 1  # … asking for this many seconds
FIRST_CHAT = 500_000
SLUG = "bench-centre"
LEASE_JUMP = timedelta(minutes=6)  # past the outbox's 5-minute lease
START_TIMEOUT = 600.0  # seconds for the bot to start (the first start embeds the knowledge base)
GAP = 3.0  # seconds without a send that end a stretch of sending
TEXT = "Dan odprtih vrat v soboto ob 10h: pridite in pripeljite prijatelje!"


@dataclass
class Timeline:
    """One pretended clock for every process of a run (COLBOT_NOW), moved ahead at the restart."""

    start: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.monotonic)
    jump: timedelta = timedelta(0)

    def now(self) -> str:
        elapsed = timedelta(seconds=time.monotonic() - self.started)
        return (self.start + elapsed + self.jump).isoformat()


def chat_of(n: int) -> int:
    return FIRST_CHAT + n


def seed(database: Database, followers: int, city: str = "ljubljana") -> None:
    """The organisation and its followers, in bulk."""
    now = datetime.now(UTC)
    with database.session() as session:
        organisation = Organisation(name="Bench Youth Centre", slug=SLUG, city=city)
        session.add(organisation)
        session.flush()
        first = int(session.scalar(select(func.coalesce(func.max(Person.id), 0))) or 0) + 1
        people = [
            {
                "id": first + n,
                "telegram_id": chat_of(n),
                "language": "sl" if n % 2 else "en",
                "active": True,
                "simple_mode": False,
                "news": "instant",
                "created_at": now,
                "last_seen_at": now,
            }
            for n in range(followers)
        ]
        session.execute(insert(Person), people)
        session.execute(
            insert(Follow),
            [
                {
                    "person_id": first + n,
                    "kind": "organisation",
                    "key": SLUG,
                    "city": city,
                    "created_at": now,
                }
                for n in range(followers)
            ],
        )


def blocked_chats(followers: int) -> set[int]:
    every = max(10, min(BLOCKED_EVERY, followers // 20))
    return {chat_of(n) for n in range(every - 1, followers, every)}


def flooded_chats(followers: int) -> list[int]:
    step = max(1, followers // (FLOODED + 1))
    return [chat_of(n) for n in range(step, followers, step)][:FLOODED]


def environment(double: BotApiDouble, data_dir: Path, timeline: Timeline) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "ADMIN_IDS", "WEBHOOK_URL", "TELEGRAM_BOT_USERNAME")
    }
    return env | {
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'colbot.sqlite3'}",
        "TELEGRAM_BOT_TOKEN": double.token,
        "TELEGRAM_BASE_URL": double.base_url,
        "OUTBOX_RATE": str(RATE),
        "COLBOT_NOW": timeline.now(),
        "PYTHONUNBUFFERED": "1",
    }


def start_bot(
    double: BotApiDouble, data_dir: Path, timeline: Timeline, log: Path
) -> subprocess.Popen:
    """`python -m bot run` against the double; returns once it polls for updates."""
    polls = len(double.calls_to("getUpdates"))
    with log.open("ab") as output:
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot", "-q", "run"],
            cwd=ROOT,
            env=environment(double, data_dir, timeline),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while len(double.calls_to("getUpdates")) <= polls:
        if bot.poll() is not None or time.monotonic() > deadline:
            bot.kill()
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the bot did not start:\n{tail}")
        time.sleep(0.2)
    return bot


def queue_announcement(double: BotApiDouble, data_dir: Path, timeline: Timeline) -> str:
    """`python -m bot announce SLUG --text-file … --yes`: what it printed."""
    text_file = data_dir / "announcement.txt"
    text_file.write_text(TEXT, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "-q",
            "announce",
            SLUG,
            "--text-file",
            str(text_file),
            "--yes",
        ],
        cwd=ROOT,
        env=environment(double, data_dir, timeline),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return done.stdout.strip()


def follower_sends(double: BotApiDouble) -> list:  # type: ignore[type-arg]
    return [
        call
        for call in double.calls_to("sendMessage")
        if call.params.get("chat_id", 0) >= FIRST_CHAT
    ]


def taken(double: BotApiDouble) -> list:  # type: ignore[type-arg]
    return [call for call in follower_sends(double) if call.status == 200]


def answered(double: BotApiDouble) -> list:  # type: ignore[type-arg]
    """The sends that took a place in the pace: delivered (200) or refused as blocked (403)."""
    return [call for call in follower_sends(double) if call.status in (200, 403)]


def refusals(double: BotApiDouble, flooded: set[int]) -> list[tuple[float, float]]:
    """Each send the double refused for its limits (a 429 that was not a flooded chat's one):
    seconds after the first send, and how long the 31 sends ending with it took to arrive (under
    a second: 31 within one second, over Telegram's 30)."""
    sends = sorted(follower_sends(double), key=lambda call: call.at)
    if not sends:
        return []
    first = sends[0].at
    flooded_once: set[int] = set()
    found: list[tuple[float, float]] = []
    for n, call in enumerate(sends):
        chat = call.params["chat_id"]
        if call.status != 429:
            continue
        if chat in flooded and chat not in flooded_once:
            flooded_once.add(chat)  # the 429 the bench asked the double for
            continue
        span = call.at - sends[n - 30].at if n >= 30 else math.inf
        found.append((call.at - first, span))
    return found


def rate_of(calls: list) -> float:  # type: ignore[type-arg]
    """Sends a second from the first to the last."""
    if len(calls) < 2:
        return 0.0
    moments = sorted(call.at for call in calls)
    return (len(moments) - 1) / (moments[-1] - moments[0])


def steady_rate(calls: list) -> float:  # type: ignore[type-arg]
    return statistics.median(whole_seconds(calls) or [rate_of(calls)])


def mean_rate(calls: list) -> float:  # type: ignore[type-arg]
    return statistics.fmean(whole_seconds(calls) or [rate_of(calls)])


def whole_seconds(calls: list) -> list[int]:  # type: ignore[type-arg]
    """The median of the sends in each whole second of the longest stretch of sending (split
    where nothing was sent for GAP seconds: the wait for what was in flight at a kill is no
    sending; the first and last second, partly empty, left out; a second paused by a 429
    counts, as it is)."""
    moments = sorted(call.at for call in calls)
    stretches: list[list[float]] = []
    for moment in moments:
        if stretches and moment - stretches[-1][-1] < GAP:
            stretches[-1].append(moment)
        else:
            stretches.append([moment])
    longest = max(stretches, key=len, default=[])
    seconds = Counter(int(moment - longest[0]) for moment in longest)
    return [seconds.get(n, 0) for n in range(1, int(longest[-1] - longest[0]))] if longest else []


def delivered(database: Database) -> int:
    """The rows sent so far, as the bot recorded them (asked of the database, not of the double:
    a look at the double's calls holds its lock, and the sends would queue behind it)."""
    with database.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "sent")
            )
            or 0
        )


def unfinished(database: Database) -> bool:
    """Whether the announcement is still being sent (some row has no outcome yet)."""
    with database.session() as session:
        return session.scalar(select(Announcement.status)) != "done"


def deliver(followers: int, data_dir: Path, kill: bool = True, timeout: float = 3600.0) -> dict:
    """One run: seed, queue with the command line, deliver with the bot (killed halfway and
    started again), count. The figures."""
    database = Database(f"sqlite:///{data_dir / 'colbot.sqlite3'}")
    database.migrate()
    seed(database, followers)
    blocked, flooded = blocked_chats(followers), flooded_chats(followers)
    reachable = followers - len(blocked)
    log = data_dir / "bot.log"
    timeline = Timeline()
    figures: dict = {"followers": followers, "blocked": len(blocked), "flooded": len(flooded)}
    with BotApiDouble() as double:
        double.enforce_limits(TELEGRAM_RATE, 1.0)
        for chat in blocked:
            double.block_chat(chat)
        for chat in flooded:
            double.flood_chat(chat, FLOOD_RETRY_AFTER)
        bot = start_bot(double, data_dir, timeline, log)
        figures["queued"] = queue_announcement(double, data_dir, timeline)
        started = time.monotonic()
        try:
            while kill and delivered(database) < reachable / 2:
                if bot.poll() is not None or time.monotonic() - started > timeout:
                    raise RuntimeError("the bot stopped: " + log.read_text()[-3000:])
                time.sleep(0.5)
            if kill:
                bot.send_signal(signal.SIGKILL)
                bot.wait()
                before = answered(double)
                figures["sent_before_kill"] = len(taken(double))
                figures["answered_before_kill"] = len(before)
                figures["rate_before_kill"] = rate_of(before)
                figures["steady_rate_before_kill"] = steady_rate(before)
                figures["mean_rate_before_kill"] = mean_rate(before)
                figures["seconds_before_kill"] = whole_seconds(before)
                timeline.jump = LEASE_JUMP
                bot = start_bot(double, data_dir, timeline, log)
            restarted = time.monotonic()
            while unfinished(database) and time.monotonic() - started < timeout:
                if bot.poll() is not None:
                    raise RuntimeError("the bot stopped: " + log.read_text()[-3000:])
                time.sleep(0.5)
            figures["seconds_after_restart"] = time.monotonic() - restarted
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(30)
            except subprocess.TimeoutExpired:
                bot.kill()
        got: dict[int, int] = {}
        for call in taken(double):
            got[call.params["chat_id"]] = got.get(call.params["chat_id"], 0) + 1
        expected = {chat_of(n) for n in range(followers)} - blocked
        after = answered(double)[figures.get("answered_before_kill", 0) :]
        figures |= {
            "delivered": len(got),
            "lost": len(expected - got.keys()),
            "duplicated": sum(n - 1 for n in got.values() if n > 1),
            "max_in_any_second": double.max_in_any_second(),
            "over_limit_429": double.over_limit,
            "over_chat_limit_429": double.over_chat_limit,
            "steady_rate_after_restart": steady_rate(after),
            "mean_rate_after_restart": mean_rate(after),
            "rate_overall": rate_of(answered(double)),
            "forbidden_403": sum(1 for c in follower_sends(double) if c.status == 403),
            "refusals": refusals(double, set(flooded)),
        }
    with database.session() as session:
        figures["counts"] = outbox.counts(session, session.scalar(select(Announcement.batch_id)))
        figures["inactive"] = int(
            session.scalar(select(func.count()).select_from(Person).where(Person.active.is_(False)))
            or 0
        )
        figures["rows"] = int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
    database.dispose()
    return figures


CACHE_DIR = ROOT / "var" / "bench-announce"  # the bot's caches (index, interpreter, knowledge)


def fresh_data_dir(folder: Path) -> Path:
    """A data directory with the caches of an earlier run (a first start embeds the demo
    catalogue and the knowledge base and trains the interpreter: minutes) and a new database."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in ("colbot.sqlite3", "colbot.sqlite3-wal", "colbot.sqlite3-shm", "bot.log"):
        (folder / name).unlink(missing_ok=True)
    return folder


def announce_section() -> tuple[list[str], dict]:
    f = deliver(FOLLOWERS, fresh_data_dir(CACHE_DIR))
    rate = f["steady_rate_before_kill"]
    lines = [
        f"One announcement to {f['followers']:,} followers ({f['blocked']} of them blocked the bot: "
        f"403; {f['flooded']} chats answered 429 once with retry_after {FLOOD_RETRY_AFTER} s), queued "
        "with `python -m bot announce … --yes` and delivered by the real bot (`python -m bot run`, "
        "its own process, OUTBOX_RATE "
        f"{RATE:g}) through the Bot API double, which answers 429 to any send over Telegram's limits "
        f"({TELEGRAM_RATE:g} a second overall, 1 a second per chat). Killed with SIGKILL once half "
        f"was delivered, then started again (its clock {LEASE_JUMP.seconds // 60} minutes on, past "
        "the killed process's 5-minute lease). A send counts in the rates when Telegram delivered "
        "it (200) or refused it as blocked (403): both took a place in the pace.",
        "",
        "| | measured | goal |",
        "| --- | --- | --- |",
        f"| sends a second before the kill (median of whole seconds; mean) | {rate:.0f}; "
        f"{f['mean_rate_before_kill']:.1f} ({f['mean_rate_before_kill'] / TELEGRAM_RATE:.1%} of "
        "30) | ≥ 95% of 30 |",
        f"| … from the first send to the kill (queueing and 429 pauses included) | "
        f"{f['rate_before_kill']:.1f} | |",
        f"| sends a second after the restart (median of whole seconds; mean) | "
        f"{f['steady_rate_after_restart']:.0f}; {f['mean_rate_after_restart']:.1f} | |",
        f"| most sends within any one second | {f['max_in_any_second']} | ≤ 30 |",
        f"| sends refused for breaking the limits (of them, one chat's) | {f['over_limit_429']} "
        f"({f['over_chat_limit_429']}) | 0 |",
        f"| lost (reachable, got nothing) | {f['lost']} | 0 |",
        f"| duplicated (got it twice) | {f['duplicated']} | ≤ the in-flight window (MAX_IN_FLIGHT: 2) |",
        f"| delivered / reachable | {f['delivered']:,} / {f['followers'] - f['blocked']:,} | all |",
        f"| people marked inactive (403) | {f['inactive']} | {f['blocked']} |",
        "",
        f"Outbox rows at the end: {', '.join(f'{k} {v}' for k, v in sorted(f['counts'].items()))}. "
        f"After the restart everything had an outcome in {f['seconds_after_restart']:.0f} s (what "
        "was in flight at the kill is sent once more a minute after the lease ran out).",
        "",
        "Whole seconds before the kill, by the sends in them: "
        + ", ".join(
            f"{sends}: {n} s"
            for sends, n in sorted(Counter(f.get("seconds_before_kill", [])).items(), reverse=True)
        )
        + ".",
    ]
    if f.get("refusals"):
        lines += [
            "",
            "Sends refused for the limits: when (seconds after the first send) and how long the 31 "
            "sends ending with each took to arrive: "
            + ", ".join(f"{at:.1f} s ({span:.3f} s)" for at, span in f["refusals"])
            + ".",
        ]
    return lines, f


if __name__ == "__main__":
    lines, _figures = announce_section()
    print("\n".join(lines))
