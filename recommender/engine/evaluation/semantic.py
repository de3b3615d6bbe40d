"""How well an embedder matches plot narratives to movies. Plain Python.

Protocol: for held-out movies that have a plot overview, the overview is the query and the corpus
is every held-out movie's metadata document WITHOUT its overview (title, year, genres, keywords,
director), so a hit means the model connected the story to the right film by meaning, not by
copied words. One relevant document per query: Recall@k is the hit rate. The mean cosine of the
related (overview, own metadata) pairs is reported beside that of random unrelated pairs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np

from recommender.engine.text.documents import MovieText, movie_document


@dataclass(frozen=True)
class SemanticEval:
    queries: int
    recall: float
    ndcg: float
    related_cosine: float
    unrelated_cosine: float


def held_out(movie_ids: list[int], *, fraction: float, seed: int) -> list[int]:
    """A deterministic share of movies, chosen by a hash of (seed, id): stable as the catalog grows."""

    def draw(movie_id: int) -> float:
        digest = hashlib.sha256(f"{seed}:{movie_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    return sorted(movie_id for movie_id in movie_ids if draw(movie_id) < fraction)


def evaluate_embedder(embedder, texts: dict[int, MovieText], *, k: int = 10, seed: int = 0) -> SemanticEval:
    ids = [movie_id for movie_id, text in texts.items() if text.description]
    if len(ids) < 2:
        raise ValueError("need at least two movies with an overview to evaluate")
    queries = embedder.encode([texts[movie_id].description for movie_id in ids])
    corpus = embedder.encode([movie_document(replace(texts[movie_id], description="")) for movie_id in ids])
    similarity = queries @ corpus.T  # unit vectors: cosine
    own = np.diag(similarity)
    # Rank of each movie's own document among all documents for its overview (0 = first). A tie
    # counts against the model: a collapsed one (every cosine equal) must not rank everything first.
    ranks = (similarity >= own[:, None]).sum(axis=1) - 1
    hits = ranks < k
    ndcg = np.where(hits, 1.0 / np.log2(ranks + 2), 0.0)
    shuffled = np.random.default_rng(seed).permutation(len(ids))
    shuffled = np.where(shuffled == np.arange(len(ids)), (shuffled + 1) % len(ids), shuffled)
    unrelated = similarity[np.arange(len(ids)), shuffled]
    return SemanticEval(len(ids), float(hits.mean()), float(ndcg.mean()), float(own.mean()), float(unrelated.mean()))
