"""Embeddings cached by content: a re-import embeds only texts the cache has not seen."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from index.embedders import Embedder

BATCH = 16


class EmbeddingCache:
    """A SQLite file of passage hash → vector, one per embedder."""

    def __init__(self, path: Path, dim: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.dim = dim
        self._db = sqlite3.connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS embedding (hash TEXT PRIMARY KEY, vector BLOB)"
        )
        self.misses = 0

    def get_many(self, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT hash, vector FROM embedding WHERE hash IN ({marks})", chunk
            )
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (self.dim,):
                    found[key] = vector
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO embedding (hash, vector) VALUES (?, ?)",
            [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
        )
        self._db.commit()

    def embed_passages(
        self,
        embedder: Embedder,
        passages: dict[str, str],
        tick: Callable[[int], None] | None = None,
    ) -> dict[str, np.ndarray]:
        """Vectors for hash → passage, embedding only those not cached yet."""
        vectors = self.get_many(list(passages))
        if tick:
            tick(len(vectors))
        todo = {h: p for h, p in passages.items() if h not in vectors}
        self.misses += len(todo)
        for new in embed_in_batches(embedder, todo, tick):
            self.put_many(new)
            vectors.update(new)
        return vectors

    def close(self) -> None:
        self._db.close()


def embed_in_batches(
    embedder: Embedder, passages: dict[str, str], tick: Callable[[int], None] | None = None
) -> Iterator[dict[str, np.ndarray]]:
    """Vectors of hash → passage, a batch at a time, ticking the progress after each."""
    hashes = list(passages)
    for start in range(0, len(hashes), BATCH):
        batch = hashes[start : start + BATCH]
        yield dict(zip(batch, embedder.embed_passages([passages[h] for h in batch]), strict=True))
        if tick:
            tick(len(batch))
