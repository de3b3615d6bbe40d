"""Movie vectors from MiniLM tuned on co-liked pairs: an evaluation-only embedder (evaluate_rerank --coliked-pairs)."""

from __future__ import annotations

import time
from pathlib import Path

from recommender.engine.cf.data import Interactions
from recommender.engine.rerank.offline import ItemVectors, liked_items
from recommender.engine.text.documents import movie_document
from recommender.engine.text.embedder import Embedder, default_model_path
from recommender.selectors.movie_text import movie_texts
from training.engine.contrastive import ContrastiveConfig, coliked_pairs, fine_tune


def coliked_item_vectors(
    ratings: Interactions, *, pairs: int, seed: int, work_dir: Path, progress=None
) -> tuple[ItemVectors, dict]:
    """Movie vectors from MiniLM fine-tuned on co-liked pairs drawn from `ratings` only.

    Pairs are documents of two movies one user rated >= 4.0 in `ratings` (for evaluation: the
    validation split's fit ratings, so no validation or test item is ever used); every movie of
    the catalog is then encoded with the tuned model. `progress(stage, done, total)` is told as it goes.
    Returns the vectors and {"pairs", "fine_tune_s", "encode_s"}.
    """
    liked = liked_items(ratings, limit=10**9)
    documents = {movie_id: movie_document(text) for movie_id, text in movie_texts().items()}
    examples = coliked_pairs({user: items.tolist() for user, items in liked.items()}, documents, limit=pairs, seed=seed)
    config = ContrastiveConfig(max_pairs=pairs, epochs=1, batch_size=32, seed=seed, hard_negatives=False)
    started = time.perf_counter()
    tuned = fine_tune(
        default_model_path(), examples, config, work_dir / "coliked",
        lambda step, total, loss: progress and progress("fine-tune", step, total),
    )  # fmt: skip
    tuned_s = time.perf_counter() - started
    ids = sorted(documents, key=lambda movie_id: len(documents[movie_id]))  # similar lengths per batch
    started = time.perf_counter()
    matrix = Embedder(tuned, name="coliked").encode(
        [documents[movie_id] for movie_id in ids], progress=lambda done: progress and progress("encode", done, len(ids))
    )
    encode_s = time.perf_counter() - started
    vectors = ItemVectors.from_rows(ids, matrix)
    return vectors, {"pairs": len(examples), "fine_tune_s": tuned_s, "encode_s": encode_s}
