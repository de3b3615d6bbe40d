"""How free-text search orders its candidates. Plain Python.

Candidates come from two retrievers, the bi-encoder (meaning) and full-text search (words), fused by
reciprocal rank; the cross-encoder then scores the best `top_n` of them. The final score blends, per
candidate, features scaled to 0..1 within the request:

  dense       cosine of the request and the film's document (bi-encoder)
  lexical     reciprocal rank in full-text search (0 when the words did not match)
  cross       the cross-encoder's score (only the top_n have one; the rest get 0 and stay below)
  quality     the film's mean rating, shrunk towards the catalog mean by its number of ratings
  popularity  log of its number of ratings over the most rated candidate's

After the blend, collaborative feedback (pseudo-relevance feedback through the ratings): the films
that people who liked the best few candidates also liked move up among the candidates
(`collaborative_feedback`), so a request's well-loved core ("old Hollywood screwball comedies":
Bringing Up Baby, His Girl Friday) rises above films that only share its words.

The weights are fitted on validation requests (fit_weights: a grid search for the best NDCG@10 on
synthetic validation requests and hand-written development requests, weighed equally), never set by
hand, and stored with the cross-encoder version that they were fitted with.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from recommender.engine.evaluation.metrics import ndcg_at_k

FEATURES = ("dense", "lexical", "cross", "quality", "popularity")
RRF_K = 60  # the usual constant of reciprocal rank fusion: rank 1 is worth 1/61, rank 60 half that
PRIOR_RATINGS = 10  # a film's mean is trusted like this many ratings of the catalog mean
GRID = (0.0, 0.25, 0.5, 1.0, 2.0)
FEEDBACK_SEEDS = 5  # the best candidates whose fans' other favourites are boosted


@dataclass(frozen=True)
class Candidates:
    """One request's candidates: movie ids and each feature as an array in the same order."""

    ids: list[int]
    features: dict[str, np.ndarray]


def candidates_from(
    *,
    dense: dict[int, float],
    fulltext: Sequence[int],
    cross: dict[int, float],
    counts: dict[int, int],
    means: dict[int, float | None],
) -> Candidates:
    """Every movie the dense or full-text retriever found, with its features scaled for blending.
    `dense`: cosine per movie (a movie only full text found still needs one); `cross`: the
    cross-encoder's score for the movies it read."""
    ids = list(dict.fromkeys([*dense, *fulltext]))
    dense_values = np.asarray([dense.get(m, 0.0) for m in ids], dtype=np.float64)
    cross_values = np.asarray([cross.get(m, 0.0) for m in ids], dtype=np.float64)
    quality, popularity = quality_features([counts.get(m, 0) for m in ids], [means.get(m) for m in ids])
    features = {
        "dense": scaled(dense_values, np.asarray([m in dense for m in ids])),
        "lexical": lexical_feature(ids, fulltext),
        "cross": scaled(cross_values, np.asarray([m in cross for m in ids])),
        "quality": quality,
        "popularity": popularity,
    }
    return Candidates(ids, features)


def first_stage(dense_ranking: Sequence[int], fulltext: Sequence[int]) -> list[int]:
    """The order the cross-encoder reads candidates in: both retrievers fused by reciprocal rank."""
    return reciprocal_rank_fusion([dense_ranking, fulltext])


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[int]:
    """Movie ids of all rankings, best fused first: each ranking gives 1 / (k + rank) (ties by id)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, movie_id in enumerate(ranking, 1):
            scores[movie_id] = scores.get(movie_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda movie_id: (-scores[movie_id], movie_id))


def lexical_feature(ids: Sequence[int], fulltext: Sequence[int]) -> np.ndarray:
    position = {movie_id: rank for rank, movie_id in enumerate(fulltext, 1)}
    return np.asarray([RRF_K / (RRF_K + position[m]) if m in position else 0.0 for m in ids], dtype=np.float64)


def quality_features(counts: Sequence[int], means: Sequence[float | None], catalog_mean: float = 3.5):
    """(quality, popularity), each 0..1: a shrunk mean rating, and log rating count over the largest."""
    counts_array = np.asarray(counts, dtype=np.float64)
    means_array = np.asarray([catalog_mean if m is None else m for m in means], dtype=np.float64)
    shrunk = (means_array * counts_array + catalog_mean * PRIOR_RATINGS) / (counts_array + PRIOR_RATINGS)
    quality = (shrunk - 0.5) / 4.5
    popularity = np.log1p(counts_array) / math.log1p(max(float(counts_array.max(initial=0.0)), 1.0))
    return quality, popularity


def scaled(values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Min-max to 0..1 over the candidates that have the feature (`present`); the others get 0."""
    present = np.ones(len(values), dtype=bool) if present is None else present
    out = np.zeros(len(values), dtype=np.float64)
    if present.any():
        low, high = values[present].min(), values[present].max()
        out[present] = (values[present] - low) / (high - low) if high > low else 1.0
    return out


def blend(candidates: Candidates, weights: dict[str, float]) -> np.ndarray:
    """The final score of each candidate: the weighted sum of its features (missing ones count 0)."""
    total = np.zeros(len(candidates.ids), dtype=np.float64)
    for name, weight in weights.items():
        if weight and name in candidates.features:
            total += weight * candidates.features[name]
    return total


def fit_weights(
    groups: Sequence[Sequence[tuple[Candidates, set[int]]]], *, k: int = 10, grid=GRID
) -> tuple[dict, float]:
    """The weights (dense fixed at 1, the others from `grid`) with the best objective, and that
    objective: the mean over the non-empty `groups` of each group's mean NDCG@k, so a small group of
    hand-written requests counts as much as hundreds of synthetic ones. Each group is a list of
    (candidates, relevant ids) validation requests. Ties go to the smaller weights, so a feature that
    does not help stays at 0."""
    groups = [group for group in groups if group]
    others = [name for name in FEATURES if name != "dense"]
    best, best_score = None, -1.0
    for values in sorted(itertools.product(grid, repeat=len(others)), key=sum):
        weights = {"dense": 1.0, **dict(zip(others, values, strict=True))}
        score = float(np.mean([mean_ndcg(group, weights, k) for group in groups]))
        if score > best_score + 1e-9:
            best, best_score = weights, score
    return best, best_score


def mean_ndcg(requests: Sequence[tuple[Candidates, set[int]]], weights: dict, k: int = 10) -> float:
    """Mean NDCG@k of these (candidates, relevant ids) requests when blended by `weights`."""
    return float(np.mean([_ndcg(candidates, relevant, weights, k) for candidates, relevant in requests]))


def _ndcg(candidates: Candidates, relevant: set[int], weights: dict, k: int) -> float:
    order = np.argsort(-blend(candidates, weights), kind="stable")
    return ndcg_at_k([candidates.ids[i] for i in order], relevant, k)


def collaborative_feedback(
    scores: np.ndarray, ids: Sequence[int], related: Callable[[list[int]], np.ndarray], seeds: int = FEEDBACK_SEEDS
) -> np.ndarray:
    """0..1 per candidate: how strongly the ratings tie it to the `seeds` best-scored candidates.
    `related(seed_ids)` gives a collaborative score for every id in `ids` (nan where the model does
    not know the film: it gets 0). Fewer candidates than seeds + 1: zeros (nothing to move)."""
    if len(ids) <= seeds:
        return np.zeros(len(ids), dtype=np.float64)
    best = np.argsort(-scores, kind="stable")[:seeds]
    values = np.asarray(related([ids[i] for i in best]), dtype=np.float64)
    known = np.isfinite(values)
    return scaled(np.where(known, values, 0.0), known)
