"""Reads over movie embeddings: "more like this" (pgvector, cosine; the search box is selectors/search.py).

Pure reads: a match whose LLM-written reason does not exist yet carries the metadata template and
`written=False`; the page or API that shows it asks for the missing ones explicitly
(recommender.services.reasons.similar_reasons_request).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from pgvector.django import CosineDistance

from catalog.models import Movie
from recommender.models import MovieEmbedding
from recommender.selectors.movie_text import movie_texts
from recommender.services.reasons import similar_reason, similar_reasons_cached

# HNSW visits at least this many candidates per query (pgvector's default is 40).
EF_SEARCH = 100


@dataclass(frozen=True)
class Match:
    movie: Movie
    score: float  # cosine similarity, 1 = same direction
    reason: str = ""
    written: bool = False  # the reason is the LLM's grounded sentence, not the metadata template


def _nearest(vector, *, k: int, exclude_movie_id: int):
    matches = MovieEmbedding.objects.select_related("movie").annotate(distance=CosineDistance("vector", vector))
    matches = matches.exclude(movie_id=exclude_movie_id)
    with transaction.atomic(), connection.cursor() as cursor:
        # With a filter, a plain HNSW scan can return fewer than k rows; an iterative scan keeps
        # walking the graph until k rows pass the filter (pgvector >= 0.8).
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, k)}")
        rows = list(matches.order_by("distance")[:k])
    rows.sort(key=lambda row: row.distance)  # relaxed order: re-sort the few rows exactly
    return [(row.movie, 1.0 - float(row.distance)) for row in rows]


def movies_similar_to(*, movie: Movie, k: int) -> list[Match]:
    """The k movies whose embeddings are closest to this one's, each with a reason from metadata."""
    own = MovieEmbedding.objects.filter(movie=movie).values_list("vector", flat=True).first()
    if own is None:
        return []
    nearest = _nearest(own, k=k, exclude_movie_id=movie.pk)
    other_ids = [other.pk for other, _ in nearest]
    texts = movie_texts(movie_ids=[movie.pk, *other_ids])
    written = similar_reasons_cached(movie_id=movie.pk, other_ids=other_ids)
    return [
        Match(other, score, written[other.pk], written=True)
        if other.pk in written
        else Match(other, score, similar_reason(movie, texts[movie.pk], other, texts[other.pk]))
        for other, score in nearest
    ]
