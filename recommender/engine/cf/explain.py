"""Why a candidate is in a feed: the user's liked movie most often co-liked with it. Plain Python.

The reason is read off the ratings themselves (cosine of co-rating counts), whatever model
ranked the candidate, so an explanation never claims more than the data shows.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from recommender.engine.cf.data import Interactions

LIKED = 3.5  # a rating at least this high counts as "liked" for explanations


class CoRatings:
    """Users x movies indicator matrix of liked ratings, column-normalised for cosine lookups."""

    def __init__(self, interactions: Interactions) -> None:
        liked = interactions.ratings >= LIKED
        self.item_ids = np.unique(interactions.item_ids)
        self._item_index = {item: n for n, item in enumerate(self.item_ids.tolist())}
        users, user_rows = np.unique(interactions.user_ids[liked], return_inverse=True)
        columns = np.searchsorted(self.item_ids, interactions.item_ids[liked])
        matrix = sparse.csc_matrix(
            (np.ones(len(columns), dtype=np.float32), (user_rows, columns)), shape=(len(users), len(self.item_ids))
        )
        norms = np.sqrt(np.asarray(matrix.sum(axis=0)).ravel())
        norms[norms == 0] = 1.0
        self._normalised = matrix @ sparse.diags(1.0 / norms)

    def because(self, liked_item_ids: list[int], candidate_item_ids: list[int]) -> list[int | None]:
        """For each candidate, the liked item most co-liked with it (None when nothing links them)."""
        liked = [self._item_index[i] for i in liked_item_ids if i in self._item_index]
        if not liked:
            return [None] * len(candidate_item_ids)
        known = [(n, self._item_index[i]) for n, i in enumerate(candidate_item_ids) if i in self._item_index]
        result: list[int | None] = [None] * len(candidate_item_ids)
        if not known:
            return result
        similarity = (self._normalised[:, liked].T @ self._normalised[:, [column for _, column in known]]).toarray()
        best = similarity.argmax(axis=0)
        for (position, _), row, column in zip(known, best, range(len(known)), strict=True):
            if similarity[row, column] > 0:
                result[position] = int(self.item_ids[liked[row]])
        return result
