"""Offline protocol for "more like this" (recommender/engine/similar.py). Numpy only.

For each user with a liked movie (LIKED or more) in train and one in test: the seed is their best
rated train movie (ties: the most recent). Its k neighbours, ranked as served (the POOL nearest by
meaning and by co-likes, blended), leave out the seed and the user's train movies; a hit is a
movie the user liked in test. Co-likes and rating counts come from train only, over all of a
movie's likers (serving reads its 300 biggest fans: at latest-small's size no movie has more).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from recommender.engine.cf.data import Interactions
from recommender.engine.similar import LIKED, blend_neighbours, co_like_scores

POOL = 50  # candidates taken from each signal, as selectors/similar.py takes them


def seeds_and_targets(train: Interactions, test: Interactions) -> dict[int, tuple[int, set[int]]]:
    """{user: (seed movie, movies liked in test)} for users with a liked movie on both sides."""
    liked_later: dict[int, set[int]] = {}
    for user, item, rating in zip(test.user_ids.tolist(), test.item_ids.tolist(), test.ratings.tolist(), strict=True):
        if rating >= LIKED:
            liked_later.setdefault(user, set()).add(item)
    order = np.lexsort((-train.item_ids, train.timestamps, train.ratings, train.user_ids))  # best last per user
    best: dict[int, tuple[int, float]] = {}
    for position in order.tolist():
        best[int(train.user_ids[position])] = (int(train.item_ids[position]), float(train.ratings[position]))
    return {user: (item, liked_later[user]) for user, (item, rating) in best.items()
            if rating >= LIKED and user in liked_later}  # fmt: skip


class SimilarEvaluation:
    """Everything the protocol reads from train and the embeddings, computed once."""

    def __init__(self, train: Interactions, movie_ids: np.ndarray, vectors: np.ndarray) -> None:
        self.item_ids = np.union1d(np.unique(train.item_ids), movie_ids)
        position = {item: n for n, item in enumerate(self.item_ids.tolist())}
        users, rows = np.unique(train.user_ids, return_inverse=True)
        columns = np.searchsorted(self.item_ids, train.item_ids)
        liked = train.ratings >= LIKED
        self.liked = sparse.csr_matrix(
            (np.ones(int(liked.sum()), dtype=np.float32), (rows[liked], columns[liked])),
            shape=(len(users), len(self.item_ids)),
        )
        self.liked_by = self.liked.T.tocsr()  # item -> the users who liked it
        self.rated = np.bincount(columns, minlength=len(self.item_ids))
        self.vectors = np.zeros((len(self.item_ids), vectors.shape[1]), dtype=np.float32)
        self.has_vector = np.zeros(len(self.item_ids), dtype=bool)
        at = np.asarray([position[int(movie_id)] for movie_id in movie_ids], dtype=np.int64)
        norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        self.vectors[at], self.has_vector[at] = vectors / norms, True
        self.seen = {int(user): set() for user in users}
        for user, item in zip(train.user_ids.tolist(), train.item_ids.tolist(), strict=True):
            self.seen[user].add(item)
        self.popular = self.item_ids[np.argsort(-self.rated, kind="stable")]

    def neighbours(self, seed: int, exclude: set[int], k: int, weight: float) -> list[int]:
        at = int(np.searchsorted(self.item_ids, seed))
        allowed = ~np.isin(self.item_ids, list(exclude | {seed}))
        meaning = np.full(len(self.item_ids), -np.inf, dtype=np.float32)
        if self.has_vector[at]:
            meaning = np.where(self.has_vector, self.vectors @ self.vectors[at], -np.inf)
        likers = self.liked_by[at].indices
        counts = np.asarray(self.liked[likers].sum(axis=0)).ravel() if len(likers) else np.zeros(len(self.item_ids))
        shared = {int(self.item_ids[n]): int(counts[n]) for n in np.flatnonzero((counts > 0) & allowed)}
        rated = {movie_id: int(self.rated[np.searchsorted(self.item_ids, movie_id)]) for movie_id in shared}
        co_like = co_like_scores(shared, len(likers), rated)
        by_meaning = [n for n in np.argsort(-meaning, kind="stable")[: POOL + len(exclude) + 1] if allowed[n]]
        pool = {int(self.item_ids[n]) for n in by_meaning[:POOL] if np.isfinite(meaning[n])}
        pool |= set(sorted(co_like, key=lambda movie_id: -co_like[movie_id])[:POOL])
        meaning_of = {movie_id: float(meaning[np.searchsorted(self.item_ids, movie_id)]) for movie_id in pool}
        meaning_of = {movie_id: value for movie_id, value in meaning_of.items() if np.isfinite(value)}
        chosen = [n.movie_id for n in blend_neighbours(meaning_of, {m: co_like[m] for m in pool if m in co_like},
                                                       shared, k, weight)]  # fmt: skip
        return chosen


def evaluate_similar(
    train: Interactions, test: Interactions, movie_ids: np.ndarray, vectors: np.ndarray, weights, k: int = 10
) -> dict[str, dict[str, float]]:
    """{variant: {"hr": ..., "precision": ..., "users": n}} for each blend weight and the popular baseline."""
    evaluation = SimilarEvaluation(train, movie_ids, vectors)
    cases = seeds_and_targets(train, test)
    results = {}
    for weight in weights:
        hits = []
        for user, (seed, targets) in cases.items():
            shown = evaluation.neighbours(seed, evaluation.seen[user], k, weight)
            hits.append(len(targets.intersection(shown)))
        results[f"weight {weight:g}"] = _metrics(hits, k)
    hits = []
    for user, (seed, targets) in cases.items():
        seen = evaluation.seen[user] | {seed}
        shown = [int(m) for m in evaluation.popular[: k + len(seen)] if int(m) not in seen][:k]
        hits.append(len(targets.intersection(shown)))
    results["most rated (not similar at all)"] = _metrics(hits, k)
    return results


def _metrics(hits: list[int], k: int) -> dict[str, float]:
    hits_array = np.asarray(hits, dtype=np.float64)
    return {"hr": float(np.mean(hits_array > 0)) if hits else 0.0,
            "precision": float(np.mean(hits_array) / k) if hits else 0.0, "users": len(hits)}  # fmt: skip
