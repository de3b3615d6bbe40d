"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): an item-item model with a closed form.

    G = X^T X + lam I,   P = G^-1,   B = I - P / diag(P)  (column j divided by P_jj),   diag(B) = 0

X is the user x item matrix of (binarised, optionally rating-weighted) interactions. A user's
scores are x_u @ B, so scoring needs no user state at all: fold-in is the same formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from recommender.engine.cf.base import Recommender
from recommender.engine.cf.data import Interactions


@dataclass(frozen=True)
class EASEConfig:
    lam: float = 300.0
    # "binary": every rating counts 1 (implicit feedback, Steck's setting); "rating": the value
    # itself, so a 5 pulls harder than a 1.
    weighting: Literal["binary", "rating"] = "binary"
    # Ratings below this count as seen (never recommended back) but carry weight 0, so a 1-star
    # rating is not read as interest. None: every rating is an interaction.
    min_rating: float | None = None
    # Items with fewer training interactions stay out of B: it is dense (n_items^2 floats) and its
    # inverse is O(n^3), so cutting the long tail is the main size/time knob.
    min_item_count: int = 1
    # At most this many items, the most-rated ones (None: no cap). B is max_items^2 floats: 20,000
    # items are 1.6 GB in float32 and a few minutes of Cholesky on one core; ml-25m's 59,000 would
    # be 14 GB and an hour. The items left out are the long tail, which a top-N list rarely reaches.
    max_items: int | None = None

    def __post_init__(self) -> None:
        if self.lam <= 0:
            raise ValueError("lam must be > 0")
        if self.weighting not in ("binary", "rating"):
            raise ValueError("weighting must be 'binary' or 'rating'")
        if self.min_rating is not None and not 0.5 <= self.min_rating <= 5.0:
            raise ValueError("min_rating must lie in 0.5..5 or be None")
        if self.min_item_count < 1:
            raise ValueError("min_item_count must be >= 1")
        if self.max_items is not None and self.max_items < 2:
            raise ValueError("max_items must be >= 2 or None")


class EASE(Recommender):
    kind = "ease"
    config_class = EASEConfig
    mapped_arrays = Recommender.mapped_arrays | {"weights"}  # items x items: one copy for every process

    def _select_items(self, data: Interactions) -> np.ndarray | None:
        if self.config.min_item_count <= 1 and self.config.max_items is None:
            return None
        items, counts = np.unique(data.item_ids, return_counts=True)
        enough = counts >= self.config.min_item_count
        items, counts = items[enough], counts[enough]
        if self.config.max_items is not None and len(items) > self.config.max_items:
            most_rated = np.argsort(-counts, kind="stable")[: self.config.max_items]
            items = np.sort(items[most_rated])
        return items

    def _fit(self, user_pos: np.ndarray, item_pos: np.ndarray, ratings: np.ndarray) -> None:
        from scipy import linalg, sparse

        n_items = len(self.items)
        values = self._weights(ratings).astype(np.float64)
        x = sparse.csr_matrix((values, (user_pos, item_pos)), shape=(len(self.users), n_items))
        gram = _dense_gram(x)  # float64: the inverse below wants the precision
        gram[np.diag_indices(n_items)] += self.config.lam
        # G is symmetric positive definite: a Cholesky inverse (potrf + potri) costs about half of
        # a general LU inverse. gram.T is the same matrix in Fortran order, which lets lapack work
        # in place: the 9k x 9k case holds one dense float64 matrix instead of three.
        factor, info = linalg.lapack.dpotrf(gram.T, lower=False, overwrite_a=True)
        if info != 0:
            raise ValueError(f"EASE: X^T X + lam I is not positive definite (lapack info {info}); raise lam")
        inverse, info = linalg.lapack.dpotri(factor, lower=False, overwrite_c=True)
        if info != 0:
            raise ValueError(f"EASE: inverse failed (lapack info {info})")
        _mirror_upper_triangle(inverse)
        diagonal = np.diag(inverse).copy()
        inverse /= -diagonal[None, :]  # B_ij = -P_ij / P_jj
        inverse[np.diag_indices(n_items)] = 0.0
        # C order matters: lapack hands back a Fortran-ordered matrix, and scoring gathers rows of B;
        # from a Fortran array every row is a strided walk (measured 4 ms -> 0.2 ms for a median user).
        self.weights = np.ascontiguousarray(inverse, dtype=np.float32)

    def _weights(self, ratings: np.ndarray) -> np.ndarray:
        """The entries of x_u for these ratings (training rows and fold-in alike)."""
        ratings = np.asarray(ratings, dtype=np.float32)
        weights = ratings.copy() if self.config.weighting == "rating" else np.ones(len(ratings), dtype=np.float32)
        if self.config.min_rating is not None:
            weights[ratings < self.config.min_rating] = 0.0
        return weights

    def _score_user(self, u: int) -> np.ndarray:
        start, end = self.seen_indptr[u], self.seen_indptr[u + 1]
        return self._score_ratings(self.seen_items[start:end].astype(np.int64), self.seen_ratings[start:end])

    def _score_ratings(self, positions: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        # x_u @ B with a sparse x_u is a weighted sum of B's rows: no scipy needed at serving time.
        # Chunks of rows keep the gathered copy cache-sized: the heaviest MovieLens user (2,391
        # ratings) scores in 11 ms instead of 24 ms; a 20-rating fold-in is one chunk.
        weights = self._weights(ratings)
        if not weights.any():  # e.g. only ratings below min_rating: no interest to go on
            return self.fallback_scores()
        scores = np.zeros(self.weights.shape[1], dtype=np.float32)
        for start in range(0, len(positions), 256):
            chunk = slice(start, start + 256)
            scores += weights[chunk] @ self.weights[positions[chunk]]
        return scores

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"weights": self.weights}, {}

    def _restore(self, arrays: dict[str, np.ndarray], scalars: dict[str, Any]) -> None:
        self.weights = np.ascontiguousarray(arrays["weights"], dtype=np.float32)  # a mapped array stays mapped


def _dense_gram(x, block: int = 1024) -> np.ndarray:
    """X^T X as a dense float64 matrix, a block of columns at a time.

    The sparse product in one go holds the whole gram as a sparse matrix (12 bytes a non-zero, and
    at 20,000 well-rated items nearly every entry is one: 4.8 GB) before its dense copy (3.2 GB);
    by blocks only the dense matrix and one block's sparse product are alive at once.
    """
    n_items = x.shape[1]
    gram = np.empty((n_items, n_items), dtype=np.float64)
    x_t = x.T.tocsr()
    x_csc = x.tocsc()
    for start in range(0, n_items, block):
        stop = min(start + block, n_items)
        gram[:, start:stop] = (x_t @ x_csc[:, start:stop]).toarray()
    return gram


def _mirror_upper_triangle(matrix: np.ndarray, block: int = 1024) -> None:
    """Copy the upper triangle onto the lower one in place (potri fills only the upper one).

    Block by block, because np.triu(m) + np.triu(m, 1).T would allocate two more n x n matrices.
    """
    n = matrix.shape[0]
    for start in range(0, n, block):
        stop = min(start + block, n)
        square = matrix[start:stop, start:stop]
        square[...] = np.triu(square) + np.triu(square, 1).T
        matrix[stop:, start:stop] = matrix[start:stop, stop:].T
