"""Language-aware re-ranking of collaborative-filtering candidates. Plain Python on numpy.

For each user, the CF model's top N candidates get a few scores beside the CF score:
- `profile_similarity`: cosine between a preference text generated from the user's favourites and
  the movie's document (both MiniLM vectors): their past taste, put in words.
- `stated_similarity`: the same cosine for text the user WROTE themselves: what they say they want.
  It is a feature of its own because its weight has to be learnt differently: a generated profile
  only restates the favourites (the neighbour features already know them), while written words
  carry new information. Its weight is fitted on simulated statements (see rerank_eval).
- `neighbour_similarity`: the highest cosine between the movie and a movie the user rated highly:
  which of their favourites it resembles (the explanation names that movie).
- `neighbour_mean`: the mean of the top NEIGHBOUR_MEAN_TOP such cosines: how many favourites it
  resembles, less at the mercy of one near-duplicate than the maximum.
- `llm`: log P(Yes) - log P(No) from a language model asked whether someone with these
  preferences would enjoy the movie, read from one forward pass.
- `genre_affinity`: cosine between the movie's genres and the genres of everything the user rated
  (a count per genre): catalog knowledge the CF score does not see.
Beside the CF score and rank, `popularity` (log of the movie's rating count) is CF evidence the
re-ranker may use; the evaluation reports rows with and without it, so what language adds is visible.
A linear model over these features, fitted on a validation split carved from train, orders the
candidates. It is fitted listwise: per user, a softmax over their candidates should put its mass on
the held-out movies. A pooled yes/no fit (one logistic regression over every user's rows) rewards
features that tell active users from casual ones, which cannot change anyone's order; fitted
listwise the same features lift NDCG@10 by about 0.01 on latest-small (see README, "Re-ranking
results"). A missing feature (no preference text, no LLM score) counts as the average (0 after
standardisation), so a user without words still gets a sensible order.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Append new features at the end: services read columns by FEATURES.index and saved re-rankers by name.
FEATURES = (
    "cf",
    "cf_rank",
    "popularity",
    "profile_similarity",
    "neighbour_similarity",
    "llm",
    "neighbour_mean",
    "stated_similarity",
    "genre_affinity",
)
NEIGHBOUR_MEAN_TOP = 5
FORMAT_VERSION = 1


@dataclass(frozen=True)
class UserCandidates:
    """One user's candidates, in CF order, with the raw inputs the features come from."""

    item_ids: np.ndarray  # (n,)
    cf_scores: np.ndarray  # (n,) the CF model's scores, any scale
    item_vectors: np.ndarray  # (n, d) unit-length document embeddings (zeros where unknown)
    profile_vector: np.ndarray | None = None  # (d,) embedding of a preference text generated from favourites
    liked_item_ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    liked_vectors: np.ndarray | None = None  # (m, d) embeddings of movies the user rated highly
    llm_scores: np.ndarray | None = None  # (n,) log P(yes) - log P(no), NaN where not scored
    rating_counts: np.ndarray | None = None  # (n,) how many ratings each candidate has
    stated_vector: np.ndarray | None = None  # (d,) embedding of the text the user wrote themselves
    item_genres: np.ndarray | None = None  # (n, g) 1 where the candidate has the genre
    genre_profile: np.ndarray | None = None  # (g,) how many of the movies the user rated have each genre


def candidate_features(candidates: UserCandidates) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, len(FEATURES)) with NaN where missing, index of the closest liked movie or -1)."""
    n = len(candidates.item_ids)
    values = np.full((n, len(FEATURES)), np.nan, dtype=np.float64)
    if n == 0:
        return values, np.empty(0, dtype=np.int64)
    cf = candidates.cf_scores.astype(np.float64)
    spread = cf.std()
    values[:, 0] = (cf - cf.mean()) / spread if spread > 0 else 0.0  # scale-free: SVD ratings, EASE scores
    values[:, 1] = -np.log1p(np.arange(n))  # position in the CF list: candidates arrive in CF order
    if candidates.rating_counts is not None:
        values[:, 2] = np.log1p(candidates.rating_counts)
    if candidates.profile_vector is not None:
        values[:, 3] = candidates.item_vectors @ candidates.profile_vector
    closest = np.full(n, -1, dtype=np.int64)
    if candidates.liked_vectors is not None and len(candidates.liked_vectors):
        similarity = candidates.item_vectors @ candidates.liked_vectors.T
        closest = similarity.argmax(axis=1)
        values[:, 4] = similarity[np.arange(n), closest]
        top = min(NEIGHBOUR_MEAN_TOP, similarity.shape[1])
        values[:, 6] = -np.partition(-similarity, top - 1, axis=1)[:, :top].mean(axis=1)
    if candidates.llm_scores is not None:
        values[:, 5] = candidates.llm_scores
    if candidates.stated_vector is not None:
        values[:, 7] = candidates.item_vectors @ candidates.stated_vector
    if candidates.item_genres is not None and candidates.genre_profile is not None:
        values[:, 8] = _cosines(candidates.item_genres, candidates.genre_profile)
    return values, closest


def _cosines(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Cosine of each row with the vector; NaN (missing) for an all-zero row or vector."""
    norms = np.linalg.norm(rows, axis=1) * np.linalg.norm(vector)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, (rows @ vector) / norms, np.nan)


