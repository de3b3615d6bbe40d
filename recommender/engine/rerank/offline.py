"""Evaluate CF candidates re-ranked with language scores. Plain Python.

Protocol, per variant (a CF model + a feature set):
1. Weights: carve a validation split out of TRAIN (same protocol, another seed); fit the CF model
   on the rest, build candidates, profiles (from those ratings only) and features for the
   validation users, and fit the re-ranker to tell validation items from the other candidates.
2. Test: fit the CF model on all of train, profiles from train only, re-rank each test user's
   top-N candidates with those weights, and measure top-k against the test split.
Nothing from the test split reaches a profile, a prompt or a weight, with one labelled exception:
a variant with `stated=True` simulates people who wrote what they want next. Its statements are
made from each stage's HELD-OUT movies (validation for the weights, test for the measure), so it
shows how far the feed follows words that describe what the user will watch: an upper bound on
typed preferences, not a result comparable with the other rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from recommender.engine.cf.base import Recommender, top_k
from recommender.engine.cf.data import IdIndex, Interactions
from recommender.engine.evaluation.metrics import ranking_metrics
from recommender.engine.rerank.model import LinearReranker, UserCandidates, candidate_features

# (ratings the profile may use) -> {user id: preference text}
ProfileMaker = Callable[[Interactions], dict[int, str]]
# (held-out ratings) -> {user id: a statement of what they want, made from those movies}
StatementMaker = Callable[[Interactions], dict[int, str]]
# (user id, preference text, candidate item ids) -> log P(yes) - log P(no) per candidate
LlmScorer = Callable[[Mapping[int, str], Mapping[int, np.ndarray]], dict[int, np.ndarray]]


@dataclass(frozen=True)
class ItemVectors:
    """A vector per item id (document embeddings, unit length; or genre indicators); unknown items get zeros."""

    index: IdIndex
    matrix: np.ndarray

    @classmethod
    def from_rows(cls, ids, matrix: np.ndarray) -> ItemVectors:
        """Rows in any order: IdIndex sorts its ids, so the matrix is put in that same order here."""
        ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        return cls(IdIndex(ids[order]), np.asarray(matrix, dtype=np.float32)[order])

    def of(self, item_ids: np.ndarray) -> np.ndarray:
        positions = self.index.index_of(item_ids)
        out = np.zeros((len(item_ids), self.matrix.shape[1]), dtype=np.float32)
        known = positions >= 0
        out[known] = self.matrix[positions[known]]
        return out


@dataclass(frozen=True)
class Variant:
    name: str
    cf_kind: str  # key into the CF model factory
    features: tuple[str, ...]
    llm_top: int = 0  # score the first this-many CF candidates with the LLM (0: no LLM feature)
    vectors: str = ""  # key into evaluate_reranking's extra_vectors ("": the default vectors)
    stated: bool = False  # simulated written statements from the held-out movies (see the module docstring)


def cf_candidates(
    model: Recommender, seen_by_user: Mapping[int, np.ndarray], users: np.ndarray, n: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Each user's top-n unseen items by the (fitted) model: (item ids, scores), best first."""
    out = {}
    for user in users.tolist():
        scores = model.score(user).astype(np.float64)
        seen = model.items.index_of(seen_by_user.get(user, np.empty(0, dtype=np.int64)))
        scores[seen[seen >= 0]] = -np.inf
        positions = top_k(scores, n)
        out[user] = (model.item_ids[positions], scores[positions])
    return out


def liked_items(train: Interactions, *, min_rating: float = 4.0, limit: int = 30) -> dict[int, np.ndarray]:
    """Per user, the movies they rated highly (highest, then most recent first), at most `limit`."""
    liked = train.take(train.ratings >= min_rating)
    order = np.lexsort((-liked.timestamps, -liked.ratings, liked.user_ids))
    users, items = liked.user_ids[order], liked.item_ids[order]
    out: dict[int, np.ndarray] = {}
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]]) if len(users) else np.empty(0, dtype=int)
    for start, end in zip(starts, np.r_[starts[1:], len(users)], strict=True):
        out[int(users[start])] = items[start:end][:limit]
    return out


