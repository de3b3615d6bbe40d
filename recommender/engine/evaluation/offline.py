"""Fit models on a train split and measure them on the test split with full ranking.

Full ranking: every catalog item the user did not rate in train is a candidate, not a sampled
handful, so the numbers compare with the literature's "all unseen items" protocol. The protocol
(dataset, split, k, candidate set) is the caller's to report alongside the numbers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from recommender.engine.cf.base import Recommender, top_k
from recommender.engine.cf.data import IdIndex, Interactions
from recommender.engine.evaluation.metrics import mae, ranking_metrics, rmse


def evaluate_models(
    models: Mapping[str, Recommender],
    train: Interactions,
    test: Interactions,
    k: int = 10,
    catalog_item_ids=None,
) -> dict[str, dict[str, Any]]:
    """{name: {"metrics": {...}, "topk": {user id: [item ids]}}} for each model, fitted here on train.

    Items a model does not know (e.g. EASE's min_item_count cut) are never recommended by it.
    RMSE/MAE only for models that predict ratings. Timings are recorded, never asserted.
    """
    if catalog_item_ids is None:
        catalog_item_ids = np.concatenate([train.item_ids, test.item_ids])
    catalog = IdIndex(catalog_item_ids)
    seen_by_user = train.items_by_user()
    test_users = test.unique_users()
    results: dict[str, dict[str, Any]] = {}
    for name, model in models.items():
        started = time.perf_counter()
        model.fit(train)
        fit_seconds = time.perf_counter() - started
        topk, seconds = _rank_all(model, catalog, seen_by_user, test_users, k)
        metrics: dict[str, Any] = ranking_metrics(topk, test, k, catalog_size=len(catalog))
        if hasattr(model, "predict"):
            metrics.update(_rating_errors(model, test))
        metrics.update(k=k, catalog_size=len(catalog), fit_seconds=fit_seconds)
        for q in (50, 95, 99):
            metrics[f"score_ms_p{q}"] = float(np.percentile(seconds, q) * 1000) if seconds else float("nan")
        results[name] = {"metrics": metrics, "topk": topk}
    return results


def _rank_all(
    model: Recommender,
    catalog: IdIndex,
    seen_by_user: dict[int, np.ndarray],
    users: np.ndarray,
    k: int,
) -> tuple[dict[int, list[int]], list[float]]:
    # Map the model's item order onto the catalog once; per user it is then one scatter.
    to_catalog = catalog.index_of(model.item_ids)
    known = to_catalog >= 0
    topk: dict[int, list[int]] = {}
    seconds: list[float] = []
    for user in users.tolist():
        started = time.perf_counter()
        scores = np.full(len(catalog), -np.inf, dtype=np.float32)
        scores[to_catalog[known]] = model.score(user)[known]
        seen = catalog.index_of(seen_by_user.get(user, np.empty(0, dtype=np.int64)))
        scores[seen[seen >= 0]] = -np.inf  # the train items are not candidates
        topk[user] = catalog.ids[top_k(scores, k)].tolist()
        seconds.append(time.perf_counter() - started)
    return topk, seconds


def _rating_errors(model, test: Interactions) -> dict[str, float]:
    order = np.argsort(test.user_ids, kind="stable")
    users, items, actual = test.user_ids[order], test.item_ids[order], test.ratings[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], len(users)]
    predicted = (
        np.concatenate([model.predict(int(users[s]), items[s:e]) for s, e in zip(starts, ends, strict=True)])
        if len(users)
        else np.empty(0)
    )
    return {"rmse": rmse(predicted, actual), "mae": mae(predicted, actual)}
