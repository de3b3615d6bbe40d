"""What is particular to each model: popularity thresholds, surprise parity, EASE's weights."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.engine.cf import EASE, EASEConfig, Popularity, PopularityConfig, SurpriseSVD, SVDConfig, top_k
from recommender.engine.cf.data import Interactions

from .conftest import GROUP_A_ITEMS, GROUP_A_USERS, GROUP_B_ITEMS, GROUP_B_USERS


def test_popularity_counts_only_ratings_at_or_above_threshold():
    data = Interactions.from_rows([(1, 10, 5.0), (2, 10, 4.0), (1, 20, 1.0), (2, 20, 2.0), (3, 20, 3.0)])
    assert [item for item, _ in Popularity().fit(data).recommend(99, k=2)] == [20, 10]
    liked = Popularity(PopularityConfig(min_rating=4.0)).fit(data)
    assert liked.recommend(99, k=2) == [(10, 2.0), (20, 0.0)]


def test_popularity_recommend_within_keeps_to_the_allowed_items(fitted):
    model = fitted["popularity"]
    allowed = GROUP_B_ITEMS[:5] + [424_242]  # an unknown id in the allowed set is ignored
    recs = model.recommend_within(allowed, k=10, exclude_item_ids=[GROUP_B_ITEMS[0]])
    assert {item for item, _ in recs} == set(GROUP_B_ITEMS[1:5])


@pytest.mark.parametrize("name", ["svd", "svdpp"])
def test_exported_factor_scores_match_surprise_predict(name, fitted):
    """The numpy score of exported factors equals surprise's own estimate (before clipping)."""
    model = fitted[name]
    algo = model.trained_algo
    for user in (GROUP_A_USERS[0], GROUP_B_USERS[4], GROUP_A_USERS[9]):
        scores = model.score(user)
        predicted = model.predict(user, model.item_ids, clip=False)
        for item in (101, 115, 122, 140):
            expected = algo.predict(user, item, clip=False).est
            position = int(np.flatnonzero(model.item_ids == item)[0])
            assert scores[position] == pytest.approx(expected, abs=1e-4)
            assert predicted[position] == pytest.approx(expected, abs=1e-4)


def test_svdpp_scores_match_surprise_predict(fitted):
    algo, model = fitted["svdpp"].trained_algo, fitted["svdpp"]
    users, items = [1, 2, 16, 30], [101, 120, 121, 139]
    ours = np.array([model.predict(user, items, clip=False) for user in users])
    theirs = np.array([[algo.predict(user, item, clip=False).est for item in items] for user in users])
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_predict_is_clipped_and_falls_back_like_surprise_for_unknowns(fitted):
    model, algo = fitted["svd"], fitted["svd"].trained_algo
    predictions = model.predict(GROUP_A_USERS[0], GROUP_A_ITEMS + GROUP_B_ITEMS)
    assert predictions.min() >= 0.5 and predictions.max() <= 5.0
    # Unknown user: mu + b_i; unknown item: mu + b_u; both unknown: mu. As surprise does.
    assert model.predict(999, [101])[0] == pytest.approx(algo.predict(999, 101).est, abs=1e-4)
    assert model.predict(1, [999])[0] == pytest.approx(algo.predict(1, 999).est, abs=1e-4)
    assert model.predict(999, [999])[0] == pytest.approx(algo.trainset.global_mean, abs=1e-6)


def test_fold_in_of_a_training_users_ratings_ranks_like_their_trained_scores(fitted, block_data):
    model = fitted["svd"]
    user = GROUP_B_USERS[2]
    rows = block_data.user_ids == user
    folded = model.score_for_ratings(block_data.item_ids[rows], block_data.ratings[rows])
    trained = model.score(user)
    assert np.corrcoef(folded, trained)[0, 1] > 0.9


def test_svd_config_rejects_nonsense():
    with pytest.raises(ValueError):
        SVDConfig(factors=0)
    with pytest.raises(ValueError):
        EASEConfig(lam=0)
    with pytest.raises(TypeError):
        SurpriseSVD(EASEConfig())


def test_ease_weights_have_zero_diagonal_and_float32_storage(fitted):
    weights = fitted["ease"].weights
    assert weights.dtype == np.float32 and weights.shape == (40, 40) and weights.flags.c_contiguous
    assert np.all(np.diag(weights) == 0)


