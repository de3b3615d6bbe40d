"""Reads from the catalog: movie lists with filters, a user's ratings, coverage figures."""

from __future__ import annotations

from django.db.models import CharField, Count, ExpressionWrapper, F, FloatField, Func, Q, QuerySet, Sum, Value
from django.db.models.functions import Lower

from catalog.models import Movie, Rating

SORTS = ("popular", "title", "newest", "top")
# "Highest rated": the mean damped toward the catalog's mean by this many ratings (a Bayesian
# average), among movies with at least TOP_MIN_RATINGS. Eleven 5-star ratings no longer outrank
# The Godfather's hundreds of 4.5s.
TOP_DAMPING = 25
TOP_MIN_RATINGS = 10
# Titles sort as a library shelves them: leading punctuation and an English article do not count
# ('"Great Performances" Cats' under G, 'The Godfather' under G).
_SORT_TITLE = r"^[^[:alnum:]]*((the|a|an)[[:space:]]+)?[^[:alnum:]]*"


def _sort_title():
    return Func(Lower("title"), Value(_SORT_TITLE), Value(""), function="regexp_replace", output_field=CharField())


def _damped_mean():
    prior = Movie.objects.filter(rating_count__gt=0, rating_mean__isnull=False).aggregate(
        total=Sum(F("rating_mean") * F("rating_count")), count=Sum("rating_count")
    )
    mean = prior["total"] / prior["count"] if prior["count"] else 3.0  # no ratings yet: the middle of the scale
    return ExpressionWrapper(
        (F("rating_mean") * F("rating_count") + mean * TOP_DAMPING) / (F("rating_count") + TOP_DAMPING),
        output_field=FloatField(),
    )


def movie_list(
    *, search: str = "", genre: str = "", decade: int | None = None, sort: str = "popular"
) -> QuerySet[Movie]:
    """Movies matching every word of `search` in the title, a genre name and a decade (e.g. 1990)."""
    movies = Movie.objects.all()
    for word in search.split():
        movies = movies.filter(title__icontains=word)
    if genre:
        movies = movies.filter(genres__name__iexact=genre)
    if decade is not None:
        movies = movies.filter(year__gte=decade, year__lt=decade + 10)
    if sort == "title":
        movies = movies.annotate(sort_title=_sort_title()).order_by("sort_title", "year", "id")
    elif sort == "newest":  # a movie without a year (an untitled MovieLens row) comes last, not first
        movies = movies.order_by(F("year").desc(nulls_last=True), "title", "id")
    elif sort == "top":
        movies = movies.filter(rating_count__gte=TOP_MIN_RATINGS).annotate(damped=_damped_mean())
        movies = movies.order_by("-damped", "-rating_count", "id")
    else:
        movies = movies.order_by("-rating_count", "title", "id")
    return movies.prefetch_related("genres")


def movie_detail(*, movie_id: int) -> Movie:
    return Movie.objects.prefetch_related("genres", "credits__person").get(pk=movie_id)


def user_ratings(*, user) -> QuerySet[Rating]:
    return Rating.objects.filter(user=user).select_related("movie").order_by("-rated_at")


def user_rating_for(*, user, movie: Movie) -> Rating | None:
    if not user.is_authenticated:
        return None
    return Rating.objects.filter(user=user, movie=movie).first()


def catalog_coverage() -> dict[str, int]:
    """How much of the catalog (and of its ratings) has a plot overview."""
    has_overview = ~Q(overview="")
    movies = Movie.objects.aggregate(
        movies=Count("id"),
        with_overview=Count("id", filter=has_overview),
        ratings=Sum("rating_count"),
        ratings_with_overview=Sum("rating_count", filter=has_overview),
    )
    return {key: value or 0 for key, value in movies.items()}


def decade_parse(raw: str) -> int | None:
    """'1990' -> 1990; anything that is not a year ending in 0 -> None (no decade filter)."""
    raw = raw.strip()
    return int(raw) if raw.isdigit() and int(raw) % 10 == 0 else None


def decades() -> list[int]:
    years = Movie.objects.exclude(year=None).values_list("year", flat=True).distinct()
    return sorted({year - year % 10 for year in years}, reverse=True)
