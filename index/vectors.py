"""The dense vector index: FAISS (exact for a city catalogue, HNSW from 20 000 items) over
append-only rows; a changed or withdrawn item leaves a dead row until the next compaction."""

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
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self.count = 0

    @classmethod
    def for_size(cls, dim: int, expected: int) -> VectorIndex:
        return cls(dim, hnsw=expected >= HNSW_FROM)

    @property
    def matrix(self) -> np.ndarray:
        """All vectors, row by row (dead rows included)."""
        return self._matrix[: self.count]

    def add(self, vectors: np.ndarray) -> range:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        start = self.count
        needed = start + len(vectors)
        if needed > len(self._matrix):
            grown = np.zeros((max(needed, 2 * len(self._matrix), 64), self.dim), dtype=np.float32)
            grown[:start] = self._matrix[:start]
            self._matrix = grown
        self._matrix[start:needed] = vectors
        self.faiss.add(vectors)
        self.count = needed
        return range(start, needed)

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of the given rows (the whole matrix, uncopied, when they are all rows)."""
        if len(rows) == self.count and (self.count == 0 or rows[-1] == self.count - 1):
            return self.matrix  # rows are sorted and unique: all of them, in order
        return self._matrix[rows]

    def similarities(self, query: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Exact cosine of the query with the given rows (all rows when None)."""
        matrix = self.matrix if rows is None else self._matrix[rows]
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
        index.count = loaded.ntotal
        index._matrix = (
            loaded.reconstruct_n(0, loaded.ntotal).astype(np.float32).reshape(-1, loaded.d)
        )
        return index
