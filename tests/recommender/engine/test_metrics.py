from __future__ import annotations

import math

import pytest

from recommender.engine.cf.data import Interactions
from recommender.engine.evaluation.metrics import (
    average_precision_at_k,
    catalog_coverage,
    mae,
    ndcg_at_k,
    ranking_metrics,
    rmse,
)


def test_ndcg_of_a_known_list_matches_hand_computation():
    # Hits at ranks 2 and 5 of 5; three relevant items, so the ideal list has hits at ranks 1..3.
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5) == pytest.approx(dcg / idcg)
    assert ndcg_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5) == pytest.approx(0.477624, abs=1e-6)


def test_ndcg_ideal_list_has_min_of_k_and_relevant_count_hits():
    assert ndcg_at_k([2, 1], {1, 2, 3}, k=2) == pytest.approx(1.0)  # 2 hits is the best possible at k=2
    assert ndcg_at_k([7, 2, 1], {1, 2, 3}, k=2) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([1, 2], set(), k=2) == 0.0


def test_average_precision_matches_hand_computation():
    assert average_precision_at_k([1, 2, 3, 4, 5], {2, 5, 9}, k=5) == pytest.approx((1 / 2 + 2 / 5) / 3)


def test_ranking_metrics_average_over_test_users_and_count_missing_users_as_misses():
    test = Interactions.from_rows([(1, 2, 4.0), (1, 5, 4.0), (1, 9, 4.0), (2, 7, 4.0)])
    metrics = ranking_metrics({1: [1, 2, 3, 4, 5], 3: [7]}, test, k=5, catalog_size=10)  # user 2 missing
    assert metrics["users"] == 2
    assert metrics["hr"] == pytest.approx(0.5)
    assert metrics["recall"] == pytest.approx((2 / 3) / 2)
    assert metrics["ndcg"] == pytest.approx(0.477624 / 2, abs=1e-6)
    assert metrics["map"] == pytest.approx(0.3 / 2)
    assert metrics["coverage"] == pytest.approx(6 / 10)  # items 1..5 and 7


def test_cum_hr_ignores_low_rated_held_out_items():
    test = Interactions.from_rows(
        [
            (1, 10, 5.0),
            (1, 11, 2.0),  # user 1 hits only this low-rated item: a hit for HR, not for cum_hr
            (2, 20, 3.0),  # user 2 has no item rated >= 4: left out of cum_hr entirely
            (3, 30, 4.0),
        ]
    )
    metrics = ranking_metrics({1: [11, 99], 2: [20], 3: [30]}, test, k=2)
    assert metrics["hr"] == pytest.approx(1.0)
    assert metrics["cum_hr"] == pytest.approx(0.5)
    assert metrics["cum_hr_users"] == 2


def test_only_the_first_k_recommendations_count():
    test = Interactions.from_rows([(1, 3, 4.0)])
    assert ranking_metrics({1: [1, 2, 3]}, test, k=2)["hr"] == 0.0
    assert catalog_coverage({1: [1, 2, 3], 2: [2, 4]}, catalog_size=8, k=1) == pytest.approx(2 / 8)


def test_rmse_and_mae():
    assert rmse([3.0, 4.0], [4.0, 2.0]) == pytest.approx(math.sqrt((1 + 4) / 2))
    assert mae([3.0, 4.0], [4.0, 2.0]) == pytest.approx(1.5)
    assert math.isnan(rmse([], []))
    with pytest.raises(ValueError):
        mae([1.0], [1.0, 2.0])
