"""Collaborative filtering: interactions, the model contract, popularity, SVD/SVD++, EASE.

The Django side turns rows into `Interactions`, calls `fit`/`recommend`, and stores models with
`save`/`load_model`.
"""

from __future__ import annotations

from pathlib import Path

from recommender.engine.cf.base import Recommender, read_meta, top_k
from recommender.engine.cf.data import IdIndex, Interactions
from recommender.engine.cf.ease import EASE, EASEConfig
from recommender.engine.cf.popularity import Popularity, PopularityConfig
from recommender.engine.cf.svd import SurpriseSVD, SurpriseSVDpp, SVDConfig, SVDppConfig

MODEL_CLASSES: dict[str, type[Recommender]] = {cls.kind: cls for cls in (Popularity, SurpriseSVD, SurpriseSVDpp, EASE)}


def load_model(directory: Path) -> Recommender:
    """Load any saved CF model; its kind comes from model.json."""
    kind = read_meta(Path(directory)).get("kind")  # only model.json: the arrays are read once, by load
    if kind not in MODEL_CLASSES:
        raise ValueError(f"{directory}: unknown model kind {kind!r}; known: {sorted(MODEL_CLASSES)}")
    return MODEL_CLASSES[kind].load(Path(directory))


__all__ = [
    "EASE",
    "EASEConfig",
    "IdIndex",
    "Interactions",
    "MODEL_CLASSES",
    "Popularity",
    "PopularityConfig",
    "Recommender",
    "SVDConfig",
    "SVDppConfig",
    "SurpriseSVD",
    "SurpriseSVDpp",
    "load_model",
    "top_k",
]
