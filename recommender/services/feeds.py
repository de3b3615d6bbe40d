"""Precomputed feeds: the worker writes each user's top candidates; the web only reads them."""

from __future__ import annotations

import logging
import time

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from catalog.changes import user_generation_bump
from catalog.models import Movie
from catalog.preferences import written_preferences
from recommender.engine.cf.data import Interactions
from recommender.engine.cf.explain import CoRatings
from recommender.engine.text.exclusions import RuledOut
from recommender.engine.text.reason_check import CITE_MIN
from recommender.models import ModelVersion, UserFeed
from recommender.selectors.exclusions import ruled_out_movie_ids, user_ruled_out
from recommender.services.data import ratings_interactions
from recommender.services.language_feed import language_order_write
from recommender.services.registry import serving_model
from workers.dispatch import enqueue

logger = logging.getLogger(__name__)


def feed_refresh_for_user(*, user_id: int, co_ratings: CoRatings | None = None) -> UserFeed | None:
    """Recompute one user's candidates from their current ratings (fold-in: no retrain).

    Returns None when no model serves yet, or the user has neither ratings nor words of their own
    (the feed then shows popular movies). Someone who wrote what they like before rating anything
    gets the popular movies re-ranked by their words (see _words_feed_write).
    """
    serving = serving_model(settings.FEED_MODEL_KIND)
    if serving is None:
        return None
    version, model = serving
    as_of = timezone.now()  # before the read: a rating made during the refresh counts as "after"
    ratings = ratings_interactions(user_id=user_id)
    if len(ratings) == 0:
        if written_preferences().filter(user_id=user_id).exists():
            return _words_feed_write(user_id, ratings, as_of, version)
        UserFeed.objects.filter(user_id=user_id).delete()
        user_generation_bump(user_id)  # the cached feed document retires
        return None
    return _feed_write(user_id, ratings, as_of, version, model, co_ratings or _recent_co_ratings(version.pk))


CO_RATINGS_MAX_AGE_S = 300
_co_ratings_cache: dict[str, tuple[int, float, CoRatings]] = {}


def _recent_co_ratings(version_id: int) -> CoRatings:
    """The co-rating matrix for explanations, rebuilt at most every few minutes per worker process.

    Building it reads every rating; a burst of single-user refreshes would otherwise do that each
    time. Reasons may lag new ratings by a few minutes; the ranking itself never does.
    """
    cached = _co_ratings_cache.get("current")
    now = time.monotonic()
    if cached is None or cached[0] != version_id or now - cached[1] > CO_RATINGS_MAX_AGE_S:
        cached = (version_id, now, CoRatings(ratings_interactions()))
        _co_ratings_cache["current"] = cached
    return cached[2]


def feed_refresh_user_chunks(*, chunk: int | None = None) -> list[list[int]]:
    """Everyone a full refresh writes, in chunks (FEED_REFRESH_CHUNK_USERS), each user in exactly
    one: raters, then people who wrote what they like but rated nothing yet."""
    chunk = chunk or settings.FEED_REFRESH_CHUNK_USERS
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT user_id FROM catalog_rating ORDER BY user_id")
        raters = [row[0] for row in cursor.fetchall()]
    writers = sorted(set(written_preferences().values_list("user_id", flat=True)) - set(raters))
    everyone = raters + writers
    return [everyone[start : start + chunk] for start in range(0, len(everyone), chunk)]


def feed_refresh_all(*, version_id: int, progress=None) -> int:
    """Refresh every feed in this process, chunk by chunk (a worker spreads the chunks instead:
    workers.feed_refresh_all). Returns the number of feeds written."""
    if not _still_serving(version_id):
        return 0
    chunks = feed_refresh_user_chunks()
    co_ratings = CoRatings(ratings_interactions())  # one fresh read for the whole refresh
    written, total = 0, sum(map(len, chunks))
    for chunk in chunks:
        written += feed_refresh_users(version_id=version_id, user_ids=chunk, co_ratings=co_ratings)
        if progress:
            progress(written, total)
    return written


