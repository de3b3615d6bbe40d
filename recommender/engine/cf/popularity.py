"""Most-rated items first: the baseline every personal model must beat, and everyone's fallback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender.engine.cf.base import Recommender, id_array


@dataclass(frozen=True)
class PopularityConfig:
    # Count only ratings >= this (e.g. 4.0 for "liked by many"); None counts every rating.
    min_rating: float | None = None

    def __post_init__(self) -> None:
        if self.min_rating is not None and not 0.5 <= self.min_rating <= 5.0:
            raise ValueError("min_rating must lie in 0.5..5 or be None")


class Popularity(Recommender):
    kind = "popularity"
    config_class = PopularityConfig

    def _fit(self, user_pos: np.ndarray, item_pos: np.ndarray, ratings: np.ndarray) -> None:
        counted = item_pos if self.config.min_rating is None else item_pos[ratings >= self.config.min_rating]
        self.scores = np.bincount(counted, minlength=len(self.items)).astype(np.float32)

    def fallback_scores(self) -> np.ndarray:
        # The model is its own fallback, so a thresholded popularity stays thresholded for everyone.
        return self.scores.copy()

    def _score_user(self, u: int) -> np.ndarray:
        return self.scores.copy()

    def _score_ratings(self, positions: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        return self.scores.copy()

    def recommend_within(self, item_ids_allowed, k: int = 10, exclude_item_ids=None) -> list[tuple[int, float]]:
        """Most popular among an allowed set (e.g. one genre's movies); unknown ids are ignored."""
        self._check_fitted()
        allowed = self.items.index_of(id_array(item_ids_allowed))
        mask = np.ones(len(self.items), dtype=bool)
        mask[allowed[allowed >= 0]] = False
        return self._ranked(
            self.scores.copy(), k, [np.flatnonzero(mask), self.items.index_of(id_array(exclude_item_ids))]
        )

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"scores": self.scores}, {}

    def _restore(self, arrays: dict[str, np.ndarray], scalars: dict[str, Any]) -> None:
        self.scores = arrays["scores"]
