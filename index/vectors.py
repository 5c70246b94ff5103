"""The dense vector index: FAISS (exact for a city catalogue, HNSW from 20 000 items) over
append-only rows; a changed or withdrawn item leaves a dead row until the next compaction.

The vectors are kept once, in FAISS's own storage, and read through a view of it: no second
copy (150 MB at 100 000 items), and the rows the approximate search has just read are still
in the cache when the candidates are scored exactly. The view is taken again after each add
(FAISS may move its storage then); changes and searches run one at a time (the bot's
actions thread), so no search holds an old view."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

HNSW_FROM = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64


class VectorIndex:
    def __init__(self, dim: int, hnsw: bool = False) -> None:
        self.dim = dim
        self.hnsw = hnsw
        if hnsw:
            self.faiss = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            self.faiss.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            self.faiss.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            self.faiss = faiss.IndexFlatIP(dim)
        self._matrix = np.zeros((0, dim), dtype=np.float32)  # a view of FAISS's storage
        self.count = 0

    @classmethod
    def for_size(cls, dim: int, expected: int) -> VectorIndex:
        return cls(dim, hnsw=expected >= HNSW_FROM)

    @property
    def matrix(self) -> np.ndarray:
        """All vectors, row by row (dead rows included): valid until the next add."""
        return self._matrix

    def _storage(self) -> np.ndarray:
        flat = faiss.downcast_index(self.faiss.storage) if self.hnsw else self.faiss
        if flat.ntotal == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * self.dim).reshape(-1, self.dim)

    def add(self, vectors: np.ndarray) -> range:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        start = self.count
        self.faiss.add(vectors)
        self.count = int(self.faiss.ntotal)
        self._matrix = self._storage()
        return range(start, self.count)

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of the given rows (the whole matrix, uncopied, when they are all rows)."""
        if len(rows) == self.count and (self.count == 0 or rows[-1] == self.count - 1):
            return self.matrix  # rows are sorted and unique: all of them, in order
        return self._matrix[rows]

    def similarities(self, query: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Exact cosine of the query with the given rows (all rows when None)."""
        matrix = self._matrix if rows is None else self._matrix[rows]
        return matrix @ query

    def nearest(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Approximate top-k rows by cosine (exact for the flat index)."""
        k = min(k, self.count)
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, rows = self.faiss.search(query.reshape(1, -1).astype(np.float32), k)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]

    def save(self, path: Path) -> None:
        faiss.write_index(self.faiss, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        loaded = faiss.read_index(str(path))
        index = cls(loaded.d, hnsw=isinstance(loaded, faiss.IndexHNSWFlat))
        index.faiss = loaded
        if index.hnsw:
            loaded.hnsw.efSearch = HNSW_EF_SEARCH
        index.count = int(loaded.ntotal)
        index._matrix = index._storage()
        return index
