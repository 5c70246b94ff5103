"""The search index on disk: loaded at start, following every change without a rebuild,
embedding only what is new, and rebuilt with a warning when its files are damaged."""

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.catalogue_index import CatalogueIndex
from index.listing import Listing


class CountingEmbedder:
    """The real embedder, counting the passages it is asked to embed."""

    def __init__(self, real):
        self.real, self.name, self.dim, self.passages = real, real.name, real.dim, 0

    def embed_queries(self, texts):
        return self.real.embed_queries(texts)

    def embed_passages(self, texts):
        self.passages += len(texts)
        return self.real.embed_passages(texts)


def listing(key: str, title: str, body: str = "", **facts) -> Listing:
    return replace(Listing(key=key, title=title, body=body, lat=46.05, lon=14.5), **facts)


ITEMS = [
    listing("a", "Tečaj slovenščine A1", "Za začetnike."),
    listing("b", "Robotski krožek", "Lego roboti za mlade."),
    listing("c", "Pametni telefon za starejše", "Klici in fotografije."),
    listing("d", "Kolesarska delavnica", "Popravimo kolo."),
]


def best(index: CatalogueIndex, text: str) -> str:
    query = index.embedder.embed_queries([text])[0]
    scores = index.vectors.similarities(query)
    scores[~index.columns["alive"]] = -1
    return index.listings[int(np.argmax(scores))].key


def test_a_saved_index_loads_without_embedding_again(tmp_path: Path, embedder):
    counting = CountingEmbedder(embedder)
    _, report = CatalogueIndex.open(counting, tmp_path, ITEMS)
    assert sorted(report.added) == ["a", "b", "c", "d"] and counting.passages == 4
    assert (tmp_path / "vectors.faiss").exists() and (tmp_path / "rows.json").exists()

    again = CountingEmbedder(embedder)
    (tmp_path / "embeddings.sqlite3").unlink()  # not even the cache is needed
    loaded, report = CatalogueIndex.open(again, tmp_path, ITEMS)
    assert again.passages == 0 and not report.changed
    assert len(loaded) == 4 and best(loaded, "robotika") == "b"


def test_a_changed_item_is_the_only_one_embedded(tmp_path: Path, embedder):
    counting = CountingEmbedder(embedder)
    CatalogueIndex.open(counting, tmp_path, ITEMS)
    changed = [*ITEMS[:3], replace(ITEMS[3], title="Šahovski klub", body="Igramo šah.")]
    counting.passages = 0
    index, report = CatalogueIndex.open(counting, tmp_path, changed)
    assert len(index) == 4
    assert report.updated == ["d"] and counting.passages == 1
    assert best(index, "šah") == "d"
    assert index.rows == 5 and index.dead == 1  # the old row is dead, nothing was rebuilt


def test_a_price_change_reuses_the_vector(tmp_path: Path, embedder):
    counting = CountingEmbedder(embedder)
    index, _ = CatalogueIndex.open(counting, tmp_path, ITEMS)
    counting.passages = 0
    report = index.sync([*ITEMS[:3], replace(ITEMS[3], price_eur=0.0)])
    assert report.updated == ["d"] and counting.passages == 0
    assert index.columns["price"][index.row_of["d"]] == 0.0


def test_reimporting_an_old_text_hits_the_cache(tmp_path: Path, embedder):
    counting = CountingEmbedder(embedder)
    index, _ = CatalogueIndex.open(counting, tmp_path, ITEMS)
    index.sync(ITEMS[:3])
    counting.passages = 0
    report = index.sync(ITEMS)
    assert report.added == ["d"] and counting.passages == 0


def test_removed_items_are_never_found_and_dead_rows_get_compacted(tmp_path: Path, embedder):
    index, _ = CatalogueIndex.open(embedder, tmp_path, ITEMS)
    index.sync(ITEMS[:1])
    assert len(index) == 1 and index.dead == 0  # 3 of 4 dead: compacted at once
    assert best(index, "robotika") == "a"
    lexical, _ = index.lexical.scores({"robot": 1.0, "lego": 1.0}, index.rows)
    assert lexical[index.columns["alive"]].sum() == 0


@pytest.mark.parametrize("damage", ["garbage", "truncated", "rows missing", "other embedder"])
def test_a_broken_index_file_is_rebuilt_with_a_warning(tmp_path: Path, embedder, caplog, damage):
    CatalogueIndex.open(embedder, tmp_path, ITEMS)
    vectors, rows = tmp_path / "vectors.faiss", tmp_path / "rows.json"
    if damage == "garbage":
        vectors.write_bytes(b"not a faiss index")
    elif damage == "truncated":
        vectors.write_bytes(vectors.read_bytes()[:100])
    elif damage == "rows missing":
        rows.unlink()
    else:
        rows.write_text(rows.read_text().replace(embedder.name, "another-model"))
    with caplog.at_level(logging.WARNING):
        index, report = CatalogueIndex.open(embedder, tmp_path, ITEMS)
    assert "rebuilding it from the database" in caplog.text
    assert report.rebuilt and len(index) == 4 and best(index, "pametni telefon") == "c"
    reopened, again = CatalogueIndex.open(embedder, tmp_path, ITEMS)
    assert not again.rebuilt and len(reopened) == 4