def build_candidates(
    model: Recommender,
    train: Interactions,
    users: np.ndarray,
    *,
    n: int,
    vectors: ItemVectors,
    profile_vectors: Mapping[int, np.ndarray],
    llm_scores: Mapping[int, np.ndarray] | None = None,
    stated_vectors: Mapping[int, np.ndarray] | None = None,
    genres: ItemVectors | None = None,
) -> dict[int, UserCandidates]:
    """Each user's top-n CF candidates with what their features need; `genres` (a 0/1 row of genres
    per movie) adds genre_affinity against the genres of everything the user rated in `train`."""
    seen = train.items_by_user()
    liked = liked_items(train)
    counted_items, counts = np.unique(train.item_ids, return_counts=True)
    count_index = IdIndex(counted_items)
    out = {}
    for user, (items, scores) in cf_candidates(model, seen, users, n).items():
        liked_ids = liked.get(user, np.empty(0, dtype=np.int64))
        out[user] = UserCandidates(
            item_ids=items, cf_scores=scores, item_vectors=vectors.of(items),
            profile_vector=profile_vectors.get(user), liked_item_ids=liked_ids,
            liked_vectors=vectors.of(liked_ids) if len(liked_ids) else None,
            llm_scores=None if llm_scores is None else llm_scores.get(user),
            rating_counts=np.where((p := count_index.index_of(items)) >= 0, counts[np.maximum(p, 0)], 0),
            stated_vector=None if stated_vectors is None else stated_vectors.get(user),
            item_genres=None if genres is None else genres.of(items),
            genre_profile=None if genres is None else genres.of(seen.get(user, np.empty(0, dtype=np.int64))).sum(0),
        )  # fmt: skip
    return out


