"""What the ratings say about films people ask for: the serving CF model (settings.FEED_MODEL_KIND)
read as "people who loved these also loved...", for the search box. None without a serving model."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from django.conf import settings

from recommender.services.registry import serving_model

LOVED = 5.0  # the seeds are read as 5-star ratings


def related_by_ratings(ids: Sequence[int]) -> Callable[[list[int]], np.ndarray] | None:
    """seed ids -> each of `ids` scored by the CF model as if someone had loved the seeds (nan for a
    film the model does not know); None when no CF model serves."""
    served = serving_model(settings.FEED_MODEL_KIND)
    if served is None:
        return None
    model = served[1]
    positions = model.items.index_of(list(ids))

    def related(seed_ids: list[int]) -> np.ndarray:
        scores = model.score_for_ratings(seed_ids, [LOVED] * len(seed_ids))
        return np.where(positions >= 0, scores[np.maximum(positions, 0)], np.nan)

    return related
