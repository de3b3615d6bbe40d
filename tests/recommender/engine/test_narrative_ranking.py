"""Free-text ranking math (recommender/engine/narrative/ranking.py): fusion, features, fitted weights."""

import numpy as np

from recommender.engine.narrative.ranking import (
    blend,
    candidates_from,
    collaborative_feedback,
    fit_weights,
    mean_ndcg,
    reciprocal_rank_fusion,
)


def _candidates(dense: dict[int, float], counts: dict[int, int], fulltext=()):
    return candidates_from(dense=dense, fulltext=list(fulltext), cross={}, counts=counts, means={})


def test_reciprocal_rank_fusion_puts_a_film_both_retrievers_found_above_one_found_once():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 4]])
    assert fused[0] == 3 and set(fused) == {1, 2, 3, 4}


def test_a_film_only_full_text_found_keeps_a_zero_dense_feature_and_its_lexical_rank():
    candidates = candidates_from(dense={1: 0.9, 2: 0.5}, fulltext=[3, 1], cross={}, counts={}, means={})
    pairs = zip(candidates.features["dense"], candidates.features["lexical"], strict=True)
    features = dict(zip(candidates.ids, pairs, strict=True))
    assert features[1][0] == 1.0 and features[2][0] == 0.0
    assert features[3][1] > features[1][1] > features[2][1] == 0.0


def test_fitted_weights_follow_the_group_that_needs_a_feature_when_the_other_is_indifferent():
    # Synthetic requests: meaning alone ranks them right, popularity neither helps nor hurts.
    synthetic = [(_candidates({1: 0.9, 2: 0.2}, {1: 5, 2: 5}), {1})]
    # Hand-written requests: two equally close films, people accept the well-known one.
    handwritten = [(_candidates({3: 0.5, 4: 0.5, 5: 0.1}, {3: 1, 4: 900, 5: 1}), {4})]
    weights, objective = fit_weights([synthetic, handwritten])
    assert weights["popularity"] > 0
    assert objective == (mean_ndcg(synthetic, weights) + mean_ndcg(handwritten, weights)) / 2 == 1.0
    alone, _ = fit_weights([synthetic, []])  # an empty group (a small catalog) is left out
    assert alone["popularity"] == 0.0


def test_blend_is_the_weighted_sum_of_the_features():
    candidates = _candidates({1: 1.0, 2: 0.0}, {1: 1, 2: 100})
    scores = blend(candidates, {"dense": 1.0, "popularity": 2.0})
    expected = candidates.features["dense"] + 2.0 * candidates.features["popularity"]
    assert np.allclose(scores, expected)


def test_collaborative_feedback_lifts_what_the_best_candidates_fans_liked():
    ids = [10, 11, 12, 13, 14]
    scores = np.asarray([0.9, 0.8, 0.1, 0.2, 0.3])
    asked = []

    def related(seed_ids):  # the fans of 10 and 11 loved 12; nobody the model knows rated 14
        asked.append(seed_ids)
        return np.asarray([0.5, 0.5, 3.0, 1.0, np.nan])

    feature = collaborative_feedback(scores, ids, related, seeds=2)
    assert asked == [[10, 11]]  # the two best-scored candidates are the seeds
    assert feature[2] == 1.0 and feature[4] == 0.0 and feature[3] > feature[0] == 0.0
    assert not collaborative_feedback(scores[:2], ids[:2], related, seeds=2).any()  # nothing left to move