def evaluate_reranking(
    variants: list[Variant],
    cf_factory: Callable[[str], Recommender],
    train: Interactions,
    test: Interactions,
    validation_of: Callable[[Interactions], tuple[Interactions, Interactions]],
    *,
    vectors: ItemVectors,
    profiles: ProfileMaker,
    embed: Callable[[list[str]], np.ndarray],
    llm: LlmScorer | None = None,
    statements: StatementMaker | None = None,
    extra_vectors: Mapping[str, ItemVectors] | None = None,
    genres: ItemVectors | None = None,
    n: int = 100,
    k: int = 10,
    catalog_size: int | None = None,
    sample_users: int | None = None,
    seed: int = 0,
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, dict]:
    """{variant name: {"metrics", "weights", "rerank_ms_per_user", "topk"}} on the test split.

    `sample_users` evaluates (and fits) on that many random users per stage: the LLM feature costs
    a forward pass per candidate, too slow on CPU for every user.
    A variant naming `extra_vectors` takes its movie vectors from there (another embedder); its
    profile_similarity is left missing, because `embed` writes profile vectors in the default space.
    `genres` (a 0/1 genre row per movie) is what genre_affinity needs.
    """
    fit_train, validation = validation_of(train)
    stages = {"validation": (fit_train, validation), "test": (train, test)}
    prepared: dict[tuple[str, str], dict[int, UserCandidates]] = {}
    profile_texts = {}
    for stage, (ratings, _) in stages.items():
        started = time.perf_counter()
        profile_texts[stage] = profiles(ratings)
        log(f"{stage}: {len(profile_texts[stage])} profiles from {len(ratings)} ratings "
            f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
    results = {}
    with_llm: dict[tuple, tuple[dict[int, UserCandidates], float]] = {}
    models: dict[tuple[str, str], Recommender] = {}  # kept only for a CF kind prepared more than one way
    shared = {kind for kind in {v.cf_kind for v in variants}
              if len({(v.vectors, v.stated) for v in variants if v.cf_kind == kind}) > 1}  # fmt: skip
    for variant in variants:
        rerankers: dict[str, LinearReranker] = {}
        for stage, (ratings, held) in stages.items():
            key = (variant.cf_kind, stage, variant.vectors, variant.stated)
            stage_users = held.unique_users()
            if sample_users and sample_users < len(stage_users):
                stage_users = np.sort(np.random.default_rng(seed).choice(stage_users, sample_users, replace=False))
            if key not in prepared:
                started = time.perf_counter()
                model = models.get((variant.cf_kind, stage))
                model = model if model is not None else cf_factory(variant.cf_kind).fit(ratings)
                if variant.cf_kind in shared:
                    models[(variant.cf_kind, stage)] = model
                texts = profile_texts[stage]
                ids = [u for u in stage_users.tolist() if texts.get(u)] if not variant.vectors else []
                profile_vectors = dict(zip(ids, embed([texts[u] for u in ids]), strict=True)) if ids else {}
                item_space = extra_vectors[variant.vectors] if variant.vectors else vectors
                stated_vectors = None
                if variant.stated and statements is not None:
                    asked = set(stage_users.tolist())
                    said = {u: t for u, t in statements(held).items() if t and u in asked}
                    stated_vectors = dict(zip(said, embed(list(said.values())), strict=True)) if said else {}
                prepared[key] = build_candidates(
                    model, ratings, stage_users, n=n, vectors=item_space, profile_vectors=profile_vectors,
                    stated_vectors=stated_vectors, genres=genres,
                )  # fmt: skip
                log(f"{variant.cf_kind}{'/' + variant.vectors if variant.vectors else ''} {stage}: "
                    f"candidates for {len(stage_users)} users "
                    f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
            candidates = prepared[key]
            rerank_seconds = 0.0
            if variant.llm_top and llm is not None:
                llm_key = (*key, variant.llm_top)  # LLM scores are the costly part: computed once per key
                if llm_key not in with_llm:
                    started = time.perf_counter()
                    with_llm[llm_key] = (with_llm_scores(candidates, profile_texts[stage], llm, variant.llm_top),
                                         time.perf_counter() - started)  # fmt: skip
                    log(f"{variant.cf_kind} {stage}: LLM judged the top {variant.llm_top} of {len(candidates)} "
                        f"users in {with_llm[llm_key][1]:.0f} s")  # fmt: skip
                candidates, rerank_seconds = with_llm[llm_key]
            if stage == "validation":
                rerankers["fitted"] = fit_reranker(variant.features, candidates, held)
                continue
            topk, seconds = rerank_all(rerankers["fitted"], candidates, k)
            metrics = ranking_metrics(topk, held.take(np.isin(held.user_ids, list(candidates))), k, catalog_size)
            fitted = rerankers["fitted"]
            results[variant.name] = {
                "metrics": metrics,
                "weights": dict(zip(fitted.features, np.round(fitted.weights, 4).tolist(), strict=True)),
                "rerank_ms_per_user": 1000 * (sum(seconds) + rerank_seconds) / max(len(candidates), 1),
                "topk": topk,
            }
            log(f"{variant.name}: ndcg@{k} {metrics['ndcg']:.4f}, cum_hr@{k} {metrics['cum_hr']:.4f}")
    return results


def with_llm_scores(candidates, texts, llm: LlmScorer, top: int) -> dict[int, UserCandidates]:
    """The same candidates with the LLM's judgement of each user's first `top` (NaN below, and for
    users without a preference text)."""
    asked = {user: c.item_ids[:top] for user, c in candidates.items()}
    scores = llm(texts, asked)
    out = {}
    for user, c in candidates.items():
        column = np.full(len(c.item_ids), np.nan)
        if user in scores:
            column[: len(scores[user])] = scores[user]
        out[user] = UserCandidates(**{**c.__dict__, "llm_scores": column})
    return out


def fit_reranker(
    features: tuple[str, ...], candidates: Mapping[int, UserCandidates], held: Interactions
) -> LinearReranker:
    """Fit weights that put each user's held-out items above their other candidates."""
    relevant = held.items_by_user()
    rows, labels, groups = [], [], []
    for user, c in candidates.items():
        values, _ = candidate_features(c)
        rows.append(values)
        labels.append(np.isin(c.item_ids, relevant.get(user, np.empty(0, dtype=np.int64))))
        groups.append(np.full(len(c.item_ids), user))
    return LinearReranker(features=features).fit(np.vstack(rows), np.concatenate(labels), np.concatenate(groups))


def rerank_all(reranker: LinearReranker, candidates, k: int) -> tuple[dict[int, list[int]], list[float]]:
    topk, seconds = {}, []
    for user, c in candidates.items():
        started = time.perf_counter()
        values, _ = candidate_features(c)
        scores = reranker.score(values)
        order = np.lexsort((np.arange(len(scores)), -scores))[:k]
        topk[user] = c.item_ids[order].tolist()
        seconds.append(time.perf_counter() - started)
    return topk, seconds
