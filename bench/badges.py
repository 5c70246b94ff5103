"""How long awards take, one at a time (the use case: find the badge, a random status place, sign
the VC-JWT, store it and queue its delivery, one transaction; then bake it into its PNG) and a
group at once (one transaction for all), how long the
publisher takes to answer the HTTP service's commonest requests, and how long `badges verify`
takes for each kind of input. On SQLite, and on PostgreSQL when a URL is given:

    python -m bench.badges [--awards 200] [--postgres postgresql://postgres@127.0.0.1/colbot_bench]

`make bench` runs it as its "badges" section, on SQLite and on a throwaway database of the local
PostgreSQL server when one answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ holds the published web's routes

from access.policy import Actor  # noqa: E402
from badges.artwork import check_supplied  # noqa: E402
from badges.publishing import BadgePublisher  # noqa: E402
from bot.services import Services, build_services  # noqa: E402
from bot.settings import Settings  # noqa: E402
from openbadges.verify import verify  # noqa: E402
from store import people  # noqa: E402
from store.catalogue_import import apply_records, read_catalogue  # noqa: E402
from tests.badges_world import FakeWeb  # noqa: E402

VERIFIES = 50  # each kind of input verified this many times
ROUNDS = 3  # awards are timed in this many rounds (one at a time, then in groups): the median
STORE_THREADS = 4  # awards at once, as the bot's store threads make them (bot/telegram/state.py)
ONE_AT_A_TIME = "awards/s, one at a time (sign, store, queue, bake)"
ON_THREADS = f"awards/s, one at a time on {STORE_THREADS} threads at once"

CATALOGUE = (
    '{"id": "bench-1", "title": {"sl": "Robotska delavnica", "en": "Robotics workshop"}, '
    '"description": {"sl": "Sestavi robota.", "en": "Build a robot."}, "organisation": '
    '{"name": "Mladinski center", "url": "https://mc.example", "email": "info@mc.example"}, '
    '"kind": "workshop", "badge": {"name": {"sl": "Mladi robotik", "en": "Young roboticist"}}}'
)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(call: Callable[[], object]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def run(database_url: str | None, awards: int, rounds: int = ROUNDS) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="colbot-bench-badges-"))
    env = {
        "DATA_DIR": str(folder),
        "ADMIN_IDS": "1",
        "PUBLIC_URL": "https://badges.example",
        "TELEGRAM_BOT_USERNAME": "BenchBot",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    services: Services = build_services(Settings.from_environment(env))
    try:
        records = read_catalogue([CATALOGUE], check_image=check_supplied)
        learners = iter(range(100_000, 100_000 + 1 + 3 * rounds * awards))
        with services.database.session() as session:
            apply_records(session, records, services.city.slug, services.city.zone)
            for number in range(100_000, 100_000 + 1 + 3 * rounds * awards):
                people.seen(session, number, services.clock())
        badges, admin = services.badges, Actor.command_line()
        issued = [badges.award(admin, "bench-1", next(learners))]  # keys, the image: made once
        badges.publisher.credential_png(issued[0].award_id)
        sign_store, bake, one_rates, many_rates, bulk_rates = [], [], [], [], []

        def award_and_bake(learner: int) -> str:
            made = badges.award(admin, "bench-1", learner)
            badges.publisher.credential_png(made.award_id)
            return made.award_id

        for _round in range(rounds):  # one at a time, as an administrator or a claim does
            began_round = time.perf_counter()
            for _ in range(awards):
                began = time.perf_counter()
                issued.append(badges.award(admin, "bench-1", next(learners)))
                sign_store.append(time.perf_counter() - began)
                bake.append(timed(lambda: badges.publisher.credential_png(issued[-1].award_id)))
            one_rates.append(awards / (time.perf_counter() - began_round))
        for _round in range(rounds):  # several at once, each one at a time, as the bot does
            began_round = time.perf_counter()
            with ThreadPoolExecutor(STORE_THREADS) as pool:
                made = list(pool.map(award_and_bake, [next(learners) for _ in range(awards)]))
            many_rates.append(len(made) / (time.perf_counter() - began_round))
        for _round in range(rounds):  # a group at once (`badges award OPP --to ID ID …`)
            group = [next(learners) for _ in range(awards)]
            began_round = time.perf_counter()
            done = badges.award_many(admin, "bench-1", group)
            for made in done.issued:
                badges.publisher.credential_png(made.award_id)
            bulk_rates.append(len(done.issued) / (time.perf_counter() - began_round))
        publisher, some = badges.publisher, issued[len(issued) // 2].award_id
        from_store = BadgePublisher(badges.context, fresh_seconds=0)
        slug = "mladinski-center"
        requests = {
            "assertion": lambda p: p.assertion(some),
            "credential": lambda p: p.credential(some),
            "baked PNG (cached)": lambda p: p.credential_png(some),
            "status list (cached)": lambda p: p.status_list(slug, 0),
            "JWKS": lambda p: p.jwks(),
            "public page": lambda p: p.public_page(some),
        }
        result = {
            "award: sign + store + queue (ms)": median_ms(sign_store),
            "bake its PNG (ms)": median_ms(bake),
            "award in all (ms)": median_ms([a + b for a, b in zip(sign_store, bake, strict=True)]),
            ONE_AT_A_TIME: statistics.median(one_rates),
            ON_THREADS: statistics.median(many_rates),
            f"awards/s, {awards} at once (sign, store, queue, bake)": statistics.median(bulk_rates),
        }
        for name, call in requests.items():
            for answering, which in (("from the store", from_store), ("from memory", publisher)):
                call(which)
                samples = [timed(lambda call=call, which=which: call(which)) for _ in range(300)]
                result[f"publisher: {name}, {answering} (ms)"] = median_ms(samples)
        result |= verify_times(services, some)
        return result
    finally:
        services.close()


def verify_times(services: Services, award_id: str) -> dict[str, float]:
    """`badges verify` on each kind of input, its fetches answered by the publisher in the same
    process (what verifying costs without the network)."""
    badges, admin = services.badges, Actor.command_line()
    web = FakeWeb(services)
    inputs: dict[str, bytes | str] = {
        "baked PNG (OB 2.0)": badges.export(admin, award_id, "png"),
        "baked PNG (OB 3.0)": badges.export(admin, award_id, "ob3-png"),
        "assertion JSON": badges.export(admin, award_id, "json"),
        "hosted assertion URL": badges.urls.assertion(award_id),
        "VC-JWT": badges.export(admin, award_id, "ob3-jwt").decode("ascii"),
    }
    out = {}
    for name, given in inputs.items():
        verdict = verify(given, web)
        if not verdict.valid:
            raise RuntimeError(f"verify of the {name} is not valid: {verdict.reasons}")
        out[f"verify: {name} (ms)"] = median_ms(
            [timed(lambda given=given: verify(given, web)) for _ in range(VERIFIES)]
        )
    return out


@contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    """A database of its own on the local PostgreSQL server, dropped afterwards; None when no
    server answers on 127.0.0.1:5432."""
    import psycopg

    name = f"colbot_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True, connect_timeout=3
        ) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        yield None
        return
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1/{name}"
    finally:
        with psycopg.connect(
            host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True
        ) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def badges_section(awards: int = 200) -> tuple[list[str], dict[str, dict[str, float]]]:
    """The section of BENCHMARKS.md on the badges."""
    figures: dict[str, dict[str, float]] = {"SQLite": run(None, awards)}
    with throwaway_postgres() as url:
        if url is not None:
            figures["PostgreSQL"] = run(url, awards)
    names = list(figures)
    lines = [
        f"Awards in {ROUNDS} rounds of {awards}: one at a time (the use case reads the badge, its "
        "issuer and the person in one statement, counts it, chooses a random free place in the "
        "issuer's status list, signs the OB 3.0 VC-JWT (RS256), stores the award and queues its "
        "delivery in one transaction; then its PNG is baked), the same on "
        f"{STORE_THREADS} threads at once (as the bot's store threads award claims that "
        "arrive together), and a group at once "
        f"(`badges award OPP --to ID ID …`: {awards} in one transaction, then each baked). The "
        "times are medians of every award; awards a second, the median of the rounds. The "
        "publisher's answers are what the HTTP service serves (without HTTP): read from the "
        "store, and from its memory (what it read is trusted for FRESH_SECONDS). `badges "
        "verify` is timed with its fetches answered by the publisher in the same process (no "
        "network): schema, JSON-LD, signature, key, dates, status list.",
        "",
        "| | " + " | ".join(names) + " |",
        "| --- | " + " | ".join("---" for _ in names) + " |",
    ]
    for key in figures[names[0]]:
        if key.endswith(" (ms)"):
            cells = " | ".join(f"{figures[n][key]:.2f} ms" for n in names)
        else:
            cells = " | ".join(f"{figures[n][key]:.0f}" for n in names)
        lines.append(f"| {key.removesuffix(' (ms)')} | {cells} |")
    in_group = f"awards/s, {awards} at once (sign, store, queue, bake)"
    one, many, group = (
        ", ".join(f"{n} {figures[n][key]:.0f}" for n in names)
        for key in (ONE_AT_A_TIME, ON_THREADS, in_group)
    )
    lines += [
        "",
        f"Awards a second (sign, store, bake; goal ≥ 100): one after another {one}; on "
        f"{STORE_THREADS} threads at once {many}; {awards} in one transaction {group}.",
    ]
    return lines, figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.badges")
    parser.add_argument("--awards", type=int, default=200, help="in each round")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL database to use (emptied)")
    args = parser.parse_args()
    for name, url in (("SQLite", None), ("PostgreSQL", args.postgres)):
        if name == "PostgreSQL" and not url:
            continue
        print(f"{name}, {ROUNDS} rounds of {args.awards} awards:")
        for what, value in run(url, args.awards).items():
            print(f"  {what:<62} {value:8.2f}")


if __name__ == "__main__":
    main()
