"""Training the cross-encoder (recommender/engine/narrative/cross_encoder.py). Plain Python.

Each training group is one request, one film that answers it and a few that do not; the loss is
the cross-entropy of the answer among the group's scores (listwise, as rerankers are trained), so
the model learns to put the right film above near misses, not an absolute "relevance" it never
needs. Negatives come from the caller: the first-stage retriever's best wrong answers are the ones
worth learning from. The body starts from the bundled MiniLM; the one-output head starts fresh.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from recommender.engine.narrative.cross_encoder import pair_batch


@dataclass(frozen=True)
class CrossEncoderConfig:
    epochs: int = 1
    batch_size: int = 4  # groups per step: batch_size x (1 + negatives) pairs
    lr: float = 3e-5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0:
            raise ValueError("epochs >= 1, batch_size >= 1 and lr > 0 are required")


@dataclass(frozen=True)
class Group:
    query: str
    positive: str  # the document of a film that answers the request
    negatives: tuple[str, ...]  # documents of films that do not


def train_cross_encoder(
    base_model: Path,
    groups: Sequence[Group],
    config: CrossEncoderConfig,
    output: Path,
    progress: Callable[[int, int, float], None] | None = None,
) -> Path:
    """Fine-tune a MiniLM body with a fresh scoring head on `groups`; save a transformers folder at `output`."""
    import torch
    import torch.nn.functional as F
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    usable = [group for group in groups if group.negatives]
    if not usable:
        raise ValueError("the cross-encoder needs groups with at least one negative")
    torch.manual_seed(config.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    tokenizer = AutoTokenizer.from_pretrained(base_model, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(base_model, num_labels=1, local_files_only=True)
    model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)
    order = list(range(len(usable)))
    steps_per_epoch = (len(usable) + config.batch_size - 1) // config.batch_size
    total, step = steps_per_epoch * config.epochs, 0
    for epoch in range(config.epochs):
        random.Random(config.seed + epoch).shuffle(order)
        for start in range(0, len(order), config.batch_size):
            batch = [usable[i] for i in order[start : start + config.batch_size]]
            queries, documents, sizes = [], [], []
            for group in batch:
                candidates = [group.positive, *group.negatives]
                queries += [group.query] * len(candidates)
                documents += candidates
                sizes.append(len(candidates))
            logits = model(**pair_batch(tokenizer, queries, documents, device)).logits[:, 0]
            loss = torch.stack([F.cross_entropy(scores.unsqueeze(0), torch.zeros(1, dtype=torch.long, device=device))
                                for scores in torch.split(logits, sizes)]).mean()  # fmt: skip
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if progress:
                progress(step, total, loss.item())
    model.eval()
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    return output