@dataclass
class LinearReranker:
    """A linear score over standardised features, fitted listwise; `features` names the ones it uses."""

    features: tuple[str, ...] = FEATURES
    l2: float = 1e-3  # on the mean per-user loss; the features are standardised
    weights: np.ndarray | None = None
    bias: float = 0.0  # kept for versions saved by the earlier pooled fit; it never changes an order
    means: np.ndarray | None = None
    stds: np.ndarray | None = None

    def _columns(self, values: np.ndarray) -> np.ndarray:
        return values[:, [FEATURES.index(name) for name in self.features]]

    def fit(self, values: np.ndarray, labels: np.ndarray, groups: np.ndarray | None = None) -> LinearReranker:
        """Fit on rows of candidate features, 0/1 labels (was the candidate held out?) and each row's
        group (its user; None: all rows are one list). Minimises, per group with a held-out movie,
        -sum over its held-out rows of log softmax(score) within the group, averaged over groups."""
        from scipy.optimize import minimize

        x = self._columns(values)
        with warnings.catch_warnings():  # a feature nobody has (all NaN) is expected: it gets weight 0 below
            warnings.simplefilter("ignore", RuntimeWarning)
            self.means = np.nanmean(x, axis=0)
            self.stds = np.nanstd(x, axis=0)
        self.means = np.where(np.isfinite(self.means), self.means, 0.0)
        self.stds = np.where(np.isfinite(self.stds) & (self.stds > 0), self.stds, 1.0)
        z = self._standardise(x)
        y = labels.astype(np.float64)
        group = np.unique(np.zeros(len(y)) if groups is None else groups, return_inverse=True)[1]
        n_groups = int(group.max()) + 1 if len(group) else 0
        positives = np.bincount(group, weights=y, minlength=n_groups)
        scale = 1.0 / max(int((positives > 0).sum()), 1)

        def loss_and_gradient(w: np.ndarray) -> tuple[float, np.ndarray]:
            score = z @ w
            top = np.full(n_groups, -np.inf)
            np.maximum.at(top, group, score)
            shifted = np.exp(score - top[group])
            total = np.bincount(group, weights=shifted, minlength=n_groups)
            log_softmax = score - top[group] - np.log(total[group])
            expected = shifted / total[group] * positives[group]  # each row's share of its group's positives
            loss = -scale * float(y @ log_softmax) + self.l2 * float(w @ w)
            return loss, scale * (z.T @ (expected - y)) + 2 * self.l2 * w

        fitted = minimize(loss_and_gradient, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B")
        self.weights, self.bias = fitted.x, 0.0
        return self

    def _standardise(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.means) / self.stds
        return np.where(np.isfinite(z), z, 0.0)  # a missing feature counts as the average

    def score(self, values: np.ndarray) -> np.ndarray:
        if self.weights is None:
            raise RuntimeError("fit the re-ranker before scoring")
        return self._standardise(self._columns(values)) @ self.weights + self.bias

    def contributions(self, values: np.ndarray) -> np.ndarray:
        """Per candidate and feature, what the feature added to the score (for explanations)."""
        return self._standardise(self._columns(values)) * self.weights

    def save(self, directory: Path) -> None:
        (directory / "reranker.json").write_text(
            json.dumps(
                {
                    "format": FORMAT_VERSION,
                    "objective": "listwise",
                    "features": list(self.features),
                    "l2": self.l2,
                    "weights": self.weights.tolist(),
                    "bias": self.bias,
                    "means": self.means.tolist(),
                    "stds": self.stds.tolist(),
                },
                indent=2,
            )  # fmt: skip
        )

    @classmethod
    def load(cls, directory: Path) -> LinearReranker:
        data = json.loads((directory / "reranker.json").read_text())
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported re-ranker format {data.get('format')!r}")
        return cls(
            features=tuple(data["features"]), l2=data["l2"], weights=np.asarray(data["weights"]),
            bias=float(data["bias"]), means=np.asarray(data["means"]), stds=np.asarray(data["stds"]),
        )  # fmt: skip


# Someone who has rated nothing but wrote what they like: the most-rated movies are the candidates
# ("cf" is then their popularity) and only their words can reorder them.
WORDS_ONLY_FEATURES = ("cf", "popularity", "stated_similarity")
WORDS_ONLY_FOLDER = "words-only"


@dataclass
class ServingRerankers:
    """What a "reranker" version holds: the weights for people with ratings (CF candidates) and,
    fitted apart, the weights for people who have only written words (popular candidates), whose
    scores mean something else. A version saved before the second existed loads with None there."""

    rated: LinearReranker
    words_only: LinearReranker | None = None

    def for_user(self, *, has_ratings: bool) -> LinearReranker:
        return self.rated if has_ratings or self.words_only is None else self.words_only

    def save(self, directory: Path) -> None:
        self.rated.save(directory)
        if self.words_only is not None:
            (directory / WORDS_ONLY_FOLDER).mkdir()
            self.words_only.save(directory / WORDS_ONLY_FOLDER)

    @classmethod
    def load(cls, directory: Path) -> ServingRerankers:
        words_only = directory / WORDS_ONLY_FOLDER
        return cls(LinearReranker.load(directory), LinearReranker.load(words_only) if words_only.is_dir() else None)


def rerank(reranker: LinearReranker, candidates: UserCandidates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(item ids best first, their scores, features in that order) for one user."""
    values, _ = candidate_features(candidates)
    scores = reranker.score(values)
    order = np.lexsort((np.arange(len(scores)), -scores))  # ties keep the CF order
    return candidates.item_ids[order], scores[order], values[order]
