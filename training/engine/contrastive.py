"""Contrastive fine-tuning of a sentence embedder on (query, document) pairs. Plain Python.

The loss is MultipleNegativesRankingLoss written out: in a batch of pairs, each query's own
document is the positive and every other document is a negative (in-batch negatives), scored by
scaled cosine and trained with cross-entropy. A hand loop on torch keeps the dependencies to
sentence-transformers and torch; the same code runs on CUDA when there is one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from recommender.engine.text import MovieText, movie_document


@dataclass(frozen=True)
class ContrastiveConfig:
    epochs: int = 1
    batch_size: int = 16
    lr: float = 2e-5
    max_pairs: int = 2000
    max_seq_length: int = 128
    scale: float = 20.0  # sentence-transformers' default for MultipleNegativesRankingLoss
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2 or self.max_pairs < 2 or self.lr <= 0:
            raise ValueError("epochs >= 1, batch_size >= 2, max_pairs >= 2 and lr > 0 are required")


def overview_pairs(texts: dict[int, MovieText], *, exclude: set[int], limit: int, seed: int) -> list[tuple[str, str]]:
    """(overview, metadata document without the overview) for movies not held out: story -> film."""
    ids = sorted(movie_id for movie_id, text in texts.items() if text.description and movie_id not in exclude)
    random.Random(seed).shuffle(ids)
    return [(texts[i].description, movie_document(replace(texts[i], description=""))) for i in ids[:limit]]


def fine_tune(
    base_model: Path,
    pairs: list[tuple[str, str]],
    config: ContrastiveConfig,
    output: Path,
    progress: Callable[[int, int, float], None] | None = None,
) -> Path:
    """Train on `pairs` and save a sentence-transformers folder at `output`; returns it."""
    import torch
    import torch.nn.functional as F
    from sentence_transformers import SentenceTransformer

    if len(pairs) < 2:
        raise ValueError("contrastive training needs at least two pairs (in-batch negatives)")
    torch.manual_seed(config.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SentenceTransformer(str(base_model), device=device, local_files_only=True)
    model.max_seq_length = config.max_seq_length
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)
    order = list(range(len(pairs)))
    batches_per_epoch = (len(pairs) + config.batch_size - 1) // config.batch_size
    total, step = batches_per_epoch * config.epochs, 0
    for epoch in range(config.epochs):
        random.Random(config.seed + epoch).shuffle(order)
        for start in range(0, len(order), config.batch_size):
            batch = [pairs[i] for i in order[start : start + config.batch_size]]
            if len(batch) < 2:
                continue  # a lone pair has no in-batch negative
            queries = _embed(model, [query for query, _ in batch], device)
            documents = _embed(model, [document for _, document in batch], device)
            scores = F.normalize(queries, dim=-1) @ F.normalize(documents, dim=-1).T * config.scale
            loss = F.cross_entropy(scores, torch.arange(len(batch), device=device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if progress:
                progress(step, total, loss.item())
    model.eval()
    output.mkdir(parents=True, exist_ok=True)
    model.save(str(output))
    return output


def _embed(model, texts: list[str], device: str):
    # tokenize() also returns bookkeeping entries that are not tensors; only tensors move.
    features = {
        name: value.to(device) if hasattr(value, "to") else value for name, value in model.tokenize(texts).items()
    }
    return model(features)["sentence_embedding"]
