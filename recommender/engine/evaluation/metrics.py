"""Top-k ranking metrics and rating errors.

Relevance is binary: any held-out test item of the user is relevant, whatever its rating (the
"cum_hr" variant counts only held-out items rated >= 4). Every ranking metric is averaged over the
users who have test items; a user missing from `topk` counts as a list with no hits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from recommender.engine.cf.data import Interactions


def _discounts(n: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, n + 2))  # rank 1 -> 1/log2(2) = 1


def hits_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> np.ndarray:
    """Boolean per position of the first k recommendations: is it relevant? (lists hold distinct items)"""
    top = np.asarray(list(recommended)[:k], dtype=np.int64)
    return np.isin(top, np.fromiter(relevant, dtype=np.int64, count=len(relevant)))


def ndcg_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> float:
    """DCG of the list over the best possible DCG, which has min(k, |relevant|) hits on top."""
    if not relevant:
        return 0.0
    hits = hits_at_k(recommended, relevant, k)
    dcg = float(_discounts(len(hits))[hits].sum())
    idcg = float(_discounts(min(k, len(relevant))).sum())
    return dcg / idcg


def average_precision_at_k(recommended: Sequence[int], relevant: Collection[int], k: int) -> float:
    """Mean of precision@i over the relevant positions i, divided by min(k, |relevant|)."""
    if not relevant:
        return 0.0
    hits = hits_at_k(recommended, relevant, k)
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].sum() / min(k, len(relevant)))


def ranking_metrics(
    topk: Mapping[int, Sequence[int]],
    test: Interactions,
    k: int,
    catalog_size: int | None = None,
    high_rating: float = 4.0,
) -> dict[str, float]:
    """HR, Recall, NDCG, MAP, cumulative HR (and catalog coverage if catalog_size is given) at k.

    Keys are plain ("ndcg", not "ndcg@10"): k travels with the protocol that is reported beside them.
    """
    relevant_by_user = test.items_by_user()
    high_by_user = test.take(test.ratings >= high_rating).items_by_user()
    hr, recall, ndcg, ap, cum_hr = [], [], [], [], []
    for user, relevant in relevant_by_user.items():
        relevant_set = set(relevant.tolist())
        recommended = list(topk.get(user, []))[:k]
        hits = hits_at_k(recommended, relevant_set, k)
        hr.append(float(hits.any()))
        recall.append(hits.sum() / len(relevant_set))
        ndcg.append(ndcg_at_k(recommended, relevant_set, k))
        ap.append(average_precision_at_k(recommended, relevant_set, k))
        if user in high_by_user:
            cum_hr.append(float(hits_at_k(recommended, set(high_by_user[user].tolist()), k).any()))
    result = {
        "hr": _mean(hr),
        "recall": _mean(recall),
        "ndcg": _mean(ndcg),
        "map": _mean(ap),
        "cum_hr": _mean(cum_hr),
        "users": len(hr),
        "cum_hr_users": len(cum_hr),
    }
    if catalog_size is not None:
        result["coverage"] = catalog_coverage(topk, catalog_size, k)
    return result


HIT_RATE_N = (1, 5, 10)  # the seed paper's leave-one-out table


def hit_rates(topk: Mapping[int, Sequence[int]], test: Interactions, ns=HIT_RATE_N) -> dict[str, float]:
    """HR@n and cumulative HR@n (held-out ratings >= 4 only) for each n, keyed "hr_at_n" / "cum_hr_at_n"."""
    out = {}
    for n in ns:
        at_n = ranking_metrics(topk, test, n)
        out.update({f"hr_at_{n}": at_n["hr"], f"cum_hr_at_{n}": at_n["cum_hr"]})
    return out


def interaction_rows(part: Interactions) -> list[list]:
    """[user, item, rating] rows: how the commands' --json files carry a split, so anyone can recompute."""
    return [[int(u), int(i), float(r)] for u, i, r in zip(part.user_ids, part.item_ids, part.ratings, strict=True)]


def catalog_coverage(topk: Mapping[int, Sequence[int]], catalog_size: int, k: int | None = None) -> float:
    """Distinct items recommended to anyone (first k of each list) over the catalog size."""
    if catalog_size <= 0:
        raise ValueError("catalog_size must be > 0")
    distinct = {item for items in topk.values() for item in list(items)[:k]}
    return len(distinct) / catalog_size


def rmse(predicted, actual) -> float:
    error = _errors(predicted, actual)
    return float(np.sqrt(np.mean(error**2))) if len(error) else float("nan")


def mae(predicted, actual) -> float:
    error = _errors(predicted, actual)
    return float(np.mean(np.abs(error))) if len(error) else float("nan")


def _errors(predicted, actual) -> np.ndarray:
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1)
    actual = np.asarray(actual, dtype=np.float64).reshape(-1)
    if predicted.shape != actual.shape:
        raise ValueError(f"got {len(predicted)} predictions for {len(actual)} ratings")
    return predicted - actual


def _mean(values: list[float]) -> float:
    # No users means no evidence; nan says so, where 0.0 would read as "the model is useless".
    return float(np.mean(values)) if values else float("nan")