def test_a_large_index_switches_to_hnsw_and_survives_a_save(tmp_path: Path, embedder):
    rng = np.random.default_rng(7)
    n = 20_000
    vectors = rng.normal(size=(n, embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    items = [listing(f"x{i}", f"item {i}") for i in range(n)]
    index = CatalogueIndex(embedder, tmp_path)
    index.add_bulk(items, vectors)
    assert index.vectors.hnsw
    rows, _ = index.vectors.nearest(vectors[123], 5)
    assert rows[0] == 123
    index.save()
    loaded = CatalogueIndex(embedder, tmp_path)
    assert loaded._restore(items) and loaded.vectors.hnsw and len(loaded) == n


def test_bm25_follows_every_change_as_a_fresh_index_would():
    """Length norms are kept between queries: adding or removing an item must still give the
    scores an index built from scratch gives."""
    from index.lexical import LexicalIndex

    fields = [
        {"title": "Tečaj slovenščine", "body": "za začetnike"},
        {"title": "Robotski krožek", "body": "roboti " * 30},
        {"title": "Slovenščina za tujce", "body": "pogovorni tečaj v knjižnici"},
    ]
    query = {"sloven": 1.0, "tecaj": 1.0}
    grown = LexicalIndex()
    grown.add(0, fields[0])
    grown.scores(query, 3)  # norms computed for one item
    grown.add(1, fields[1])
    grown.add(2, fields[2])
    fresh = LexicalIndex()
    for row, f in enumerate(fields):
        fresh.add(row, f)
    assert np.allclose(grown.scores(query, 3)[0], fresh.scores(query, 3)[0])
    assert grown.scores(query, 3)[0][0] > 0

    grown.remove(1, fields[1])  # the long item goes: the average length falls
    shrunk = LexicalIndex()
    shrunk.add(0, fields[0])
    shrunk.add(2, fields[2])
    after = grown.scores(query, 3)[0]
    assert np.allclose(after, shrunk.scores(query, 3)[0])
    assert not np.allclose(after[[0, 2]], fresh.scores(query, 3)[0][[0, 2]])


def test_scoring_candidates_only_agrees_with_scoring_all_rows_as_the_index_grows():
    from index.lexical import LexicalIndex
    from index.text import terms

    lexical = LexicalIndex()
    texts = ["tečaj slovenščine", "tečaj angleščine", "robotika za mlade", "tečaj kolesarjenja"]
    for row, text in enumerate(texts):
        lexical.add(row, {"title": text})
    query = {terms("tečaj")[0]: 1.0, terms("robotika")[0]: 0.5}
    rows = np.array([0, 2, 3])
    assert np.allclose(lexical.scores_for(query, rows), lexical.scores(query, 4)[0][rows])
    lexical.add(4, {"title": "tečaj robotike"})  # a new row, with both words
    lexical.add(5, {"title": "plesna delavnica"})  # a new row, with neither
    rows = np.array([1, 4, 5])
    every = lexical.scores(query, 6)[0]
    assert np.allclose(lexical.scores_for(query, rows), every[rows])
    assert every[4] > every[1] > 0 and every[5] == 0


def test_only_the_last_asked_common_words_keep_their_row_by_row_frequencies(monkeypatch):
    from index import lexical as lexical_module
    from index.lexical import LexicalIndex
    from index.text import terms

    monkeypatch.setattr(lexical_module, "DENSE_WORDS", 2)
    lexical = LexicalIndex()
    for row, text in enumerate(["tečaj slovenščine za odrasle", "tečaj plesa", "ples za mlade"]):
        lexical.add(row, {"title": text, "body": " ".join([text] * 3)})
    query = {term: 1.0 for text in ("tečaj", "ples", "mlade", "odrasle") for term in terms(text)}
    rows = np.array([0, 1, 2])
    for _ in range(2):  # the second time, every word's frequencies are made again
        assert np.allclose(lexical.scores_for(query, rows), lexical.scores(query, 3)[0])
        assert len(lexical._dense) == 2


@pytest.mark.parametrize("hnsw", [False, True])
def test_vectors_read_from_faiss_storage_stay_right_as_it_grows_and_after_a_load(tmp_path, hnsw):
    """The matrix is a view of FAISS's own storage, taken again after every add (FAISS moves
    its storage as it grows): it must always hold exactly the vectors added, in order."""
    from index.vectors import VectorIndex

    rng = np.random.default_rng(3)
    added = rng.standard_normal((3000, 16)).astype(np.float32)
    added /= np.linalg.norm(added, axis=1, keepdims=True)
    vectors = VectorIndex(16, hnsw=hnsw)
    vectors.add(added[:1])
    for start in range(1, 3000, 700):  # several moves of the storage
        before = vectors.matrix.copy()
        vectors.add(added[start : start + 700])
        assert np.array_equal(vectors.matrix[: len(before)], before)
    assert np.array_equal(vectors.matrix, added)
    assert np.array_equal(vectors.rows(np.array([5, 2999, 0])), added[[5, 2999, 0]])
    assert np.allclose(vectors.similarities(added[7]), added @ added[7])
    vectors.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert loaded.hnsw == hnsw and np.array_equal(loaded.matrix, added)
    assert loaded.nearest(added[42], 1)[0][0] == 42
