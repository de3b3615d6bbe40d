"""What the ratings say about films people ask for: the serving CF model (settings.FEED_MODEL_KIND)
read as "people who loved these also loved...", for the search box. None without a serving model."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from django.conf import settings

from recommender.services.registry import serving_model

LOVED = 5.0  # the seeds are read as 5-star ratings
LIKED_WITH_SHARE = 0.01  # "liked by people who liked X": among the top 1% of the catalog for X's fans,
LIKED_WITH_AT_LEAST = 10  # or its top 10 in a small catalog
# Kinds whose fold-in of one film is what that film's fans liked (EASE's item-to-item weights). A
# factor model's fold-in of one rating leans on item biases, and popularity ignores the film.
FANS_KINDS = {"ease"}


def related_by_ratings(ids: Sequence[int]) -> Callable[[list[int]], np.ndarray] | None:
    """seed ids -> each of `ids` scored by the CF model as if someone had loved the seeds (nan for a
    film the model does not know); None when no CF model serves, or the feed counts ratings only."""
    if settings.FEED_MODEL_KIND == "popularity":  # its scores ignore the seeds
        return None
    served = serving_model(settings.FEED_MODEL_KIND)
    if served is None:
        return None
    model = served[1]
    positions = model.items.index_of(list(ids))

    def related(seed_ids: list[int]) -> np.ndarray:
        scores = model.score_for_ratings(seed_ids, [LOVED] * len(seed_ids))
        return np.where(positions >= 0, scores[np.maximum(positions, 0)], np.nan)

    return related


def liked_with_above(ranked_ids: Sequence[int], seeds: int, share: float = LIKED_WITH_SHARE) -> dict[int, int]:
    """id -> a film ranked above it whose fans like it: for each film of `ranked_ids` (best first) that
    is among the `share` of the catalog the CF model scores highest for someone who loved one of the
    first `seeds` films ranked above it (the best-ranked such film). {} when no CF model serves.
    What "Liked by people who liked X" may claim, so only a FANS_KINDS model answers."""
    served = serving_model(settings.FEED_MODEL_KIND) if settings.FEED_MODEL_KIND in FANS_KINDS else None
    if served is None:
        return {}
    model = served[1]
    positions = model.items.index_of(list(ranked_ids))
    found: dict[int, int] = {}
    for seed_rank, seed in enumerate(ranked_ids[:seeds]):
        if positions[seed_rank] < 0:
            continue  # the model never saw it: its scores would be the fallback's, not its fans'
        scores = model.score_for_ratings([seed], [LOVED])
        top = min(max(math.ceil(share * len(scores)), LIKED_WITH_AT_LEAST), len(scores))
        bar = np.partition(scores, -top)[-top]  # the top-th highest score: a film must reach it, and be above 0
        for rank in range(seed_rank + 1, len(ranked_ids)):
            movie_id = ranked_ids[rank]
            if movie_id not in found and positions[rank] >= 0 and scores[positions[rank]] >= bar > 0:
                found[movie_id] = seed
    return found
