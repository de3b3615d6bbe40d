"""Precomputed feeds: the worker writes each user's top candidates; the web only reads them."""

from __future__ import annotations

import logging
import time

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from catalog.changes import users_generation_bump
from catalog.models import Movie, PreferenceProfile
from catalog.preferences import written_preferences
from recommender.engine.cf.data import Interactions
from recommender.engine.cf.explain import CoRatings
from recommender.engine.text.exclusions import RuledOut, ruled_out
from recommender.engine.text.reason_check import CITE_MIN
from recommender.models import ModelVersion, UserFeed
from recommender.selectors.exclusions import ruled_out_movie_ids
from recommender.services.data import ratings_interactions
from recommender.services.language_feed import language_orders_fill
from recommender.services.registry import serving_model
from workers.dispatch import enqueue

logger = logging.getLogger(__name__)


def feed_refresh_for_user(*, user_id: int) -> UserFeed | None:
    """Recompute one user's candidates from their current ratings (fold-in: no retrain).

    Returns None when no model serves yet, or the user has neither ratings nor words of their own
    (the feed then shows popular movies). Someone who wrote what they like before rating anything
    gets the popular movies re-ranked by their words (see _words_feed).
    """
    serving = serving_model(settings.FEED_MODEL_KIND)
    if serving is None:
        return None
    feed_refresh_users(version_id=serving[0].pk, user_ids=[user_id])
    return UserFeed.objects.filter(user_id=user_id).first()


CO_RATINGS_MIN_AGE_S = 300
CO_RATINGS_BUILD_SHARE = 0.05  # of a worker's time, at most, spent rebuilding the table
_co_ratings_cache: dict[str, tuple[int, float, float, CoRatings]] = {}


def recent_co_ratings(version_id: int) -> CoRatings:
    """The co-like table behind the reasons, rebuilt per worker process when it is older than
    5 minutes, or than 20 times what building it took (at 25M ratings about 2.5 minutes with the
    read of every rating, so it is kept for about 50).

    Building it reads every rating; a burst of single-user refreshes would otherwise do that each
    time. Reasons may lag new ratings that long; the ranking itself never does.
    """
    cached = _co_ratings_cache.get("current")
    now = time.monotonic()
    if cached is None or cached[0] != version_id or now - cached[1] > cached[2]:
        table = CoRatings(ratings_interactions())
        took = time.monotonic() - now
        cached = (version_id, now, max(CO_RATINGS_MIN_AGE_S, took / CO_RATINGS_BUILD_SHARE), table)
        _co_ratings_cache["current"] = cached
    return cached[3]


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
    """Refresh these users' feeds (one chunk of a full refresh, or one user) and save them in one
    statement. Their own ratings and words are read now; the co-rating matrix behind the reasons
    may be a few minutes old (recent_co_ratings). Someone with neither ratings nor words of their
    own loses their stored feed (they see popular movies). Returns the number of feeds written."""
    serving = _still_serving(version_id)
    if not serving:
        return 0
    version, model = serving
    co_ratings = co_ratings or recent_co_ratings(version.pk)
    as_of = timezone.now()  # before the read: a rating made during the refresh counts as "after"
    ratings = ratings_interactions(user_ids=user_ids)
    preferences = {row[0]: row[1:] for row in PreferenceProfile.objects.filter(user_id__in=user_ids)
                   .values_list("user_id", "text", "source", "updated_at")}  # fmt: skip
    written: list[tuple[UserFeed, Interactions]] = []
    for user_id, theirs in _by_user(ratings):
        rules = ruled_out(preferences.get(user_id, ("",))[0])
        written.append((_cf_feed(user_id, theirs, as_of, version, model, co_ratings, rules), theirs))
    unrated = set(user_ids) - {feed.user_id for feed, _ in written}
    writers = written_preferences().filter(user_id__in=unrated).values_list("user_id", flat=True)
    for user_id in sorted(writers):  # wrote what they like but rated nothing yet
        rules = ruled_out(preferences[user_id][0])
        written.append((_words_feed(user_id, as_of, version, rules), Interactions.empty()))
    language_orders_fill(written, preferences)
    _feeds_save([feed for feed, _ in written], user_ids)
    return len(written)


