"""Ranking metrics over graded relevance: recall@k, nDCG@k and MRR."""

from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 5) -> float:
    """Share of the relevant items found in the top k, out of the most the top k can hold."""
    wanted = {key for key, grade in relevant.items() if grade > 0}
    if not wanted:
        return 1.0
    return len(wanted & set(ranked[:k])) / min(len(wanted), k)


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 5) -> float:
    gains = [2 ** relevant.get(key, 0) - 1 for key in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2**g - 1 for g in relevant.values() if g > 0), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 1.0


def reciprocal_rank(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    for i, key in enumerate(ranked[:k]):
        if relevant.get(key, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0
