"""Search quality on the labelled evaluation set: colbot's ranking beside two baselines,
plain BM25 and the embedder alone (dense cosine), per language group."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from bench.metrics import ndcg_at, recall_at, reciprocal_rank
from index.geo import GeoPoint
from index.search import CatalogueSearch, SearchRequest

ROOT = Path(__file__).resolve().parent.parent
EVAL_SET = ROOT / "data" / "eval" / "search-queries.jsonl"
GROUPS = ("sl", "en", "noisy", "other")


@dataclass(frozen=True)
class EvalQuery:
    id: str
    text: str
    lang: str
    group: str
    near: GeoPoint | None
    relevant: dict[str, int]


def judged_items(path: Path = EVAL_SET) -> frozenset[str]:
    """The catalogue items the set was judged against (its `meta.items`): items added to the demo
    later are left out when it is scored, as no query was judged for them."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    return frozenset(json.loads(first)["meta"]["items"])


def judged_catalogue(source: Path, folder: Path, path: Path = EVAL_SET) -> Path:
    """A copy of the catalogue `source` holding only the judged items, written in `folder`."""
    judged = judged_items(path)
    lines = [
        line
        for line in source.read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line).get("id") in judged
    ]
    copy = folder / "judged-catalogue.jsonl"
    copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return copy


def labelled_lines(path: Path) -> tuple[datetime | None, list[dict]]:
    """A labelled set in JSON Lines: the moment its meta line says it is written for, and the
    rest of its lines."""
    now, rows = None, []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        data = json.loads(raw)
        if "meta" in data:
            now = datetime.fromisoformat(data["meta"]["now"])
        else:
            rows.append(data)
    return now, rows


def load_eval_set(path: Path = EVAL_SET) -> tuple[datetime, list[EvalQuery]]:
    now, rows = labelled_lines(path)
    queries = []
    for data in rows:
        near = data.get("near")
        queries.append(
            EvalQuery(
                id=data["id"],
                text=data["text"],
                lang=data["lang"],
                group=data["group"],
                near=GeoPoint(near["lat"], near["lon"]) if near else None,
                relevant={k: int(v) for k, v in data["relevant"].items()},
            )
        )
    if now is None:
        raise ValueError(f'{path}: the first line must be {{"meta": {{"now": …}}}}')
    return now, queries


Ranker = Callable[[EvalQuery], list[str]]


def colbot_ranker(search: CatalogueSearch, now: datetime, k: int = 10) -> Ranker:
    def rank(query: EvalQuery) -> list[str]:
        result = search.search(SearchRequest(text=query.text, near=query.near, now=now, limit=k))
        return [hit.key for hit in result.hits]

    return rank


def dense_ranker(search: CatalogueSearch, k: int = 10) -> Ranker:
    index = search.index
    alive = np.flatnonzero(index.columns["alive"])

    def rank(query: EvalQuery) -> list[str]:
        vector = index.embedder.embed_queries([query.text])[0]
        scores = index.vectors.similarities(vector, alive)
        return [index.listings[alive[i]].key for i in np.argsort(-scores)[:k]]  # type: ignore[union-attr]

    return rank


_PLAIN = re.compile(r"\w+")


def bm25_ranker(search: CatalogueSearch, k: int = 10) -> Ranker:
    """Okapi BM25 (rank_bm25) over lower-cased words of title, text and tags: no folding,
    stemming, fields or expansion — the plain baseline."""
    listings = [item for item in search.index.listings if item is not None]
    bm25 = BM25Okapi([_PLAIN.findall(item.passage.lower()) for item in listings])

    def rank(query: EvalQuery) -> list[str]:
        scores = bm25.get_scores(_PLAIN.findall(query.text.lower()))
        return [listings[i].key for i in np.argsort(-scores, kind="stable")[:k]]

    return rank


@dataclass
class Scores:
    n: int
    recall5: float
    ndcg5: float
    mrr: float


def evaluate(rank: Ranker, queries: list[EvalQuery]) -> dict[str, Scores]:
    """Scores per group and overall ('all')."""
    per: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for query in queries:
        ranked = rank(query)
        row = (
            recall_at(ranked, query.relevant, 5),
            ndcg_at(ranked, query.relevant, 5),
            reciprocal_rank(ranked, query.relevant, 10),
        )
        per[query.group].append(row)
        per["all"].append(row)
    return {
        group: Scores(len(rows), *(float(np.mean([r[i] for r in rows])) for i in range(3)))
        for group, rows in per.items()
    }


def misses(rank: Ranker, queries: list[EvalQuery]) -> list[tuple[EvalQuery, list[str], float]]:
    """Queries whose top 5 lack a relevant item, worst first (for looking, not for tuning)."""
    out = []
    for query in queries:
        ranked = rank(query)
        r = recall_at(ranked, query.relevant, 5)
        if r < 1.0:
            out.append((query, ranked[:5], r))
    return sorted(out, key=lambda x: x[2])
