"""Established external recommenders, wrapped in our model contract so `evaluate` ranks them on the
same split, candidates and metrics as ours: implicit's ALS and BPR, cornac's BPR and EASE.

They are peers to measure against, not serving kinds: the packages are optional extras
(requirements-peers.txt), imported only when a peer is fitted. Each keeps its library's defaults
for this data size (the parameters below), fitted on binarised interactions, as the libraries
intend for top-N ranking. Someone outside the training data gets popularity (no fold-in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender.engine.cf.base import Recommender

INSTALL_HINT = "the peers are optional extras: pip install -r requirements-peers.txt (make setup does)"


def _require(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RuntimeError(f"{module} is not installed; {INSTALL_HINT}") from exc


@dataclass(frozen=True)
class FactorPeerConfig:
    factors: int = 64
    iterations: int = 15
    regularization: float = 0.05
    learning_rate: float = 0.01
    seed: int = 0


class _FactorPeer(Recommender):
    """Scores are user factors . item factors (+ item bias), kept as two matrices like SVD's."""

    config_class = FactorPeerConfig

    def _score_user(self, u: int) -> np.ndarray:
        return self.item_factors @ self.user_factors[u] + self.item_bias

    def _score_ratings(self, positions: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        return self.fallback_scores()  # evaluation peers: every evaluated user is a training user

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"user_factors": self.user_factors, "item_factors": self.item_factors, "item_bias": self.item_bias}, {}

    def _restore(self, arrays: dict[str, np.ndarray], scalars: dict[str, Any]) -> None:
        self.user_factors, self.item_factors = arrays["user_factors"], arrays["item_factors"]
        self.item_bias = arrays["item_bias"]

    def _user_items(self, user_pos: np.ndarray, item_pos: np.ndarray):
        from scipy import sparse

        ones = np.ones(len(user_pos), dtype=np.float32)
        return sparse.csr_matrix((ones, (user_pos, item_pos)), shape=(len(self.users), len(self.items)))


class _ImplicitPeer(_FactorPeer):
    """An implicit model fitted on one thread; its factors are copied out as numpy arrays."""

    def _library_model(self):
        raise NotImplementedError

    def _fit(self, user_pos, item_pos, ratings) -> None:
        model = self._library_model()
        model.fit(self._user_items(user_pos, item_pos), show_progress=False)
        self.user_factors = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.asarray(model.item_factors, dtype=np.float32)
        self.item_bias = np.zeros(len(self.items), dtype=np.float32)


class ImplicitALS(_ImplicitPeer):
    """implicit.cpu.als.AlternatingLeastSquares (Hu, Koren & Volinsky 2008)."""

    kind = "implicit-als"

    def _library_model(self):
        c = self.config
        return _require("implicit.cpu.als").AlternatingLeastSquares(
            factors=c.factors, regularization=c.regularization, iterations=c.iterations, random_state=c.seed,
            num_threads=1,
        )  # fmt: skip


class ImplicitBPR(_ImplicitPeer):
    """implicit.cpu.bpr.BayesianPersonalizedRanking (Rendle et al. 2009); its last factor is an item bias."""

    kind = "implicit-bpr"

    def _library_model(self):
        c = self.config
        return _require("implicit.cpu.bpr").BayesianPersonalizedRanking(
            factors=c.factors, learning_rate=c.learning_rate, regularization=c.regularization,
            iterations=max(c.iterations, 100), random_state=c.seed, num_threads=1,
        )  # fmt: skip


class _CornacPeer(Recommender):
    """A cornac model fitted on our dense positions; `score(user)` is cornac's own scoring over all items."""

    config_class = FactorPeerConfig

    def _build(self, cornac_models, config: FactorPeerConfig):
        raise NotImplementedError

    def _fit(self, user_pos, item_pos, ratings) -> None:
        cornac = _require("cornac")
        triples = [(str(u), str(i), 1.0) for u, i in zip(user_pos.tolist(), item_pos.tolist(), strict=True)]
        data = cornac.data.Dataset.from_uir(triples, seed=self.config.seed)
        model = self._build(cornac.models, self.config)
        model.fit(data)
        # cornac numbers users and items in its own order: map our positions onto its indexes once.
        self._cornac_user = np.array([data.uid_map[str(u)] for u in range(len(self.users))], dtype=np.int64)
        self._our_item = np.array([int(raw) for raw in sorted(data.iid_map, key=data.iid_map.get)], dtype=np.int64)
        self._model = model

    def _score_user(self, u: int) -> np.ndarray:
        scores = np.full(len(self.items), -np.inf, dtype=np.float32)
        scores[self._our_item] = np.asarray(self._model.score(int(self._cornac_user[u])), dtype=np.float32)
        return scores

    def _score_ratings(self, positions: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        return self.fallback_scores()

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        raise NotImplementedError("cornac peers are for evaluation and are not saved")

    def _restore(self, arrays: dict[str, np.ndarray], scalars: dict[str, Any]) -> None:
        raise NotImplementedError("cornac peers are for evaluation and are not saved")


class CornacBPR(_CornacPeer):
    kind = "cornac-bpr"

    def _build(self, models, c: FactorPeerConfig):
        return models.BPR(k=c.factors, max_iter=100, learning_rate=c.learning_rate, lambda_reg=c.regularization,
                          seed=c.seed, verbose=False)  # fmt: skip


class CornacEASE(_CornacPeer):
    """cornac's EASE^R with its defaults (lambda 500, only positive weights kept)."""

    kind = "cornac-ease"

    def _build(self, models, c: FactorPeerConfig):
        return models.EASE(lamb=500, posB=True, seed=c.seed, verbose=False)


PEER_CLASSES: dict[str, type[Recommender]] = {
    cls.kind: cls for cls in (ImplicitALS, ImplicitBPR, CornacBPR, CornacEASE)
}

# What `evaluate --tune` tries for each peer on a validation split carved from train (the library
# defaults are the first entry). cornac's EASE keeps its defaults: each fit is one 9k x 9k inverse.
PEER_GRIDS: dict[str, list[dict]] = {
    "implicit-als": [{}, *({"factors": f, "regularization": r} for f in (32, 128) for r in (0.01, 0.5, 5.0))],
    "implicit-bpr": [{}, *({"factors": f, "learning_rate": lr} for f in (32, 128) for lr in (0.003, 0.05))],
    "cornac-bpr": [{}, *({"factors": f, "learning_rate": lr} for f in (32, 128) for lr in (0.003, 0.05))],
    "cornac-ease": [{}],
}


def build_peer(name: str, parameters: dict | None = None) -> Recommender:
    return PEER_CLASSES[name](FactorPeerConfig(**(parameters or {})))
