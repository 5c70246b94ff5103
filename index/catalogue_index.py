"""The search index of the catalogue: vectors, lexical postings and facts per row, saved to disk,
loaded at start and brought up to date with the database by applying only the differences."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.columns import Columns
from index.embedders import Embedder
from index.embedding_cache import EmbeddingCache, embed_in_batches
from index.lexical import LexicalIndex
from index.listing import Listing
from index.vectors import VectorIndex

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
COMPACT_WHEN_DEAD = 0.3
Tick = Callable[[int], None]


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    embedded: int = 0
    rebuilt: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


class CatalogueIndex:
    def __init__(self, embedder: Embedder, directory: Path | None = None) -> None:
        self.embedder = embedder
        self.directory = directory
        self.vectors = VectorIndex(embedder.dim)
        self.lexical = LexicalIndex()
        self.columns = Columns()
        self.listings: list[Listing | None] = []
        self.hashes: list[str | None] = []
        self.row_of: dict[str, int] = {}
        self.cache: EmbeddingCache | None = None
        self._stale: set[str] = set()  # keys saved in an older version, found changed at load
        if directory is not None:
            self.cache = EmbeddingCache(directory / "embeddings.sqlite3", embedder.dim)

    # ---- size -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.row_of)

    @property
    def rows(self) -> int:
        return self.vectors.count

    @property
    def dead(self) -> int:
        return self.rows - len(self.row_of)

    # ---- changes ----------------------------------------------------------------------------
    @staticmethod
    def _fields(listing: Listing) -> dict[str, str]:
        return {
            "title": listing.title,
            "tags": listing.tags,
            "related": listing.related,
            "body": listing.body,
        }

    def _append(self, listing: Listing, vector: np.ndarray) -> None:
        row = self.vectors.add(vector.reshape(1, -1)).start
        self.listings.append(listing)
        self.hashes.append(listing.passage_hash)
        self.lexical.add(row, self._fields(listing))
        self.columns.append(row, listing)
        self.row_of[listing.key] = row

    def _kill(self, key: str) -> None:
        row = self.row_of.pop(key)
        listing = self.listings[row]
        if listing is not None:
            self.lexical.remove(row, self._fields(listing))
        self.listings[row] = None
        self.columns.kill(row)

    def embed(self, listings: Iterable[Listing], tick: Tick | None = None) -> dict[str, np.ndarray]:
        """Vectors by passage hash, from the cache where it has them."""
        passages = {item.passage_hash: item.passage for item in listings}
        if self.cache is not None:
            return self.cache.embed_passages(self.embedder, passages, tick)
        vectors: dict[str, np.ndarray] = {}
        for batch in embed_in_batches(self.embedder, passages, tick):
            vectors.update(batch)
        return vectors

    def sync(self, listings: Iterable[Listing], tick: Tick | None = None) -> SyncReport:
        """Make the index hold exactly `listings`: add new, replace changed, drop missing ones."""
        report = SyncReport()
        wanted = {item.key: item for item in listings}
        for key in [k for k in self.row_of if k not in wanted]:
            self._kill(key)
            report.removed.append(key)
        todo: list[Listing] = []
        for key, item in wanted.items():
            row = self.row_of.get(key)
            if row is None:
                todo.append(item)
                (report.updated if key in self._stale else report.added).append(key)
            elif self.hashes[row] != item.passage_hash or self.listings[row] != item:
                todo.append(item)
                report.updated.append(key)
        # an item whose text is unchanged keeps its vector; only new texts are embedded
        known = {
            self.hashes[self.row_of[item.key]]: self.vectors.matrix[self.row_of[item.key]].copy()
            for item in todo
            if item.key in self.row_of and self.hashes[self.row_of[item.key]] == item.passage_hash
        }
        before = self.cache.misses if self.cache else 0
        vectors = {**known, **self.embed([i for i in todo if i.passage_hash not in known], tick)}
        report.embedded = (self.cache.misses - before) if self.cache else len(todo) - len(known)
        for item in todo:
            if item.key in self.row_of:
                self._kill(item.key)
            self._append(item, vectors[item.passage_hash])
        self._stale.clear()
        if self.rows and self.dead / self.rows > COMPACT_WHEN_DEAD:
            self.compact()
        return report

    def upsert(self, listing: Listing) -> None:
        """Add or replace one item (the cheap path for a single catalogue change)."""
        self.sync_one(listing, self.embed([listing])[listing.passage_hash])

    def sync_one(self, listing: Listing, vector: np.ndarray) -> None:
        """Add or replace one item whose vector is known."""
        if listing.key in self.row_of:
            self._kill(listing.key)
        self._append(listing, vector)

    def remove(self, key: str) -> bool:
        if key not in self.row_of:
            return False
        self._kill(key)
        return True

    def add_bulk(self, listings: list[Listing], vectors: np.ndarray) -> None:
        """Add many items whose vectors are already known (benchmarks, compaction)."""
        if not self.row_of and self.rows == 0:
            self.vectors = VectorIndex.for_size(self.embedder.dim, len(listings))
        start = self.vectors.add(vectors).start
        for offset, listing in enumerate(listings):
            row = start + offset
            self.listings.append(listing)
            self.hashes.append(listing.passage_hash)
            self.lexical.add(row, self._fields(listing))
            self.columns.append(row, listing)
            self.row_of[listing.key] = row

    def compact(self) -> None:
        """Rebuild without dead rows."""
        alive = sorted(self.row_of.values())
        listings = [self.listings[r] for r in alive]
        vectors = (
            self.vectors.matrix[alive].copy()
            if alive
            else np.zeros((0, self.embedder.dim), np.float32)
        )
        self.vectors = VectorIndex(self.embedder.dim)
        self.lexical = LexicalIndex()
        self.columns = Columns()
        self.listings, self.hashes, self.row_of = [], [], {}
        self.add_bulk([item for item in listings if item is not None], vectors)

    # ---- disk -------------------------------------------------------------------------------
    def save(self) -> None:
        """Write the vectors (FAISS) and the row table; atomic, so a crash leaves the old pair."""
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT_VERSION,
            "embedder": self.embedder.name,
            "dim": self.embedder.dim,
            "rows": [
                [listing.key, digest] if listing is not None else None
                for listing, digest in zip(self.listings, self.hashes, strict=True)
            ],
        }
        vectors_tmp = self.directory / "vectors.faiss.tmp"
        rows_tmp = self.directory / "rows.json.tmp"
        self.vectors.save(vectors_tmp)
        rows_tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(vectors_tmp, self.directory / "vectors.faiss")
        os.replace(rows_tmp, self.directory / "rows.json")

    @classmethod
    def open(
        cls,
        embedder: Embedder,
        directory: Path,
        listings: list[Listing],
        tick: Tick | None = None,
    ) -> tuple[CatalogueIndex, SyncReport]:
        """Load the saved index and apply what changed in the catalogue since; a broken or
        missing file is rebuilt from the listings (and the embedding cache) with a warning."""
        index = cls(embedder, directory)
        rebuilt = False
        try:
            loaded = index._restore(listings)
        except Exception as error:  # any damage to the files means: rebuild
            log.warning(
                "search index in %s is unreadable (%s); rebuilding it from the database",
                directory,
                error,
            )
            index = cls(embedder, directory)
            loaded = False
        if not loaded:
            rebuilt = True
        report = index.sync(listings, tick)
        report.rebuilt = rebuilt and bool(listings)
        if report.changed or rebuilt:
            index.save()
        return index, report

    def _restore(self, listings: list[Listing]) -> bool:
        """Adopt the saved vectors as they are (no FAISS rebuild); False when none are saved."""
        assert self.directory is not None
        rows_file, vectors_file = self.directory / "rows.json", self.directory / "vectors.faiss"
        if not rows_file.exists() and not vectors_file.exists():
            return False
        meta = json.loads(rows_file.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION or meta.get("embedder") != self.embedder.name:
            raise ValueError("it was built by another version or embedder")
        vectors = VectorIndex.load(vectors_file)
        if vectors.count != len(meta["rows"]) or vectors.dim != self.embedder.dim:
            raise ValueError("its vectors and rows do not match")
        current = {item.key: item for item in listings}
        self.vectors = vectors
        for row, entry in enumerate(meta["rows"]):
            item = current.get(entry[0]) if entry else None
            if (
                entry is None
                or item is None
                or item.passage_hash != entry[1]
                or item.key in self.row_of
            ):
                # gone or changed since the save: a dead row; sync() adds the new version
                if entry is not None and item is not None:
                    self._stale.add(item.key)
                self.listings.append(None)
                self.hashes.append(entry[1] if entry else None)
                self.columns.append(row, _DEAD)
                self.columns.kill(row)
                continue
            self.listings.append(item)
            self.hashes.append(item.passage_hash)
            self.lexical.add(row, self._fields(item))
            self.columns.append(row, item)
            self.row_of[item.key] = row
        return True


_DEAD = Listing(key="", title="")