def _by_user(ratings: Interactions):
    """(user id, that user's ratings) for each user in `ratings`, by user id."""
    order = np.argsort(ratings.user_ids, kind="stable")
    users, starts = np.unique(ratings.user_ids[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    for n, user_id in enumerate(users.tolist()):
        yield user_id, ratings.take(order[bounds[n] : bounds[n + 1]])


def _still_serving(version_id: int) -> tuple[ModelVersion, object] | None:
    serving = serving_model(settings.FEED_MODEL_KIND)
    if serving is None or serving[0].pk != version_id:
        logger.info("version %s no longer serves the feed; skipping the refresh", version_id)
        return None
    return serving


def _cf_feed(user_id: int, ratings, as_of, version, model, co_ratings: CoRatings, rules: RuledOut) -> UserFeed:
    seen = ratings.item_ids.tolist()
    candidates = model.recommend_for_ratings(
        ratings.item_ids, ratings.ratings, k=_candidates_wanted(rules), exclude_item_ids=seen
    )
    candidates = _without_ruled_out(candidates, rules)
    liked = ratings.item_ids[ratings.ratings >= CITE_MIN].tolist()  # the movies a reason may cite
    because = co_ratings.because(liked, [movie_id for movie_id, _ in candidates])
    return _unsaved_feed(user_id, len(ratings), as_of, version, candidates, because)


def _words_feed(user_id: int, as_of, version: ModelVersion, rules: RuledOut) -> UserFeed:
    """No ratings yet, but words: the most-rated movies are the candidates (ratings_seen 0 marks a
    feed built this way) and the language-aware order re-ranks them by what the user wrote."""
    popular = list(
        Movie.objects.order_by("-rating_count", "id").values_list("id", "rating_count")[: _candidates_wanted(rules)]
    )  # scored by rating count, as the words-only weights were fitted
    candidates = _without_ruled_out(popular, rules)
    return _unsaved_feed(user_id, 0, as_of, version, candidates, [None] * len(candidates))


def _candidates_wanted(rules: RuledOut) -> int:
    """Spare candidates for someone who ruled things out in words: "no drama" alone removes half."""
    return settings.FEED_CANDIDATES * (3 if rules else 1)


def _without_ruled_out(candidates: list[tuple[int, float]], rules: RuledOut) -> list[tuple[int, float]]:
    """Movies the user ruled out in words ("no horror") leave both orders here; the reader leaves
    them out too, for the moments between an edit and this refresh."""
    ruled = ruled_out_movie_ids(rules=rules, movie_ids=[movie_id for movie_id, _ in candidates])
    return [(movie_id, score) for movie_id, score in candidates if movie_id not in ruled][: settings.FEED_CANDIDATES]


def _unsaved_feed(user_id: int, ratings_seen: int, as_of, version, candidates, because) -> UserFeed:
    return UserFeed(user_id=user_id, model_version=version, movie_ids=[int(movie_id) for movie_id, _ in candidates],
                    scores=[float(score) for _, score in candidates], because_movie_ids=because,
                    ratings_seen=ratings_seen, ratings_as_of=as_of)  # fmt: skip


# The columns a refresh writes, with the types they travel in (binary COPY needs them named).
_UPLOAD_COLUMNS = {
    "user_id": "int8", "model_version_id": "int8", "movie_ids": "int8[]", "scores": "float8[]",
    "because_movie_ids": "int8[]", "ratings_seen": "int8", "ratings_as_of": "timestamptz",
    "language_version_id": "int8", "language_movie_ids": "int8[]", "language_scores": "float8[]",
    "language_reasons": "text[]", "language_note": "text", "preferences_as_of": "timestamptz",
}  # fmt: skip


def _feeds_save(feeds: list[UserFeed], user_ids: list[int]) -> None:
    """Insert or replace every feed in one statement; drop the feeds of the other users (nothing
    to go on any more). Each user's cached feed document retires once this commits.

    The rows travel by binary COPY into a temporary table: Django's bulk_create prepares each array
    element in Python, which cost 10 ms a user (two thirds of a refresh at 1M ratings)."""
    feeds = sorted(feeds, key=lambda feed: feed.user_id)  # rows locked in one order: no deadlock between chunks
    columns = ", ".join(_UPLOAD_COLUMNS)
    replaced = [column for column in _UPLOAD_COLUMNS if column != "user_id"] + ["computed_at"]
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in replaced)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE feed_upload ({', '.join(f'{c} {t}' for c, t in _UPLOAD_COLUMNS.items())})"
                       " ON COMMIT DROP")  # fmt: skip
        with cursor.copy(f"COPY feed_upload ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(list(_UPLOAD_COLUMNS.values()))
            for feed in feeds:
                copy.write_row([getattr(feed, column) for column in _UPLOAD_COLUMNS])
        cursor.execute(f"INSERT INTO {UserFeed._meta.db_table} ({columns}, computed_at) SELECT {columns}, now() "
                       f"FROM feed_upload ON CONFLICT (user_id) DO UPDATE SET {updates}")  # fmt: skip
        cursor.execute("DROP TABLE feed_upload")  # now, not at commit: a caller's transaction may save again
        UserFeed.objects.filter(user_id__in=set(user_ids) - {feed.user_id for feed in feeds}).delete()
        transaction.on_commit(lambda: users_generation_bump(user_ids))


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