def test_ease_matches_the_closed_form_on_a_small_matrix():
    data = Interactions.from_rows([(1, 1, 5.0), (1, 2, 4.0), (2, 2, 3.0), (2, 3, 5.0), (3, 1, 4.0), (3, 3, 2.0)])
    model = EASE(EASEConfig(lam=2.0)).fit(data)
    x = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=np.float64)
    p = np.linalg.inv(x.T @ x + 2.0 * np.eye(3))
    expected = np.eye(3) - p / np.diag(p)
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(model.weights, expected, atol=1e-6)
    np.testing.assert_allclose(model.score(1), x[0] @ expected, atol=1e-6)


def test_ease_rating_weighting_uses_rating_values():
    data = Interactions.from_rows([(1, 1, 5.0), (1, 2, 1.0), (2, 2, 3.0), (2, 3, 5.0), (3, 1, 4.0), (3, 3, 2.0)])
    binary = EASE(EASEConfig(lam=2.0)).fit(data)
    weighted = EASE(EASEConfig(lam=2.0, weighting="rating")).fit(data)
    assert not np.allclose(binary.weights, weighted.weights)


def test_ease_min_item_count_leaves_rare_items_out(block_data):
    rare = Interactions.from_rows([(1, 999, 5.0)])
    model = EASE(EASEConfig(lam=10.0, min_item_count=2)).fit(block_data.concat(rare))
    assert 999 not in model.item_ids
    assert model.weights.shape == (40, 40)
    assert 999 not in [item for item, _ in model.recommend(2, k=40)]
    assert model.recommend_for_ratings([999], [5.0], k=3) == model.recommend(123_456, k=3)  # nothing known


def test_ease_max_items_keeps_the_most_rated_items():
    # Item n is rated by n users: a cap of 3 keeps items 4, 5 and 6.
    data = Interactions.from_rows([(user, item, 4.0) for item in range(1, 7) for user in range(item)])
    model = EASE(EASEConfig(lam=1.0, max_items=3)).fit(data)
    assert sorted(model.item_ids.tolist()) == [4, 5, 6] and model.weights.shape == (3, 3)
    with pytest.raises(ValueError, match="max_items"):
        EASEConfig(max_items=1)


def test_top_k_breaks_ties_by_position_and_never_returns_excluded():
    scores = np.array([1.0, 3.0, 3.0, -np.inf, 2.0, 3.0], dtype=np.float32)
    assert top_k(scores, 3).tolist() == [1, 2, 5]
    assert top_k(scores, 10).tolist() == [1, 2, 5, 4, 0]
    assert top_k(scores, 0).tolist() == []


def test_binary_ease_recommends_items_that_co_occur_with_the_users_items(block_data):
    liked = block_data.take(block_data.ratings >= 4.0)  # implicit data: only the in-group interactions
    model = EASE().fit(liked)  # defaults: binary, lambda 300
    for user in (GROUP_A_USERS[0], GROUP_B_USERS[0]):
        own = set(GROUP_A_ITEMS if user in GROUP_A_USERS else GROUP_B_ITEMS)
        assert {item for item, _ in model.recommend(user, k=8)} <= own


def test_ease_min_rating_ignores_dislikes_as_interest_but_still_excludes_them(block_data):
    model = EASE(EASEConfig(lam=100.0, min_rating=4.0)).fit(block_data)  # binary, 1.0 ratings weigh 0
    for user in GROUP_A_USERS + GROUP_B_USERS:
        own = set(GROUP_A_ITEMS if user in GROUP_A_USERS else GROUP_B_ITEMS)
        top = [item for item, _ in model.recommend(user, k=5)]
        assert set(top) <= own
        assert not set(top) & set(model.seen_item_ids(user).tolist())
    # A fold-in user's 1-star rating changes nothing but is still not recommended back.
    liked = model.score_for_ratings([101, 102], [5.0, 4.0])
    np.testing.assert_array_equal(model.score_for_ratings([101, 102, 130], [5.0, 4.0, 1.0]), liked)
    assert 130 not in [item for item, _ in model.recommend_for_ratings([101, 102, 130], [5.0, 4.0, 1.0], k=40)]
    # Only dislikes: nothing to personalise on, so the popularity fallback (minus the rated item).
    popular = [item for item, _ in model.recommend(999_999, k=6) if item != 130][:5]
    assert [item for item, _ in model.recommend_for_ratings([130], [1.0], k=5)] == popular
