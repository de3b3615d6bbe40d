"""The toy engine: predicts every rating as the (shrunk) mean. Plain Python, like every engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class MeanRating:
    def __init__(self, shrink: float = 0.0, mean: float | None = None) -> None:
        self.shrink = shrink
        self.mean = mean

    def fit(self, ratings: np.ndarray) -> MeanRating:
        self.mean = float(np.mean(ratings)) * (1.0 - self.shrink)
        return self

    def rmse(self, ratings: np.ndarray) -> float:
        return float(np.sqrt(np.mean((ratings - self.mean) ** 2)))

    def save(self, folder: Path) -> None:
        (folder / "mean.json").write_text(json.dumps({"shrink": self.shrink, "mean": self.mean}))

    @classmethod
    def load(cls, folder: Path) -> MeanRating:
        return cls(**json.loads((folder / "mean.json").read_text()))
