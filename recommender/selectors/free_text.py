"""Free-text search as served: a request that describes what it wants ("a heist movie with a twist
ending", a paragraph about a rainy Sunday) rather than naming a film.

Candidates: the films nearest the whole request in the serving embedder's space (pgvector) and the
films full-text search finds for its words, both within the request's filters; fused by reciprocal
rank; the serving cross-encoder (if one is promoted) reads the first CROSS_TOP_N; the features are
blended by the weights fitted with that cross-encoder on validation requests
(recommender/engine/narrative/ranking.py); then collaborative feedback lifts the candidates that the
fans of the best five also liked (through the serving CF model; settings.SEARCH_FEEDBACK_WEIGHT).
Each hit's reason cites the film's own keywords, genres or a line of its description
(recommender/engine/narrative/reasons.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import prefetch_related_objects

from catalog.models import Movie
from recommender.engine.narrative.ranking import (
    FEEDBACK_SEEDS,
    blend,
    candidates_from,
    collaborative_feedback,
    first_stage,
)
from recommender.engine.narrative.reasons import match_reason
from recommender.engine.text.documents import origin_line
from recommender.models import MovieEmbedding
from recommender.selectors.collaborative import liked_with_above, related_by_ratings
from recommender.selectors.fulltext import fulltext_ranking
from recommender.services.registry import serving_model

# Fitted by `manage.py evaluate_narrative --dataset .../v1-seed42-t4000-u150 --bi-encoder <bundled MiniLM>
# --pipeline` with no cross-encoder, on the 869 synthetic validation requests of that data set and the
# 45 hand-written development requests, weighed equally (validation NDCG@10 0.496, development 0.425;
# test 0.529 against 0.475 for full text alone and 0.199 for MiniLM alone). Used until a cross_encoder
# version, which carries the weights fitted with it and the serving embedder, is promoted.
FITTED_WITHOUT_CROSS_ENCODER = {"dense": 1.0, "lexical": 2.0, "cross": 0.0, "quality": 0.0, "popularity": 1.0}


def free_text_rank(*, query: str, movies: list[Movie], fulltext: list[int], top_n: int | None = None):
    """(movies, scores) best first for this request. `movies` carry `closeness["text"]`, their cosine
    to the request (search._candidates); `fulltext`: full-text ranking of the catalog for the request."""
    top_n = settings.SEARCH_CROSS_TOP_N if top_n is None else top_n
    by_id = {movie.pk: movie for movie in movies}
    dense_order = sorted(by_id, key=lambda pk: (-_closeness(by_id[pk]), pk))
    allowed_fulltext = [pk for pk in fulltext if pk in by_id]
    head = first_stage(dense_order, allowed_fulltext)[:top_n]
    cross, weights = {}, FITTED_WITHOUT_CROSS_ENCODER
    served = serving_model("cross_encoder") if top_n else None
    if served is not None and head:
        version, scorer = served
        documents = dict(MovieEmbedding.objects.filter(movie_id__in=head).values_list("movie_id", "document"))
        readable = [pk for pk in head if pk in documents]
        scores = scorer.score(query, [documents[pk] for pk in readable])
        cross = dict(zip(readable, scores.tolist(), strict=True))
        weights = version.metrics.get("weights", {}).get("with_cross_encoder", weights)
    candidates = candidates_from(
        dense={pk: _closeness(movie) for pk, movie in by_id.items()},
        fulltext=allowed_fulltext,
        cross=cross,
        counts={pk: movie.rating_count for pk, movie in by_id.items()},
        means={pk: movie.rating_mean for pk, movie in by_id.items()},
    )
    scores = blend(candidates, weights)
    related = related_by_ratings(candidates.ids) if settings.SEARCH_FEEDBACK_WEIGHT else None
    if related is not None:
        scores = scores + settings.SEARCH_FEEDBACK_WEIGHT * collaborative_feedback(scores, candidates.ids, related)
    return [by_id[pk] for pk in candidates.ids], scores


def fulltext_for(query: str) -> list[int]:
    return fulltext_ranking(query, limit=settings.SEARCH_FULLTEXT_DEPTH)


def free_text_reasons(query: str, movies: list[Movie]) -> list[str]:
    """One true line per movie: what of the request its keywords, genres or description match; for a
    film whose data shares no word with the request, the film above it whose fans like it, if any."""
    prefetch_related_objects(movies, "genres")  # the rows themselves are loaded already
    titles = {movie.pk: movie.title for movie in movies}
    fans = liked_with_above(list(titles), seeds=FEEDBACK_SEEDS)
    untold = [movie.pk for movie in movies if not movie.overview]
    enriched = dict(Movie.objects.filter(pk__in=untold, enriched_description__isnull=False)
                    .values_list("pk", "enriched_description__text"))  # fmt: skip
    return [
        match_reason(
            query,
            keywords=movie.keywords or [],
            genres=[genre.name for genre in movie.genres.all()],
            description=movie.overview or enriched.get(movie.pk) or "",
            year=movie.year,
            facts=[line for line in (origin_line(movie.languages, movie.countries), movie.awards) if line],
            otherwise=f"Liked by people who liked {titles[fans[movie.pk]]}" if movie.pk in fans else "",
        )  # fmt: skip
        for movie in movies
    ]


def _closeness(movie: Movie) -> float:
    return float(getattr(movie, "closeness", {}).get("text", 0.0))
