"""The HTTP service under load: 50 clients at once asking for hosted assertions (JSON-LD, as a
verifier does) and for public badge pages (HTML, as people opening shared links do), against a
real uvicorn server in a subprocess on 127.0.0.1; requests a second and latency p50/p99.

The clients keep their connections open (HTTP/1.1 keep-alive, as a reverse proxy does to its
upstream) and each sends its next request when the previous answer has arrived. They are a small
asyncio HTTP client of this file's own, so that the client costs little of the two cores.

`python -m bench.http_load` prints the figures; `python -m bench.http_load serve` is the server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ holds the in-bench publisher

from bot.http.access import ACCESS_LOGGER  # noqa: E402
from bot.http.app import PUBLISHER_THREADS, build_http_app  # noqa: E402
from bot.http.published import BadgePublisher  # noqa: E402
from bot.http.server import serve_http  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from openbadges import AwardFacts, KeyRing, PublicUrls, Recipient  # noqa: E402
from tests.badges_publisher import MemoryPublisher  # noqa: E402
from tests.openbadges_world import CENTRE, ROBOTICS  # noqa: E402

CLIENTS = 50
AWARDS = 500
WARM_UP_S = float(os.environ.get("BENCH_HTTP_WARM_UP_S", "2"))
MEASURE_S = float(os.environ.get("BENCH_HTTP_SECONDS", "10"))
GOAL_RPS, GOAL_P99_MS = 1000, 50.0
PACED_RPS = 1000  # the goal's rate, spread evenly over the clients
JSON_LD = {"Accept": "application/ld+json"}
PAGE = {"Accept": "text/html", "Accept-Language": "sl,en;q=0.8"}
KINDS = {"hosted assertion (JSON-LD)": ("assertion", JSON_LD), "public page (HTML)": ("page", PAGE)}


# the server ------------------------------------------------------------------------------------
def bench_publisher(urls: PublicUrls, data_dir: Path) -> tuple[BadgePublisher, list[str]]:
    """What the server publishes, and the award ids to ask for: the tests' own publisher (the
    openbadges engine over AWARDS awards in memory). After the badges issue is merged, build the
    services over `data_dir`, award the badges through them and return
    `services.badges.publisher`: the rest of this file stays as it is."""
    publisher = MemoryPublisher(urls, KeyRing.open(data_dir / "keys")).add_issuer(CENTRE)
    publisher.add_badge(CENTRE.slug, ROBOTICS)
    issued = datetime.now(UTC) - timedelta(days=3)
    ids = []
    for n in range(AWARDS):
        award_id = f"bench-{n:05d}"
        facts = AwardFacts(award_id, issued, Recipient.new(f"learner{n}@example.org"), n)
        publisher.award(ROBOTICS.badge_id, facts, recipient_name=f"Learner {n}")
        ids.append(award_id)
    return publisher, ids


def serve(publisher_threads: int) -> int:
    """The server: prints {"port", "ids"} on one line, then serves until SIGTERM."""
    configure_logging(logging.WARNING)
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)  # as `python -m bot serve` logs
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # clients may connect at once: they wait until uvicorn accepts
    port = sock.getsockname()[1]
    urls = PublicUrls(f"http://127.0.0.1:{port}")
    with tempfile.TemporaryDirectory(prefix="colbot-http-bench-") as folder:
        publisher, ids = bench_publisher(urls, Path(folder))
        app = build_http_app(publisher, urls, publisher_threads=publisher_threads)
        print(json.dumps({"port": port, "ids": ids}), flush=True)
        return serve_http(app, "127.0.0.1", port, sock=sock)


# the clients -----------------------------------------------------------------------------------
async def client(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    measured: tuple[float, float],
    every: float | None,
) -> tuple[list[float], int, int]:
    """One keep-alive connection asking for random `paths` until the end of `measured`: again
    as soon as it is answered, or (`every` seconds) on a schedule. The latencies (ms) of the
    requests due within `measured`, counted from when each was due (a late server is not let off
    by the client waiting for it), how many answers were not 200, and how many answers arrived
    within `measured` (the throughput: on a schedule, what was asked is not what was served)."""
    measure_from, until = measured
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    latencies: list[float] = []
    errors = answered = 0
    due = time.perf_counter() + (random.uniform(0, every) if every else 0.0)
    try:
        while due < until:
            if every:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            else:
                due = time.perf_counter()
            path = random.choice(paths)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            done = time.perf_counter()
            answered += measure_from <= done < until
            if due >= measure_from:
                latencies.append((done - due) * 1000)
                errors += not head.startswith(b"HTTP/1.1 200 ")
            if every:
                due += every
            else:
                due = time.perf_counter()
    finally:
        writer.close()
    return latencies, errors, answered


async def drive(
    port: int, paths: list[str], headers: dict[str, str], rate: float | None
) -> dict[str, float]:
    """CLIENTS clients for WARM_UP_S + MEASURE_S seconds: as fast as answered, or at `rate`
    requests a second in all."""
    measure_from = time.perf_counter() + WARM_UP_S
    measured = (measure_from, measure_from + MEASURE_S)
    every = CLIENTS / rate if rate else None
    results = await asyncio.gather(
        *(client(port, paths, headers, measured, every) for _ in range(CLIENTS))
    )
    latencies = [ms for found, _, _ in results for ms in found]
    return {
        "clients": CLIENTS,
        "paced_rps": rate or 0,
        "requests": len(latencies),
        "requests_per_s": sum(answered for _, _, answered in results) / MEASURE_S,
        "p50_ms": float(np.percentile(latencies, 50)),
        "p90_ms": float(np.percentile(latencies, 90)),
        "p99_ms": float(np.percentile(latencies, 99)),
        "max_ms": float(max(latencies)),
        "errors": sum(errors for _, errors, _ in results),
    }


def measure(publisher_threads: int, loads: list[tuple[str, float | None]]) -> dict[str, dict]:
    """Start a server, put each load on it in turn ((kind, rate)), stop it with SIGTERM as a
    service manager does, and say how each went."""
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.http_load", "serve", str(publisher_threads)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # the access log: one line a request, as in production
        text=True,
    )
    figures: dict[str, dict] = {}
    try:
        announced = json.loads(server.stdout.readline() if server.stdout else "{}")
        base = PublicUrls(f"http://127.0.0.1:{announced['port']}")
        for name, rate in loads:
            kind, headers = KINDS[name]
            address = base.assertion if kind == "assertion" else base.public_page
            paths = [urlsplit(address(award_id)).path for award_id in announced["ids"]]
            found = asyncio.run(drive(announced["port"], paths, headers, rate))
            figures[f"{name}|{publisher_threads}|{rate or 'max'}"] = {
                **found,
                "what": name,
                "publisher_threads": publisher_threads,
            }
            print(f"  {name}, {rate or 'max'}: {found['requests_per_s']:,.0f}/s", file=sys.stderr)
    finally:
        server.send_signal(signal.SIGTERM)
        stopped = server.wait(timeout=30)
    for found in figures.values():
        found["exit_code"] = stopped
    return figures


def run() -> dict[str, dict]:
    """Both kinds, as fast as answered and at the goal's rate, with the publisher in threads (as
    served) and, for comparison, on the event loop."""
    loads = [(name, rate) for name in KINDS for rate in (None, PACED_RPS)]
    return {**measure(PUBLISHER_THREADS, loads), **measure(0, loads)}


def http_section() -> tuple[list[str], dict[str, dict]]:
    figures = run()
    lines = [
        f"The HTTP service (Starlette on uvicorn, one process) in a subprocess on 127.0.0.1, "
        f"{AWARDS} awards published by the in-bench publisher (the openbadges engine over "
        f"memory), the access log on; {CLIENTS} keep-alive clients asking for random awards, "
        f"either each again as soon as it is answered (as fast as it goes) or together "
        f"{PACED_RPS:,} requests a second on a schedule (latency counted from when a request was "
        f"due); {MEASURE_S:.0f} s measured after {WARM_UP_S:.0f} s of warm-up; the clients share "
        f"the two cores with the server. Goal: at least {GOAL_RPS:,} requests a second with p99 "
        f"under {GOAL_P99_MS:.0f} ms.",
        "",
        "| what | publisher | load | requests/s | p50 | p99 | not 200 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures.values():
        where = (
            f"{f['publisher_threads']} threads" if f["publisher_threads"] else "on the event loop"
        )
        load = f"{f['paced_rps']:,.0f}/s paced" if f["paced_rps"] else "as fast as answered"
        lines.append(
            f"| {f['what']} | {where} | {load} | {f['requests_per_s']:,.0f} "
            f"| {f['p50_ms']:.1f} ms | {f['p99_ms']:.1f} ms | {f['errors']:.0f} |"
        )
    stops = sorted({f["exit_code"] for f in figures.values()})
    lines += [
        "",
        "As served, the publisher is called in threads, as it may wait on the store; a publisher "
        "that answers from memory can run on the event loop (`publisher_threads=0`). Each server "
        f"stopped on SIGTERM with exit code {', '.join(map(str, stops))} (0: a graceful stop).",
    ]
    return lines, figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        sys.exit(serve(int(sys.argv[2]) if len(sys.argv) > 2 else PUBLISHER_THREADS))
    section, _ = http_section()
    print("\n".join(section))
