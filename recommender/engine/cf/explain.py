"""Why a candidate is in a feed: the user's liked movie most often co-liked with it. Plain Python.

The reason is read off the ratings themselves (cosine of co-like counts), whatever model ranked
the candidate, so an explanation never claims more than the data shows.

Each movie keeps its NEIGHBOURS most co-liked movies, computed once; a user's reason for a
candidate is the nearest of those neighbours the user liked. Looking it up is an array lookup per
candidate. (The table replaced a per-user sparse product over everyone who liked the user's
movies, whose cost grew with the number of ratings: 7 ms a user at 1M ratings.)
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from recommender.engine.cf.data import Interactions

LIKED = 3.5  # a rating at least this high counts as "liked" for explanations
NEIGHBOURS = 100
BLOCK = 1024  # movies whose similarities are held densely at once while the table is built


class CoRatings:
    """Each movie's most co-liked movies (cosine over the users who liked both), nearest first."""

    def __init__(self, interactions: Interactions, neighbours: int = NEIGHBOURS) -> None:
        liked = interactions.ratings >= LIKED
        self.item_ids = np.unique(interactions.item_ids)
        users, user_rows = np.unique(interactions.user_ids[liked], return_inverse=True)
        columns = np.searchsorted(self.item_ids, interactions.item_ids[liked])
        matrix = sparse.csc_matrix(
            (np.ones(len(columns), dtype=np.float32), (user_rows, columns)), shape=(len(users), len(self.item_ids))
        )
        matrix.sum_duplicates()
        norms = np.sqrt(np.asarray(matrix.sum(axis=0)).ravel())
        norms[norms == 0] = 1.0
        normalised = (matrix @ sparse.diags(1.0 / norms)).tocsc()
        self.neighbours, self.similarities = _nearest(normalised, min(neighbours, max(len(self.item_ids) - 1, 0)))

    def because(self, liked_item_ids, candidate_item_ids) -> list[int | None]:
        """For each candidate, its nearest co-liked neighbour among the liked items (None when
        none of its neighbours is one of them)."""
        candidates = np.asarray(candidate_item_ids, dtype=np.int64)
        result: list[int | None] = [None] * len(candidates)
        liked = self._positions(np.asarray(liked_item_ids, dtype=np.int64))
        liked = liked[liked >= 0]
        positions = self._positions(candidates)
        known = np.flatnonzero(positions >= 0)
        if len(liked) == 0 or len(known) == 0 or self.neighbours.shape[1] == 0:
            return result
        rows = self.neighbours[positions[known]]
        hits = np.isin(rows, liked) & (self.similarities[positions[known]] > 0)
        first = hits.argmax(axis=1)  # neighbours are nearest first
        for n in np.flatnonzero(hits.any(axis=1)).tolist():
            result[int(known[n])] = int(self.item_ids[rows[n, first[n]]])
        return result

    def _positions(self, item_ids: np.ndarray) -> np.ndarray:
        """Index of each id in item_ids, -1 for ids no one liked or rated."""
        positions = np.searchsorted(self.item_ids, item_ids)
        positions[positions >= len(self.item_ids)] = 0
        found = len(self.item_ids) > 0 and self.item_ids[positions] == item_ids
        return np.where(found, positions, -1)


def _nearest(normalised: sparse.csc_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For every column, the k other columns of highest cosine, nearest first (block by block: the
    full movies x movies matrix would not fit at 60,000 movies)."""
    n_items = normalised.shape[1]
    neighbours = np.zeros((n_items, k), dtype=np.int32)
    similarities = np.zeros((n_items, k), dtype=np.float32)
    if k == 0:
        return neighbours, similarities
    transposed = normalised.T.tocsr()
    for start in range(0, n_items, BLOCK):
        stop = min(start + BLOCK, n_items)
        block = (transposed @ normalised[:, start:stop]).toarray().T  # (block, items)
        block[np.arange(stop - start), np.arange(start, stop)] = -1.0  # a movie is not its own neighbour
        top = np.argpartition(-block, k - 1, axis=1)[:, :k]  # k < n_items: see the caller
        values = np.take_along_axis(block, top, axis=1)
        order = np.lexsort((top, -values), axis=1)  # nearest first; ties by id, so the table is deterministic
        neighbours[start:stop] = np.take_along_axis(top, order, axis=1)
        similarities[start:stop] = np.take_along_axis(values, order, axis=1)
    return neighbours, similarities
