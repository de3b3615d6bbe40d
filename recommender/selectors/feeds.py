"""Reads for the recommender: the feed a user sees, and onboarding choices."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db.models import Q, Value

from catalog.changes import user_generation
from catalog.models import Genre, Movie, NotInterested, PreferenceProfile, Rating
from recommender.engine.text.reason_check import CITE_MIN, co_liked_reason
from recommender.models import UserFeed
from recommender.selectors.exclusions import ruled_out_filter, ruled_out_movie_ids, user_ruled_out
from recommender.selectors.predicted import predicted_stars

FEED_MAX_K = 100
FEED_CACHE_SECONDS = 600

ONBOARDING_GENRES = ["Action", "Comedy", "Drama", "Sci-Fi", "Romance", "Animation", "Horror", "Crime"]


@dataclass(frozen=True)
class FeedMovie:
    id: int
    title: str
    year: int | None
    genres: list[str]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass
class FeedItem:
    movie: FeedMovie
    score: float
    sources: dict[str, float]
    explanation: str
    predicted_rating: float | None = None  # the user's predicted stars (selectors/predicted.py), when known


RANKINGS = ("language", "classic")  # language-aware (the default once a re-ranker serves) or CF only


@dataclass
class Feed:
    model_version: str
    personal: bool
    updating: bool  # ratings or preferences changed since the feed was computed; a refresh is on its way
    ranking: str = "classic"  # the order actually shown
    note: str = ""  # why the language-aware order is not shown, when it was asked for
    items: list[FeedItem] = field(default_factory=list)
    ruled_out: str = ""  # what the user's words rule out of every order, for people ("horror and violence")


def feed_document(*, user, k: int, ranking: str = "language") -> dict:
    """The feed as the API returns it, kept in Redis per user until their ratings or candidates change.

    The cache key carries the user's generation (catalog/changes.py), which moves on after every
    commit that changes their ratings, words, marks or feed, so a reader racing a change can only
    fill an old key, never serve a stale feed.
    """
    generation = user_generation(user.pk)
    key = f"feed:{user.pk}:{generation}:{k}:{ranking}"
    document = cache.get(key)
    if document is None:
        document = asdict(feed_for_user(user=user, k=k, ranking=ranking))
        document["results"] = document.pop("items")
        cache.set(key, document, FEED_CACHE_SECONDS)
    return document


# Every column either order may read, loaded in the one query: a deferred column would be read
# later, from a row a refresh may have rewritten in between (arrays of different lengths).
# A language request falls back to the classic order while no language order is stored.
_CLASSIC_COLUMNS = ("user_id", "movie_ids", "scores", "because_movie_ids", "ratings_seen", "ratings_as_of",
                    "language_note", "model_version__kind")  # fmt: skip
_LANGUAGE_COLUMNS = (*_CLASSIC_COLUMNS, "language_movie_ids", "language_scores", "language_reasons",
                     "language_version", "preferences_as_of")  # fmt: skip


def feed_for_user(*, user, k: int, ranking: str = "language") -> Feed:
    """The user's top-k unseen movies from the precomputed candidates, or popular ones before any,
    each with the user's predicted stars when the serving SVD knows the movie.

    `ranking` "language" shows the language-aware order when the worker has written one, else the
    CF order with a note saying why. Movies the user marked "not interested" never show.
    This is the hot path of the feed endpoint: a few small queries, only the columns shown.
    """
    if ranking not in RANKINGS:
        raise ValueError(f"ranking must be one of {RANKINGS}")
    rules = user_ruled_out(user_id=user.pk)
    feed = _ordered_feed(user, k, ranking, rules)
    feed.ruled_out = rules.describe() if rules else ""
    stars = predicted_stars(user=user, movie_ids=[item.movie.id for item in feed.items])
    for item in feed.items:
        item.predicted_rating = stars.get(item.movie.id)
    return feed


def _ordered_feed(user, k: int, ranking: str, rules) -> Feed:
    # Only the columns this order shows (the language arrays hold reasons: no need to ship them for classic).
    columns = _CLASSIC_COLUMNS if ranking == "classic" else _LANGUAGE_COLUMNS
    feed = UserFeed.objects.filter(user=user).select_related("model_version").only(*columns).first()
    rated_count = Rating.objects.filter(user=user).count()
    dismissed = set(NotInterested.objects.filter(user=user).values_list("movie_id", flat=True))
    if feed is not None and rules:  # the stored orders leave these out already, unless the words just changed
        # (the language order re-ranks the CF candidates: their ids cover both orders)
        dismissed |= ruled_out_movie_ids(rules=rules, movie_ids=feed.movie_ids)
    if ranking == "language" and feed is not None and feed.language_movie_ids:
        return _language_feed(user, feed, k, rated_count, dismissed)
    if feed is None or feed.ratings_seen == 0:  # no feed, or one built on words alone: its CF order is popularity
        popular = _popular_feed(user, k, rated_count, dismissed, rules)
        if feed is not None and ranking == "language":
            popular.note = feed.language_note or "the language-aware order is being computed"
        return popular
    # Candidates exclude what the user had rated when they were computed; only later ratings can
    # still hide one. A few spare candidates cover those, and the cited movies' ratings come along.
    spare = k + max(rated_count - feed.ratings_seen, 0) + 10
    cited = {because for because in feed.because_movie_ids[:spare] if because}
    recent = Rating.objects.filter(user=user).filter(Q(rated_at__gte=feed.ratings_as_of) | Q(movie_id__in=cited))
    ratings, hidden = {}, set()
    for movie_id, value, rated_at in recent.values_list("movie_id", "value", "rated_at"):
        ratings[movie_id] = value
        if rated_at >= feed.ratings_as_of:
            hidden.add(movie_id)
    hidden |= dismissed
    chosen = [
        (movie_id, score, because)
        for movie_id, score, because in zip(feed.movie_ids, feed.scores, feed.because_movie_ids, strict=True)
        if movie_id not in hidden
    ][:k]
    movies = _movies({movie_id for movie_id, _, _ in chosen} | {because for _, _, because in chosen if because})
    items = [
        FeedItem(movies[movie_id], score, {"cf": score}, _because_text(movies.get(because), ratings.get(because)))
        for movie_id, score, because in chosen
        if movie_id in movies
    ]
    version = feed.model_version
    note = "" if ranking == "classic" else (feed.language_note or "the language-aware order is being computed")
    return Feed(f"{version.kind}-v{version.pk}", True, feed.ratings_seen != rated_count, "classic", note, items)


def _language_feed(user, feed: UserFeed, k: int, rated_count: int, dismissed: set[int]) -> Feed:
    """The language-aware order; ratings made since it was computed hide their movies at once."""
    hidden = set(Rating.objects.filter(user=user, rated_at__gte=feed.ratings_as_of).values_list("movie_id", flat=True))
    hidden |= dismissed
    cf_scores = dict(zip(feed.movie_ids, feed.scores, strict=True))
    chosen = [
        (movie_id, score, reason)
        for movie_id, score, reason in zip(feed.language_movie_ids, feed.language_scores, feed.language_reasons,
                                           strict=True)
        if movie_id not in hidden
    ][:k]  # fmt: skip
    movies = _movies({movie_id for movie_id, _, _ in chosen})
    items = [
        FeedItem(movies[movie_id], score, {"language": score, "cf": cf_scores.get(movie_id, 0.0)}, reason)
        for movie_id, score, reason in chosen
        if movie_id in movies
    ]
    updating = feed.ratings_seen != rated_count or not language_feed_is_current(feed)
    # ratings_seen 0: the candidates were the most-rated movies, re-ranked by the user's words alone.
    candidates = "popularity" if feed.ratings_seen == 0 else f"{feed.model_version.kind}-v{feed.model_version_id}"
    return Feed(f"{candidates}+reranker-v{feed.language_version_id}", True, updating, "language", "", items)


def language_feed_is_current(feed: UserFeed) -> bool:
    """False while a preference edit has not reached the stored order yet (the page says so)."""
    updated = PreferenceProfile.objects.filter(user_id=feed.user_id).values_list("updated_at", flat=True).first()
    return updated is None or (feed.preferences_as_of is not None and feed.preferences_as_of >= updated)


def _movies(ids: set[int]) -> dict[int, FeedMovie]:
    rows = (
        Movie.objects.filter(id__in=ids)
        .annotate(genre_names=ArrayAgg("genres__name", filter=Q(genres__isnull=False), order_by="genres__name",
                                       default=Value([])))
        .values_list("id", "title", "year", "genre_names")
    )  # fmt: skip
    return {row[0]: FeedMovie(*row) for row in rows}


def _because_text(movie: FeedMovie | None, value) -> str:
    # The cited movie was liked when the candidates were computed; a rating lowered since is no reason.
    if movie is None or value is None or value < CITE_MIN:
        return "Recommended from the ratings of people with tastes like yours."
    return co_liked_reason(str(movie), value)


def _popular_feed(user, k: int, rated_count: int, dismissed: set[int], rules) -> Feed:
    rated = Rating.objects.filter(user=user).values("movie_id")
    unseen = Movie.objects.exclude(id__in=rated).exclude(id__in=dismissed)
    if rules:
        unseen = unseen.exclude(ruled_out_filter(rules))
    top = list(unseen.order_by("-rating_count", "id").values_list("id", "rating_count", "rating_mean")[:k])
    movies = _movies({movie_id for movie_id, _, _ in top})
    items = [
        FeedItem(movies[movie_id], float(count), {"popularity": float(count)},
                 f"Popular with CineMatch members: {count} ratings, {mean or 0:.1f} stars on average.")
        for movie_id, count, mean in top
    ]  # fmt: skip
    return Feed("popularity", False, rated_count > 0, "classic", "", items)


def onboarding_groups(*, user, per_group: int = 6, skipped: set[int] = frozenset()) -> list[tuple[str, list[Movie]]]:
    """Popular movies grouped by genre, each movie in one group only, none the user has rated or skipped
    ("haven't seen it") or ruled out in words: a skipped movie's place goes to the next most rated one
    of its genre."""
    rated = set(Rating.objects.filter(user=user).values_list("movie_id", flat=True)) if user.is_authenticated else set()
    used: set[int] = rated | set(skipped)
    rules = user_ruled_out(user_id=user.pk) if user.is_authenticated else None
    groups = []
    for genre in Genre.objects.filter(name__in=ONBOARDING_GENRES):
        if rules and frozenset({genre.name}) in rules.genre_sets:
            continue  # "no horror": no Horror group to rate
        candidates = genre.movies.order_by("-rating_count", "id")
        if rules:
            candidates = candidates.exclude(ruled_out_filter(rules))
        movies = []
        for movie in candidates.prefetch_related("genres")[: per_group * 4]:
            if movie.id not in used:
                used.add(movie.id)
                movies.append(movie)
            if len(movies) == per_group:
                break
        groups.append((genre.name, movies))
    order = {name: n for n, name in enumerate(ONBOARDING_GENRES)}
    return sorted(groups, key=lambda group: order[group[0]])
