from __future__ import annotations

import math

from recommender.engine.cf import EASE, EASEConfig, Popularity, SurpriseSVD, SVDConfig
from recommender.engine.evaluation.offline import evaluate_models
from recommender.engine.evaluation.splits import stratified_split


def test_evaluate_models_ranks_every_unseen_catalog_item_and_reports_metrics(block_data):
    train, test = stratified_split(block_data, 0.25, seed=42)
    catalog = [*block_data.unique_items().tolist(), 999]  # an item nobody rated: no model knows it
    models = {
        "popularity": Popularity(),
        "svd": SurpriseSVD(SVDConfig(factors=8, epochs=100, lr=0.01, reg=0.1)),
        "ease": EASE(EASEConfig(lam=100.0, weighting="rating")),
    }
    results = evaluate_models(models, train, test, k=5, catalog_item_ids=catalog)
    seen = train.items_by_user()
    for name, result in results.items():
        topk, metrics = result["topk"], result["metrics"]
        assert set(topk) == set(test.unique_users().tolist())
        for user, items in topk.items():
            assert len(items) == 5 and not set(items) & set(seen[user].tolist()) and 999 not in items
        assert metrics["k"] == 5 and metrics["catalog_size"] == 41 and metrics["users"] == 30
        assert metrics["fit_seconds"] >= 0 and "score_ms_p95" in metrics
        assert ("rmse" in metrics) == (name == "svd")
    assert 0 < results["svd"]["metrics"]["rmse"] < 2 and not math.isnan(results["svd"]["metrics"]["mae"])
    # On block data a personal model must beat the popularity baseline.
    assert results["ease"]["metrics"]["ndcg"] > results["popularity"]["metrics"]["ndcg"]
    assert results["svd"]["metrics"]["ndcg"] > results["popularity"]["metrics"]["ndcg"]
