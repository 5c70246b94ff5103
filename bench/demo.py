"""The demo catalogue in a throwaway data folder, as the benchmarks start from it: the services
the bot runs on (embedded interpreter included), their clock pinned at the moment the labelled
sets are written for, so that their figures do not drift with the calendar."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from bench.quality import judged_catalogue, load_eval_set
from bot.services import Services, build_services
from bot.settings import Settings
from cities import default_city
from index.embedders import Embedder
from index.when import pretend_clock

DEMO = default_city().demo.catalogue  # type: ignore[union-attr]


def evaluation_time() -> datetime:
    """The moment the labelled sets are written for (the search set's `meta.now`)."""
    now, _queries = load_eval_set()
    return now


@contextmanager
def demo_services(
    embedder: Embedder, now: datetime | None = None, judged_only: bool = False
) -> Iterator[Services]:
    """Services holding the demo catalogue as written (not moved to this week), in a folder
    that is gone afterwards; their clock starts at `now` (the evaluation time by default).
    `judged_only`: only the items the search set was judged against."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'bench.sqlite3'}")
        clock = pretend_clock(now or evaluation_time())
        services = build_services(settings, clock=clock, embedder=embedder)
        services.catalogue.import_file(judged_catalogue(DEMO, folder) if judged_only else DEMO)
        try:
            yield services
        finally:
            services.close()
