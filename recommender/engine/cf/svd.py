"""Matrix factorisation trained by scikit-surprise (SVD, SVD++), served by numpy.

surprise trains well but serves slowly (one Python `predict()` per pair) and keeps its model in a
pickle. So we train with surprise, export the learned arrays (mu, b_u, b_i, p_u, q_i and for SVD++
y_j) and score with matrix products. surprise is imported only inside `fit`: a web process that
loads a saved model never imports it.

Prediction (SVD++ adds the implicit term; plain SVD has z_u = 0):
    r_ui = mu + b_u + b_i + q_i . (p_u + z_u),   z_u = |N(u)|^-1/2 * sum_{j in N(u)} y_j
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from recommender.engine.cf.base import Recommender, id_array
from recommender.engine.cf.data import MAX_RATING, MIN_RATING


@dataclass(frozen=True)
class SVDConfig:
    factors: int = 100
    epochs: int = 20
    lr: float = 0.005
    reg: float = 0.02
    init_std: float = 0.1
    seed: int = 0
    # Fold-in ridge penalties. surprise's SGD regularises per rating and stops early, so there is no
    # exact closed-form twin; on a user-disjoint split of MovieLens latest-small (100 new users,
    # 75/25 of their ratings) lambda 10 / bias 5 gave the best NDCG@10 and RMSE of 0.1..30 for both
    # SVD and SVD++, on par with the same users trained in (lambda 1: NDCG 25% lower).
    fold_in_reg: float = 10.0
    fold_in_bias_reg: float = 5.0

    def __post_init__(self) -> None:
        if self.factors < 1 or self.epochs < 1:
            raise ValueError("factors and epochs must be >= 1")
        if self.lr <= 0 or self.reg < 0 or self.init_std < 0 or self.fold_in_reg <= 0 or self.fold_in_bias_reg < 0:
            raise ValueError("lr and fold_in_reg must be > 0; reg, init_std and fold_in_bias_reg >= 0")


@dataclass(frozen=True)
class SVDppConfig(SVDConfig):
    # surprise's own SVDpp defaults: SVD++ is ~15x slower per factor than SVD, so fewer factors.
    factors: int = 20
    lr: float = 0.007


class _SurpriseFactorModel(Recommender):
    implicit: ClassVar[bool]
    mapped_arrays = Recommender.mapped_arrays | {"user_factors", "item_factors", "implicit_factors"}

    trained_algo: Any = None  # the surprise algorithm after fit (for parity checks); None after load

    # ---- training ---------------------------------------------------------------------------

    def _fit(self, user_pos: np.ndarray, item_pos: np.ndarray, ratings: np.ndarray) -> None:
        trainset = self._trainset(user_pos, item_pos, ratings)
        algo = self._algorithm()
        algo.fit(trainset)
        # Inner ids are our dense positions by construction (see _trainset), so surprise's rows are
        # already aligned with self.users / self.items.
        self.global_mean = float(trainset.global_mean)
        self.user_bias = np.asarray(algo.bu, dtype=np.float32)
        self.item_bias = np.asarray(algo.bi, dtype=np.float32)
        self.user_factors = np.asarray(algo.pu, dtype=np.float32)
        self.item_factors = np.asarray(algo.qi, dtype=np.float32)
        self.implicit_factors = np.asarray(algo.yj, dtype=np.float32) if self.implicit else None
        self.trained_algo = algo
        self._prepare()

    def _trainset(self, user_pos: np.ndarray, item_pos: np.ndarray, ratings: np.ndarray):
        """A surprise Trainset whose inner ids ARE our dense positions, mapped from raw ids explicitly.

        Building it by hand (instead of Dataset.load_from_df) avoids pandas and makes the inner-id
        assignment ours instead of "order of first appearance".
        """
        from surprise import Trainset

        ur: defaultdict[int, list] = defaultdict(list)
        ir: defaultdict[int, list] = defaultdict(list)
        for u, i, r in zip(user_pos.tolist(), item_pos.tolist(), ratings.tolist(), strict=True):
            ur[u].append((i, r))
            ir[i].append((u, r))
        return Trainset(
            ur,
            ir,
            len(self.users),
            len(self.items),
            len(ratings),
            (MIN_RATING, MAX_RATING),
            {int(raw): pos for pos, raw in enumerate(self.users.ids)},
            {int(raw): pos for pos, raw in enumerate(self.items.ids)},
        )

    def _algorithm(self):
        from surprise import SVD, SVDpp

        c = self.config
        common = dict(
            n_factors=c.factors,
            n_epochs=c.epochs,
            lr_all=c.lr,
            reg_all=c.reg,
            init_std_dev=c.init_std,
            random_state=c.seed,
        )
        return SVDpp(cache_ratings=True, **common) if self.implicit else SVD(**common)

    def _prepare(self) -> None:
        """Per-user effective vectors p_u + z_u, so scoring a training user is one mat-vec."""
        vectors = self.user_factors.astype(np.float64)
        if self.implicit:
            counts = np.diff(self.seen_indptr)
            starts = np.minimum(self.seen_indptr[:-1], max(len(self.seen_items) - 1, 0))
            gathered = self.implicit_factors.astype(np.float64)[self.seen_items]
            sums = np.add.reduceat(gathered, starts, axis=0) if len(gathered) else np.zeros_like(vectors)
            sums[counts == 0] = 0.0  # reduceat returns a row, not zero, for an empty segment
            vectors = vectors + sums / np.sqrt(np.maximum(counts, 1))[:, None]
        self._user_vectors = vectors.astype(np.float32)

    # ---- serving ----------------------------------------------------------------------------

    def _score_user(self, u: int) -> np.ndarray:
        base = np.float32(self.global_mean + self.user_bias[u])
        return self.item_factors @ self._user_vectors[u] + self.item_bias + base

    def _score_ratings(self, positions: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        user_bias, vector = self.fold_in(positions, ratings)
        return self.item_factors @ vector + self.item_bias + np.float32(self.global_mean + user_bias)

    def fold_in(self, positions: np.ndarray, ratings: np.ndarray) -> tuple[float, np.ndarray]:
        """Bias and effective factor vector of a new user from ratings of known items (dense positions).

        b_u is shrunk toward 0 first; then p_u = (Q^T Q + lam I)^-1 Q^T (r - mu - b_i - b_u - Q z_u).
        With fewer ratings than factors we solve the n x n dual system Q^T (Q Q^T + lam I)^-1 (...),
        the same solution (push-through identity) at a fraction of the cost.
        """
        c = self.config
        q = self.item_factors[positions].astype(np.float64)
        residual = ratings.astype(np.float64) - self.global_mean - self.item_bias[positions]
        user_bias = float(residual.sum() / (len(residual) + c.fold_in_bias_reg))
        residual -= user_bias
        z = np.zeros(q.shape[1])
        if self.implicit:
            z = self.implicit_factors[positions].astype(np.float64).sum(axis=0) / np.sqrt(len(positions))
            residual -= q @ z
        n, f = q.shape
        if n < f:
            p = q.T @ np.linalg.solve(q @ q.T + c.fold_in_reg * np.eye(n), residual)
        else:
            p = np.linalg.solve(q.T @ q + c.fold_in_reg * np.eye(f), q.T @ residual)
        return user_bias, (p + z).astype(np.float32)

    def predict(self, user_id: int, item_ids, clip: bool = True) -> np.ndarray:
        """Rating predictions for one user, like surprise: unknown users or items drop their terms."""
        self._check_fitted()
        positions = self.items.index_of(id_array(item_ids))
        known = positions >= 0
        u = self.users.index(user_id)
        estimate = np.full(len(positions), self.global_mean, dtype=np.float64)
        estimate[known] += self.item_bias[positions[known]]
        if u >= 0:
            estimate += self.user_bias[u]
            estimate[known] += self.item_factors[positions[known]] @ self._user_vectors[u]
        return np.clip(estimate, MIN_RATING, MAX_RATING) if clip else estimate

    # ---- persistence ------------------------------------------------------------------------

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {
            "user_bias": self.user_bias,
            "item_bias": self.item_bias,
            "user_factors": self.user_factors,
            "item_factors": self.item_factors,
        }
        if self.implicit:
            arrays["implicit_factors"] = self.implicit_factors
        return arrays, {"global_mean": self.global_mean}

    def _restore(self, arrays: dict[str, np.ndarray], scalars: dict[str, Any]) -> None:
        self.global_mean = float(scalars["global_mean"])
        self.user_bias = arrays["user_bias"]
        self.item_bias = arrays["item_bias"]
        self.user_factors = arrays["user_factors"]
        self.item_factors = arrays["item_factors"]
        self.implicit_factors = arrays["implicit_factors"] if self.implicit else None
        self._prepare()


class SurpriseSVD(_SurpriseFactorModel):
    """Funk-style biased SVD (surprise.SVD)."""

    kind = "svd"
    config_class = SVDConfig
    implicit = False


class SurpriseSVDpp(_SurpriseFactorModel):
    """SVD++ (surprise.SVDpp): SVD plus implicit factors of the items a user rated."""

    kind = "svdpp"
    config_class = SVDppConfig
    implicit = True
