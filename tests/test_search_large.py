"""The large-catalogue path (HNSW, common words scored for candidates only) gives the same
kind of answers as the exact path: checked on 25 000 items made from the demo catalogue."""

from datetime import datetime

import numpy as np
import pytest

from bench.scale import demo_listings, synthetic
from index.catalogue_index import CatalogueIndex
from index.embedding_cache import EmbeddingCache
from index.query import default_lexicon
from index.search import EXACT_UP_TO, CatalogueSearch, SearchRequest

from .conftest import CITY, GAZETTEER, NOW


@pytest.fixture(scope="module")
def large(embedder, warm_cache):
    base = demo_listings()
    cache = EmbeddingCache(warm_cache, embedder.dim)
    cached = cache.get_many([item.passage_hash for item in base])
    assert len(cached) == len(base), "the warm cache holds every demo item"
    vectors = np.stack([cached[item.passage_hash] for item in base])
    items, matrix = synthetic(base, vectors, EXACT_UP_TO + 5_000)
    index = CatalogueIndex(embedder)
    index.add_bulk(items, matrix)
    titles = {item.key: item.title for item in items}
    return CatalogueSearch(index, GAZETTEER, default_lexicon(), CITY.zone), titles


def test_the_large_path_is_taken(large):
    search, _ = large
    assert search.index.vectors.hnsw and search.index.rows > EXACT_UP_TO


@pytest.mark.parametrize(
    ("text", "title_words"),
    [
        ("robotika za otroke", "Robot"),
        ("e-uprava digitalno potrdilo", "e-Uprava"),
        ("Де безкоштовно вивчати словенську мову?", "lovenščin"),
    ],
)
def test_large_catalogues_find_the_same_topics(large, text, title_words):
    search, titles = large
    result = search.search(SearchRequest(text=text, now=NOW))
    assert result.hits
    assert all(title_words in titles[hit.key] for hit in result.hits), [
        titles[h.key] for h in result.hits
    ]


def test_strict_filters_still_find_their_few_items(large):
    search, _ = large
    result = search.search(SearchRequest(text="tečaj", online=True, now=NOW, limit=20))
    rows = [search.index.row_of[hit.key] for hit in result.hits]
    assert len(rows) == 20 and search.index.columns["online"][rows].all()


def test_large_catalogues_hide_past_events_too(large):
    search, titles = large
    later = datetime(2026, 11, 23, 12, tzinfo=NOW.tzinfo)
    result = search.search(SearchRequest(text="hekaton programiraj za mesto", now=later, limit=50))
    assert result.hits
    assert not any("Hekaton" in titles[hit.key] for hit in result.hits)
