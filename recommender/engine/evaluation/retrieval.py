"""Ranking metrics for free-text search: one request, one ranked list, a set of relevant movies.

Relevance is binary. NDCG@k and precision@k read the first k results, MRR the rank of the first
relevant one (0 when none is in the list), Recall@R the share of relevant movies in the first R,
and AP the mean precision at each relevant position of the first R, over min(R, |relevant|), so a
request with 300 relevant movies is not judged on ones it could never show. Plain Python.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import numpy as np

from recommender.engine.evaluation.metrics import average_precision_at_k, hits_at_k, ndcg_at_k

METRICS = ("ndcg@10", "map@100", "mrr", "recall@100", "p@10")


def request_metrics(ranked: Sequence[int], relevant: Collection[int], *, k: int = 10, depth: int = 100) -> dict:
    """The METRICS of one ranked list (movie ids, best first) against its relevant movie ids."""
    relevant = set(relevant)
    if not relevant:
        raise ValueError("a request needs at least one relevant movie to be scored")
    ranked = list(dict.fromkeys(ranked))  # a movie found twice counts once, at its best rank
    deep_hits = hits_at_k(ranked, relevant, depth)
    first = int(np.argmax(deep_hits)) if deep_hits.any() else None
    return {
        "ndcg@10": ndcg_at_k(ranked, relevant, k),
        "map@100": average_precision_at_k(ranked, relevant, depth),
        "mrr": 0.0 if first is None else 1.0 / (first + 1),
        "recall@100": float(deep_hits.sum()) / len(relevant),
        "p@10": float(hits_at_k(ranked, relevant, k).sum()) / k,
    }


def mean_metrics(rows: Iterable[dict]) -> dict:
    """Each metric averaged over requests, with the count; nan for no requests (no evidence, not 0)."""
    rows = list(rows)
    means = {name: float(np.mean([row[name] for row in rows])) if rows else float("nan") for name in METRICS}
    return {**means, "requests": len(rows)}