def feed_refresh_users(*, version_id: int, user_ids: list[int], co_ratings: CoRatings | None = None) -> int:
    """Refresh these users' feeds (one chunk of a full refresh). Their own ratings are read now;
    the co-rating matrix behind the reasons may be a few minutes old (_recent_co_ratings)."""
    serving = _still_serving(version_id)
    if not serving:
        return 0
    version, model = serving
    co_ratings = co_ratings or _recent_co_ratings(version.pk)
    as_of = timezone.now()  # before the read: a rating made during the refresh counts as "after"
    ratings = ratings_interactions(user_ids=user_ids)
    order = np.argsort(ratings.user_ids, kind="stable")
    raters, starts = np.unique(ratings.user_ids[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    for n, user_id in enumerate(raters.tolist()):
        _feed_write(user_id, ratings.take(order[bounds[n] : bounds[n + 1]]), as_of, version, model, co_ratings)
    unrated = sorted(set(user_ids) - set(raters.tolist()))
    writers = set(written_preferences().filter(user_id__in=unrated).values_list("user_id", flat=True))
    for user_id in unrated:
        if user_id in writers:  # wrote what they like but rated nothing yet
            _words_feed_write(user_id, Interactions.empty(), as_of, version)
    return len(raters) + len(writers)


def _still_serving(version_id: int) -> tuple[ModelVersion, object] | None:
    serving = serving_model(settings.FEED_MODEL_KIND)
    if serving is None or serving[0].pk != version_id:
        logger.info("version %s no longer serves the feed; skipping the refresh", version_id)
        return None
    return serving


def _feed_write(user_id: int, ratings, as_of, version: ModelVersion, model, co_ratings: CoRatings) -> UserFeed:
    seen = ratings.item_ids.tolist()
    rules = user_ruled_out(user_id=user_id)
    candidates = model.recommend_for_ratings(
        ratings.item_ids, ratings.ratings, k=_candidates_wanted(rules), exclude_item_ids=seen
    )
    movie_ids = [int(item) for item, _ in candidates]
    liked = ratings.item_ids[ratings.ratings >= CITE_MIN].tolist()  # the movies a reason may cite
    because = co_ratings.because(liked, movie_ids)
    return _feed_store(user_id, ratings, as_of, version, candidates, because, rules)


def _words_feed_write(user_id: int, ratings, as_of, version: ModelVersion) -> UserFeed:
    """No ratings yet, but words: the most-rated movies are the candidates (ratings_seen 0 marks a
    feed built this way) and the language-aware order re-ranks them by what the user wrote."""
    rules = user_ruled_out(user_id=user_id)
    popular = list(
        Movie.objects.order_by("-rating_count", "id").values_list("id", "rating_count")[: _candidates_wanted(rules)]
    )  # scored by rating count, as the words-only weights were fitted
    return _feed_store(user_id, ratings, as_of, version, popular, [None] * len(popular), rules)


def _candidates_wanted(rules: RuledOut) -> int:
    """Spare candidates for someone who ruled things out in words: "no drama" alone removes half."""
    return settings.FEED_CANDIDATES * (3 if rules else 1)


def _feed_store(user_id: int, ratings, as_of, version: ModelVersion, candidates, because, rules: RuledOut) -> UserFeed:
    """Save the CF order ((movie id, score) pairs) and its reasons, then the language-aware order beside it.

    Movies the user ruled out in words ("no horror") are left out of both orders here; the reader
    leaves them out too, for the moments between an edit and this refresh."""
    ruled = ruled_out_movie_ids(rules=rules, movie_ids=[movie_id for movie_id, _ in candidates])
    kept = [n for n, (movie_id, _) in enumerate(candidates) if movie_id not in ruled][: settings.FEED_CANDIDATES]
    candidates, because = [candidates[n] for n in kept], [because[n] for n in kept]
    with transaction.atomic():
        feed, _ = UserFeed.objects.update_or_create(
            user_id=user_id,
            defaults={
                "model_version": version,
                "movie_ids": [int(movie_id) for movie_id, _ in candidates],
                "scores": [float(score) for _, score in candidates],
                "because_movie_ids": because,
                "ratings_seen": len(ratings),
                "ratings_as_of": as_of,
            },
        )
        language_order_write(feed=feed, ratings=ratings)
        transaction.on_commit(lambda: user_generation_bump(user_id))  # the cached feed document retires
    return feed


DEBOUNCE_SECONDS = 2


def feed_refresh_schedule(*, user_id: int) -> None:
    """Ask a worker to refresh the user's feed soon; many ratings in a burst cost one refresh.

    The task clears the marker before it reads the ratings, so a rating made while it runs
    schedules another refresh: none is lost. (The cached feed was retired when the change
    committed: catalog/changes.py.)
    """
    # A lost message is only logged (enqueue does): the rating is saved either way, and the next
    # rating or promotion refreshes the feed.
    if cache.add(f"feed-refresh:{user_id}", 1, timeout=DEBOUNCE_SECONDS * 5):
        enqueue("workers.feed_refresh_user", args=[user_id], countdown=DEBOUNCE_SECONDS)


def feeds_follow_promotion(version: ModelVersion) -> None:
    """After-promotion hook (recommender/kinds.py): every feed is rewritten once the promotion commits.

    A new version of the feed's model kind rewrites the candidates; a new re-ranker rewrites the
    language order of the serving feed version's candidates; any other kind changes no feed.
    """
    if version.kind == "reranker":
        version = ModelVersion.objects.filter(kind=settings.FEED_MODEL_KIND, is_serving=True).first()
    elif version.kind != settings.FEED_MODEL_KIND:
        return
    if version is not None:
        enqueue("workers.feed_refresh_all", args=[version.pk])


def feed_refresh_marker_clear(*, user_id: int) -> None:
    cache.delete(f"feed-refresh:{user_id}")
