"""How long one award takes (the use case: find the badge, a random status place, sign the VC-JWT,
store it and queue its delivery, one transaction; then bake it into its PNG), and how long the
publisher takes to answer the HTTP service's commonest requests. On SQLite, and on PostgreSQL
when a URL is given:

    python -m bench.badges [--awards 200] [--postgres postgresql://postgres@127.0.0.1/colbot_bench]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from badges.artwork import check_supplied
from badges.permissions import Actor
from bot.services import Services, build_services
from bot.settings import Settings
from store import people
from store.catalogue_import import apply_records, read_catalogue

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


def run(database_url: str | None, awards: int) -> dict[str, float]:
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
        with services.database.session() as session:
            apply_records(session, records, services.city.slug, services.city.zone)
            for number in range(awards + 1):
                people.seen(session, 100_000 + number, services.clock())
        badges, admin = services.badges, Actor.command_line()
        issued = [badges.award(admin, "bench-1", 100_000)]  # keys, the image: made once
        badges.publisher.credential_png(issued[0].award_id)
        sign_store, bake = [], []
        for number in range(1, awards + 1):
            began = time.perf_counter()
            issued.append(badges.award(admin, "bench-1", 100_000 + number))
            sign_store.append(time.perf_counter() - began)
            bake.append(timed(lambda: badges.publisher.credential_png(issued[-1].award_id)))
        publisher, some = badges.publisher, issued[len(issued) // 2].award_id
        slug = "mladinski-center"
        requests = {
            "assertion": lambda: publisher.assertion(some),
            "credential": lambda: publisher.credential(some),
            "baked PNG (cached)": lambda: publisher.credential_png(some),
            "status list (cached)": lambda: publisher.status_list(slug, 0),
            "JWKS": publisher.jwks,
            "public page": lambda: publisher.public_page(some),
        }
        result = {
            "award: sign + store + queue (ms)": median_ms(sign_store),
            "bake its PNG (ms)": median_ms(bake),
            "award in all (ms)": median_ms([a + b for a, b in zip(sign_store, bake, strict=True)]),
        }
        for name, call in requests.items():
            call()
            result[f"publisher: {name} (ms)"] = median_ms([timed(call) for _ in range(300)])
        return result
    finally:
        services.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.badges")
    parser.add_argument("--awards", type=int, default=200)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL database to use (emptied)")
    args = parser.parse_args()
    for name, url in (("SQLite", None), ("PostgreSQL", args.postgres)):
        if name == "PostgreSQL" and not url:
            continue
        print(f"{name}, median of {args.awards} awards:")
        for what, value in run(url, args.awards).items():
            print(f"  {what:<38} {value:7.2f}")


if __name__ == "__main__":
    main()
