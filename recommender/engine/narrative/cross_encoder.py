"""A cross-encoder: the request and one film's document read together by MiniLM, one relevance score
out. Slower than the bi-encoder (one forward pass per pair, not one per text), so it re-ranks only
the top candidates; better, because every word of the request can attend to every word of the film.

No cross-encoder weights install offline (see OFFLINE.md), so the body is the bundled MiniLM with
a fresh one-output head, trained here (training/engine/cross_encoder.py). Plain Python; torch and
transformers load on first use; the same code runs on CUDA.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MAX_LENGTH = 192  # word pieces of request + document: a long request still leaves room for the film


class CrossEncoder:
    def __init__(self, model_path: Path | str, *, name: str | None = None, device: str | None = None):
        self.model_path = Path(model_path)
        self.name = name or self.model_path.name
        self.device = device
        self._loaded = None
        self._lock = threading.Lock()

    def load(self):
        """(model, tokenizer), once per process."""
        with self._lock:
            if self._loaded is None:
                import torch
                from transformers import AutoModelForSequenceClassification, AutoTokenizer

                device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
                tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
                model = AutoModelForSequenceClassification.from_pretrained(
                    self.model_path, num_labels=1, local_files_only=True
                ).to(device)
                model.eval()
                self._loaded = (model, tokenizer)
        return self._loaded

    def score(self, query: str, documents: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One relevance score (a logit: higher is better) per document for this request."""
        import torch

        model, tokenizer = self.load()
        scores = []
        for start in range(0, len(documents), batch_size):
            batch = pair_batch(tokenizer, [query] * len(documents[start : start + batch_size]),
                               documents[start : start + batch_size], model.device)  # fmt: skip
            with torch.inference_mode():
                scores.append(model(**batch).logits[:, 0].float().cpu().numpy())
        return np.concatenate(scores) if scores else np.empty(0, dtype=np.float32)


def pair_batch(tokenizer, queries: Sequence[str], documents: Sequence[str], device):
    """Tokenised (request, document) pairs; the longer of the two is cut first when a pair is too long."""
    batch = tokenizer(list(queries), list(documents), truncation="longest_first", max_length=MAX_LENGTH,
                      padding=True, return_tensors="pt")  # fmt: skip
    return {key: value.to(device) for key, value in batch.items()}
