"""Movie embeddings in pgvector: which movies need (re-)embedding, and writing them in batches."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q

from catalog.models import Movie
from recommender.engine.embedder import Embedder
from recommender.engine.text import MovieText, document_hash, movie_document
from recommender.models import MovieEmbedding

logger = logging.getLogger(__name__)

BATCH = 256  # movies per committed batch: an interrupted refresh resumes where it stopped

_embedder: Embedder | None = None
_embedder_lock = threading.Lock()


def embedder() -> Embedder:
    """The process-wide embedder (the model loads on first use, then stays)."""
    global _embedder
    with _embedder_lock:
        if _embedder is None:
            _embedder = Embedder(settings.EMBEDDING_MODEL_PATH, name=settings.EMBEDDING_MODEL_NAME)
        return _embedder


def movie_texts(*, movie_ids: list[int] | None = None) -> dict[int, MovieText]:
    movies = Movie.objects.all() if movie_ids is None else Movie.objects.filter(id__in=movie_ids)
    rows = movies.annotate(
        genre_names=ArrayAgg("genres__name", distinct=True, filter=Q(genres__isnull=False), default=[]),
        director_names=ArrayAgg("credits__person__name", distinct=True, filter=Q(credits__role="director"), default=[]),
    ).values_list("id", "title", "year", "overview", "tagline", "keywords", "genre_names", "director_names")
    return {
        movie_id: MovieText(title, year, sorted(genres), overview, tagline, list(keywords or []), [], sorted(directors))
        for movie_id, title, year, overview, tagline, keywords, genres, directors in rows
    }


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
    model_name = settings.EMBEDDING_MODEL_NAME
    documents = {movie_id: movie_document(text) for movie_id, text in movie_texts(movie_ids=movie_ids).items()}
    hashes = {movie_id: document_hash(document, model_name) for movie_id, document in documents.items()}
    current = dict(MovieEmbedding.objects.filter(movie_id__in=list(documents)).values_list("movie_id", "document_hash"))
    stale = [movie_id for movie_id, digest in hashes.items() if current.get(movie_id) != digest]
    stale.sort(key=lambda movie_id: len(documents[movie_id]))  # similar lengths per batch: less padding
    done = 0
    for start in range(0, len(stale), BATCH):
        batch = stale[start : start + BATCH]
        vectors = embedder().encode([documents[movie_id] for movie_id in batch])
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
