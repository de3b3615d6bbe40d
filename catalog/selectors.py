"""Reads from the catalog: movie lists with filters, a user's ratings, coverage figures."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from catalog.models import Movie, Rating

SORTS = {
    "popular": ["-rating_count", "title"],
    "title": ["title", "year"],
    "newest": ["-year", "title"],
    "top": ["-rating_mean", "-rating_count"],
}


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
    if sort == "top":
        movies = movies.filter(rating_count__gte=10)  # a mean of two ratings is not "top"
    return movies.order_by(*SORTS.get(sort, SORTS["popular"])).prefetch_related("genres")


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
