"""The HTTP service under load: 50 clients at once asking for hosted assertions (JSON-LD, as a
verifier does) and for public badge pages (HTML, as people opening shared links do), against a
real uvicorn server in a subprocess on 127.0.0.1; requests a second and latency p50/p99.

The server is what `python -m bot serve` runs: the badges service over a real store (a SQLite
file, and a throwaway PostgreSQL database when the local server answers), AWARDS awards made
through it, its publisher behind `build_http_app`.

The clients keep their connections open (HTTP/1.1 keep-alive, as a reverse proxy does to its
upstream) and each sends its next request when the previous answer has arrived. They are a small
asyncio HTTP client of this file's own, so that the client costs little of the two cores.

`python -m bench.http_load` prints the figures; `python -m bench.http_load serve THREADS [URL]`
is the server.
"""

from __future__ import annotations

import asyncio
import gc
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
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ holds the in-bench publisher

from access.policy import Actor  # noqa: E402
from badges.artwork import check_supplied  # noqa: E402
from badges.publishing import FRESH_SECONDS  # noqa: E402
from bench.badges import CATALOGUE, throwaway_postgres  # noqa: E402
from bot.http.access import ACCESS_LOGGER  # noqa: E402
from bot.http.app import PUBLISHER_THREADS, build_http_app  # noqa: E402
from bot.http.published import BadgePublisher  # noqa: E402
from bot.http.server import serve_http  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from bot.services import Services, build_services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from openbadges import PublicUrls  # noqa: E402
from store import people  # noqa: E402
from store.catalogue_import import apply_records, read_catalogue  # noqa: E402

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
def bench_services(urls: PublicUrls, data_dir: Path, database_url: str | None) -> Services:
    """The services over `data_dir` (SQLite there, unless `database_url`), with the bench's
    catalogue and AWARDS awards made to as many learners (in one transaction)."""
    env = {
        "DATA_DIR": str(data_dir),
        "ADMIN_IDS": "1",
        "PUBLIC_URL": urls.base_url,
        "TELEGRAM_BOT_USERNAME": "BenchBot",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    services = build_services(Settings.from_environment(env))
    records = read_catalogue([CATALOGUE], check_image=check_supplied)
    learners = [200_000 + n for n in range(AWARDS)]
    with services.database.session() as session:
        apply_records(session, records, services.city.slug, services.city.zone)
        for telegram_id in learners:
            people.seen(session, telegram_id, services.clock())
    services.badges.award_many(Actor.command_line(), "bench-1", learners)
    return services


def bench_publisher(services: Services) -> tuple[BadgePublisher, list[str]]:
    """What the server publishes, and the award ids to ask for; each learner shows their name
    on their page (as the wallet's "show my name" does)."""
    with services.database.session() as session:
        session.execute(text("UPDATE award SET display_name = 'Learner ' || id"))
        ids = [row[0] for row in session.execute(text("SELECT public_id FROM award"))]
    return services.badges.publisher, ids


def serve(publisher_threads: int, database_url: str | None) -> int:
    """The server: prints {"port", "ids"} on one line, then serves until SIGTERM."""
    configure_logging(logging.WARNING)
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)  # as `python -m bot serve` logs
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # clients may connect at once: they wait until uvicorn accepts
    port = sock.getsockname()[1]
    urls = PublicUrls(f"http://127.0.0.1:{port}")
    with tempfile.TemporaryDirectory(prefix="colbot-http-bench-") as folder:
        services = bench_services(urls, Path(folder), database_url)
        try:
            publisher, ids = bench_publisher(services)
            app = build_http_app(publisher, urls, publisher_threads=publisher_threads)
            print(json.dumps({"port": port, "ids": ids}), flush=True)
            return serve_http(app, "127.0.0.1", port, sock=sock)
        finally:
            services.close()


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
    # the clients' own pauses are not the server's latency: what the bench process holds (numpy,
    # the services it imported) is set aside from its garbage collector while they run
    gc.collect()
    gc.freeze()
    try:
        results = await asyncio.gather(
            *(client(port, paths, headers, measured, every) for _ in range(CLIENTS))
        )
    finally:
        gc.unfreeze()
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


def measure(
    store: str,
    database_url: str | None,
    publisher_threads: int,
    loads: list[tuple[str, float | None]],
) -> dict[str, dict]:
    """Start a server over `store`, put each load on it in turn ((kind, rate)), stop it with
    SIGTERM as a service manager does, and say how each went."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.http_load",
            "serve",
            str(publisher_threads),
            *([database_url] if database_url else []),
        ],
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
            figures[f"{store}|{name}|{publisher_threads}|{rate or 'max'}"] = {
                **found,
                "what": name,
                "store": store,
                "publisher_threads": publisher_threads,
            }
            print(
                f"  {store}, {name}, {rate or 'max'}: {found['requests_per_s']:,.0f}/s",
                file=sys.stderr,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        stopped = server.wait(timeout=30)
    for found in figures.values():
        found["exit_code"] = stopped
    return figures


def run() -> dict[str, dict]:
    """Both kinds, as fast as answered and at the goal's rate, the publisher in threads (as
    served), over SQLite and, when the local server answers, PostgreSQL."""
    loads = [(name, rate) for name in KINDS for rate in (None, PACED_RPS)]
    figures = measure("SQLite", None, PUBLISHER_THREADS, loads)
    with throwaway_postgres() as url:
        if url is not None:
            figures |= measure("PostgreSQL", url, PUBLISHER_THREADS, loads)
    return figures


def http_section() -> tuple[list[str], dict[str, dict]]:
    figures = run()
    lines = [
        f"The HTTP service (Starlette on uvicorn, one process, as `python -m bot serve` runs it) "
        f"in a subprocess on 127.0.0.1, over the real store (a SQLite file; a PostgreSQL "
        f"database of the local server), {AWARDS} awards made through the badges service, the "
        f"publisher in {PUBLISHER_THREADS} threads, the access log on; {CLIENTS} keep-alive "
        f"clients asking for random awards, either each again as soon as it is answered (as "
        f"fast as it goes) or together {PACED_RPS:,} requests a second on a schedule (latency "
        f"counted from when a request was due); {MEASURE_S:.0f} s measured after "
        f"{WARM_UP_S:.0f} s of warm-up; the clients share the two cores with the server. The "
        f"publisher answers what it read from the store from memory for at most "
        f"{FRESH_SECONDS:g} s (FRESH_SECONDS: a revocation by another process shows within it). "
        f"Goal: at least {GOAL_RPS:,} requests a second with p99 under {GOAL_P99_MS:.0f} ms.",
        "",
        "| store | what | load | requests/s | p50 | p99 | not 200 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures.values():
        load = f"{f['paced_rps']:,.0f}/s paced" if f["paced_rps"] else "as fast as answered"
        lines.append(
            f"| {f['store']} | {f['what']} | {load} | {f['requests_per_s']:,.0f} "
            f"| {f['p50_ms']:.1f} ms | {f['p99_ms']:.1f} ms | {f['errors']:.0f} |"
        )
    stops = sorted({f["exit_code"] for f in figures.values()})
    lines += [
        "",
        f"Each server stopped on SIGTERM with exit code {', '.join(map(str, stops))} "
        "(0: a graceful stop).",
    ]
    return lines, figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        threads = int(sys.argv[2]) if len(sys.argv) > 2 else PUBLISHER_THREADS
        sys.exit(serve(threads, sys.argv[3] if len(sys.argv) > 3 else None))
    section, _ = http_section()
    print("\n".join(section))
