"""The free-text search data set: requests with the movies that answer them, split three ways.

Movies and users are each assigned to train / validation / test by a hash of (seed, id), so the
assignment is stable as the catalog grows and no movie or user is in two splits. A request of a
split names only movies of that split as relevant, and is scored against that split's movies
alone: a test request is answered from movies no model saw in training. Plain Python.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field

SPLITS = ("train", "validation", "test")
SPLIT_SHARES = {"train": 0.7, "validation": 0.15, "test": 0.15}
DATASET_VERSION = 1  # bump when generation changes what a request or its relevant set means


@dataclass(frozen=True)
class RetrievalExample:
    query: str
    kind: str  # "theme" (from the catalog's genres/keywords/decades) or "narrative" (LLM, from a user's likes)
    relevant: list[int]  # movie ids; for narratives ordered by the likelihood filter, best first
    split: str
    source: dict = field(default_factory=dict)  # what it was made from: traits, or a user id and movie ids

    def to_json(self) -> dict:
        return asdict(self)


def split_of(key: int, *, seed: int, salt: str) -> str:
    """ "train", "validation" or "test" for a movie (salt "movie") or a user (salt "user")."""
    digest = hashlib.sha256(f"{salt}:{seed}:{key}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    if draw < SPLIT_SHARES["train"]:
        return "train"
    return "validation" if draw < SPLIT_SHARES["train"] + SPLIT_SHARES["validation"] else "test"


def movies_by_split(movie_ids, *, seed: int) -> dict[str, list[int]]:
    split = {name: [] for name in SPLITS}
    for movie_id in sorted(movie_ids):
        split[split_of(movie_id, seed=seed, salt="movie")].append(movie_id)
    return split


def manifest(examples: list[RetrievalExample], *, seed: int, corpus: dict[str, list[int]], **extra) -> dict:
    """Counts per split and kind, relevant-set sizes and the corpus of each split, for the record."""
    counts = Counter((example.split, example.kind) for example in examples)
    sizes = [len(example.relevant) for example in examples]
    return {
        "dataset_version": DATASET_VERSION,
        "seed": seed,
        "split_shares": SPLIT_SHARES,
        "examples": len(examples),
        "per_split_and_kind": {f"{split}/{kind}": count for (split, kind), count in sorted(counts.items())},
        "relevant_per_request": {
            "min": min(sizes, default=0),
            "max": max(sizes, default=0),
            "mean": round(sum(sizes) / len(sizes), 2) if sizes else 0,
        },  # fmt: skip
        "corpus_movies": {split: len(ids) for split, ids in corpus.items()},
        **extra,
    }
