"""The demo catalogue in a throwaway SQLite database, as the benchmarks start from it, and the
embedded interpreter trained beside it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.embedders import Embedder
from index.geo import default_gazetteer
from index.query import default_lexicon
from index.service import CatalogueService
from nlu.embedded import EmbeddedInterpreter
from store.db import Database

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo-catalogue.jsonl"


@contextmanager
def demo_catalogue(embedder: Embedder) -> Iterator[tuple[CatalogueService, Path]]:
    """A service holding the demo catalogue, and the folder it writes in (gone afterwards)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = Database(f"sqlite:///{folder / 'bench.sqlite3'}")
        database.migrate()
        service = CatalogueService(database, folder / "index", embedder)
        service.import_file(DEMO)
        try:
            yield service, folder
        finally:
            database.dispose()


def trained_interpreter(embedder: Embedder, folder: Path) -> EmbeddedInterpreter:
    return EmbeddedInterpreter.trained(
        embedder, folder / "nlu", gazetteer=default_gazetteer(), lexicon=default_lexicon()
    )
