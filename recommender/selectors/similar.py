"""More like this: the nearest movies by meaning (pgvector, cosine) and by co-likes (the ratings),
blended as recommender/engine/similar.py says. The search box is selectors/search.py.

Pure reads: a match whose LLM-written reason does not exist yet carries the metadata template and
`written=False`; the page or API that shows it asks for the missing ones explicitly
(recommender.services.reasons.similar_reasons_request).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from pgvector.django import CosineDistance

from catalog.models import Movie
from recommender.engine.similar import LIKED, MIN_SHARED_LIKERS, blend_neighbours, co_like_scores
from recommender.models import MovieEmbedding
from recommender.selectors.movie_text import movie_texts
from recommender.services.reasons import co_liked_reason, similar_reason, similar_reasons_cached

# HNSW visits at least this many candidates per query (pgvector's default is 40).
EF_SEARCH = 100
POOL = 50  # candidates taken from each signal before the blend
# Co-likes are counted over a movie's biggest fans only (its highest ratings first, read straight off
# the (movie, value) index): a popular movie has tens of thousands of likers at ml-25m's size, and
# reading them all took 0.8 s a query there; 300 take 50-200 ms and already say what its audience
# enjoys. The result is cached for CO_LIKES_CACHE_S, so a movie page pays it once in ten minutes; a
# count shown in a reason ("32 people who liked Heat...") is at most that old.
LIKERS_SAMPLE = 300
CO_LIKES_KEPT = 300  # the most co-liked movies kept per movie (the search box takes up to NEAREST=300)
CO_LIKES_CACHE_S = 600


@dataclass(frozen=True)
class Match:
    movie: Movie
    score: float  # the blend of meaning and co-likes (recommender/engine/similar.py)
    reason: str = ""
    written: bool = False  # the reason is the LLM's grounded sentence, not the metadata template
    from_audience: bool = False  # the reason counts the people who liked both (no LLM sentence wanted)

    @property
    def wants_written_reason(self) -> bool:
        return not (self.written or self.from_audience)


def _nearest(vector, *, k: int, exclude_movie_id: int) -> dict[int, float]:
    """{movie id: cosine} of the k movies nearest to vector in meaning."""
    matches = MovieEmbedding.objects.exclude(movie_id=exclude_movie_id)
    matches = matches.annotate(distance=CosineDistance("vector", vector)).order_by("distance")
    with transaction.atomic(), connection.cursor() as cursor:
        # With a filter, a plain HNSW scan can return fewer than k rows; an iterative scan keeps
        # walking the graph until k rows pass the filter (pgvector >= 0.8).
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, k)}")
        rows = list(matches.values_list("movie_id", "distance")[:k])
    return {movie_id: 1.0 - float(distance) for movie_id, distance in rows}


def co_liked_counts(movie_id: int) -> tuple[dict[int, int], int]:
    """({other movie: how many of this movie's biggest fans liked it too}, how many fans were read)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH likers AS (
                SELECT user_id FROM catalog_rating WHERE movie_id = %(movie)s AND value >= %(liked)s
                ORDER BY value DESC LIMIT %(sample)s
            )
            SELECT rating.movie_id, count(*) FROM catalog_rating rating JOIN likers USING (user_id)
            WHERE rating.value >= %(liked)s AND rating.movie_id <> %(movie)s
            GROUP BY rating.movie_id HAVING count(*) >= %(least)s
            UNION ALL SELECT NULL, count(*) FROM likers
            """,
            {"movie": movie_id, "liked": LIKED, "sample": LIKERS_SAMPLE, "least": MIN_SHARED_LIKERS},
        )
        rows = cursor.fetchall()
    shared = {movie_id: count for movie_id, count in rows if movie_id is not None}
    likers = next(count for movie_id, count in rows if movie_id is None)
    return shared, likers


def co_likes(movie_id: int, *, limit: int) -> tuple[dict[int, int], dict[int, float]]:
    """(shared likers, co-like score) of the `limit` (at most CO_LIKES_KEPT) movies most co-liked with
    this one, best first."""
    key = f"co-likes:{movie_id}"
    cached = cache.get(key)
    if cached is None:
        shared, likers = co_liked_counts(movie_id)
        rated = dict(Movie.objects.filter(pk__in=list(shared)).values_list("pk", "rating_count"))
        best = sorted(co_like_scores(shared, likers, rated).items(), key=lambda item: -item[1])[:CO_LIKES_KEPT]
        cached = [(other, shared[other], score) for other, score in best]
        cache.set(key, cached, CO_LIKES_CACHE_S)
    kept = cached[:limit]
    return {other: count for other, count, _ in kept}, {other: score for other, _, score in kept}


def movies_similar_to(*, movie: Movie, k: int) -> list[Match]:
    """The k movies most like this one by meaning and by who liked them, each with a true reason."""
    own = MovieEmbedding.objects.filter(movie=movie).values_list("vector", flat=True).first()
    meaning = {} if own is None else _nearest(own, k=max(POOL, k), exclude_movie_id=movie.pk)
    shared, co_like = co_likes(movie.pk, limit=max(POOL, k))
    missing = [movie_id for movie_id in co_like if movie_id not in meaning]
    if own is not None and missing:  # every candidate gets both scores
        closeness = MovieEmbedding.objects.filter(movie_id__in=missing).annotate(distance=CosineDistance("vector", own))
        meaning |= {
            movie_id: 1.0 - float(distance) for movie_id, distance in closeness.values_list("movie_id", "distance")
        }
    neighbours = blend_neighbours(meaning, co_like, shared, k)
    movies = Movie.objects.in_bulk([n.movie_id for n in neighbours])
    texts = movie_texts(movie_ids=[movie.pk, *movies])
    written = similar_reasons_cached(movie_id=movie.pk, other_ids=list(movies))
    matches = []
    for n in neighbours:
        other = movies[n.movie_id]
        if n.shared_likers:  # the audience is the reason; what the two share, when they share something
            reason = co_liked_reason(movie, texts[movie.pk], other, texts[other.pk], n.shared_likers)
            matches.append(Match(other, n.score, reason, from_audience=True))
        elif other.pk in written:
            matches.append(Match(other, n.score, written[other.pk], written=True))
        else:
            matches.append(Match(other, n.score, similar_reason(movie, texts[movie.pk], other, texts[other.pk])))
    return matches
