"""Predicted stars: how the serving SVD thinks a person would rate a movie, as MovieLens shows them.

The person is folded in from their ratings as they are now (a ridge solve on the item factors, about
a quarter of a millisecond), not read from the trained user factors: a model trained last night
would otherwise ignore every rating since, and people who joined after it would get nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from catalog.models import Rating
from recommender.engine.cf.data import MAX_RATING, MIN_RATING
from recommender.services.registry import serving_model

PREDICTION_KIND = "svd"  # a rating model: EASE's scores are not stars


def half_stars(value: float) -> float:
    """A predicted rating as the site shows stars: the nearest half step within 0.5..5."""
    return float(np.clip(round(float(value) * 2) / 2, MIN_RATING, MAX_RATING))


def predicted_stars(*, user, movie_ids: Iterable[int]) -> dict[int, float]:
    """movie id -> predicted stars for this user; {} for someone anonymous, without ratings, or while
    no SVD serves. A movie the model never saw (no ratings when it was trained) gets no prediction."""
    movie_ids = list(movie_ids)
    if not movie_ids or not getattr(user, "is_authenticated", False):
        return {}
    served = serving_model(PREDICTION_KIND)
    if served is None:
        return {}
    rated = list(Rating.objects.filter(user=user).values_list("movie_id", "value"))
    if not rated:
        return {}
    model = served[1]
    rated_ids, values = zip(*rated, strict=True)
    if not (model.items.index_of(list(rated_ids)) >= 0).any():
        return {}  # none of their ratings is of a movie the model knows: it would be the global mean
    predictions = model.score_for_ratings(rated_ids, values)
    positions = model.items.index_of(movie_ids)
    return {movie_id: half_stars(predictions[p]) for movie_id, p in zip(movie_ids, positions.tolist(), strict=True)
            if p >= 0}  # fmt: skip
