"""CineMatch's collaborative-filtering engine: plain Python on numpy/scipy (surprise for training).

No Django, no Celery (tests/test_import_contract.py checks it). The Django side turns rows into
`Interactions`, calls `fit`/`recommend`, and stores models with `save`/`load_model`.
"""

from __future__ import annotations

from pathlib import Path

from .base import Recommender, read_files, top_k
from .data import IdIndex, Interactions
from .ease import EASE, EASEConfig
from .popularity import Popularity, PopularityConfig
from .svd import SurpriseSVD, SurpriseSVDpp, SVDConfig, SVDppConfig

MODEL_CLASSES: dict[str, type[Recommender]] = {cls.kind: cls for cls in (Popularity, SurpriseSVD, SurpriseSVDpp, EASE)}


def load_model(directory: Path) -> Recommender:
    """Load any saved engine model; its kind comes from model.json."""
    meta, _ = read_files(Path(directory))
    kind = meta.get("kind")
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
