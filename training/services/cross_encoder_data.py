"""Training groups for the cross-encoder: a request, a film that answers it, and near misses."""

from __future__ import annotations

import json
import random
from pathlib import Path

from recommender.models import MovieEmbedding
from training.engine.cross_encoder import Group
from training.engine.synthetic.retrieval_set import RetrievalExample, split_of
from training.services.narrative_data import narrative_dataset_read

HARD_POOL = 30  # the first stage's top results that hard negatives are drawn from


def train_documents(seed: int) -> dict[int, str]:
    """movie id -> embedded document, for the train-split movies of a data set made with `seed`."""
    rows = MovieEmbedding.objects.order_by("movie_id").values_list("movie_id", "document")
    return {movie_id: document for movie_id, document in rows if split_of(movie_id, seed=seed, salt="movie") == "train"}


def cross_encoder_groups(
    examples: list[RetrievalExample], documents: dict[int, str], first_stage, *, negatives: int, seed: int
) -> list[Group]:
    """One group per train request: a random film of its relevant set, `negatives - 1` of the first
    stage's best wrong answers (its top HARD_POOL) and one random film, all from `documents`."""
    rng = random.Random(seed)
    corpus = sorted(documents)
    rankings = first_stage.rank([example.query for example in examples], corpus, depth=HARD_POOL)
    groups = []
    for example, ranked in zip(examples, rankings, strict=True):
        relevant = sorted(set(example.relevant) & documents.keys())
        if not relevant:
            continue
        wrong = [movie_id for movie_id in ranked if movie_id not in example.relevant]
        hard = rng.sample(wrong, min(negatives - 1, len(wrong)))
        easy = [m for m in rng.sample(corpus, min(5, len(corpus))) if m not in example.relevant and m not in hard][:1]
        positive = rng.choice(relevant)
        groups.append(Group(example.query, documents[positive], tuple(documents[m] for m in hard + easy)))
    return groups


def dataset_groups(dataset: Path, first_stage, *, max_groups: int, negatives: int, seed: int) -> list[Group]:
    """Groups for up to `max_groups` train requests of a data set (drawn with `seed`), among its
    train-split movies; a ValueError when none of them is embedded yet."""
    documents = train_documents(json.loads((dataset / "manifest.json").read_text())["seed"])
    if not documents:
        raise ValueError("no train-split movie is embedded yet: run `manage.py embed` first")
    examples = narrative_dataset_read(dataset, "train")
    random.Random(seed).shuffle(examples)
    return cross_encoder_groups(examples[:max_groups], documents, first_stage, negatives=negatives, seed=seed)
