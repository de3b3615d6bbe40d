"""Movie embeddings in pgvector: which movies need (re-)embedding, and writing them in batches."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from recommender.engine.text.documents import document_hash, movie_document
from recommender.engine.text.embedder import Embedder
from recommender.models import ModelVersion, MovieEmbedding
from recommender.selectors.movie_text import movie_texts
from workers.dispatch import enqueue

logger = logging.getLogger(__name__)

BATCH = 256  # movies per committed batch: an interrupted refresh resumes where it stopped

_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


def embedder() -> Embedder:
    """The process-wide embedder: the serving "embedder" version, else the configured default.

    One cheap query per call notices a promotion, so web and worker processes switch without a
    restart (as registry.serving_model does); the model itself loads on first use, then stays.
    A promotion changes the name, hence every document hash, so the next embeddings_refresh
    re-embeds every movie. Until it has, stored vectors from the old model sit beside new ones and
    queries are embedded by the new model: both start from the same base with a small learning
    rate, so the spaces stay close, but scores are only fully comparable once the refresh is done.
    """
    global _embedder
    path, name = embedder_source()
    with _embedder_lock:
        if _embedder is None or (_embedder.model_path, _embedder.name) != (path, name):
            _embedder = Embedder(path, name=name)
        return _embedder


def embedder_source() -> tuple[Path | None, str]:
    """(model folder, name) of the embedder that should serve now; None = the bundled MiniLM."""
    version = ModelVersion.objects.filter(kind="embedder", is_serving=True).only("artifact_dir").first()
    if version is not None:
        return Path(settings.MODEL_DIR) / version.artifact_dir, f"embedder-v{version.pk}"
    configured = settings.EMBEDDING_MODEL_PATH
    return (Path(configured) if configured else None), settings.EMBEDDING_MODEL_NAME


@dataclass(frozen=True)
class EmbeddingRefresh:
    checked: int
    embedded: int
    seconds: float

    @property
    def per_minute(self) -> float:
        return self.embedded / self.seconds * 60 if self.seconds else 0.0


def embeddings_refresh(*, movie_ids: list[int] | None = None, progress=None) -> EmbeddingRefresh:
    """Embed every movie whose document (or the model) changed since it was last embedded."""
    started = time.perf_counter()
    model = embedder()  # one model for the whole refresh, even if a promotion lands meanwhile
    model_name = model.name
    documents = {movie_id: movie_document(text) for movie_id, text in movie_texts(movie_ids=movie_ids).items()}
    hashes = {movie_id: document_hash(document, model_name) for movie_id, document in documents.items()}
    current = dict(MovieEmbedding.objects.filter(movie_id__in=list(documents)).values_list("movie_id", "document_hash"))
    stale = [movie_id for movie_id, digest in hashes.items() if current.get(movie_id) != digest]
    stale.sort(key=lambda movie_id: len(documents[movie_id]))  # similar lengths per batch: less padding
    done = 0
    for start in range(0, len(stale), BATCH):
        batch = stale[start : start + BATCH]
        vectors = model.encode([documents[movie_id] for movie_id in batch])
        MovieEmbedding.objects.bulk_create(
            [
                MovieEmbedding(
                    movie_id=movie_id,
                    vector=vector,
                    model_name=model_name,
                    document=documents[movie_id],
                    document_hash=hashes[movie_id],
                )
                for movie_id, vector in zip(batch, vectors, strict=True)
            ],  # fmt: skip
            update_conflicts=True,
            unique_fields=["movie"],
            update_fields=["vector", "model_name", "document", "document_hash", "updated_at"],
        )
        done += len(batch)
        if progress:
            progress(done, len(stale))
    return EmbeddingRefresh(checked=len(documents), embedded=len(stale), seconds=time.perf_counter() - started)


def embeddings_follow_promotion(version: ModelVersion) -> None:
    """After-promotion hook of the embedder kind: the new name changes every document hash, so the
    refresh re-embeds the whole catalog (gpu queue), once the promotion is committed and a worker
    sees the new serving version."""
    enqueue("workers.embeddings_refresh")
