"""Reads from the catalog: movie lists with filters, a user's ratings, coverage figures."""

from __future__ import annotations

from django.db.models import CharField, Count, ExpressionWrapper, F, FloatField, Func, Q, QuerySet, Sum, Value
from django.db.models.functions import Lower

from catalog.models import Credit, Movie, Person, Rating

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


def cast_in_billing_order(*, credits: list) -> list[Person]:
    """The cast as billed. TMDB credits carry billing order (and characters): kept. The OMDb table
    lists cast alphabetically, so there the actors whose films the catalog's members rated most
    lead (De Niro and Pacino before Amy Brenneman in Heat): the closest stand-in for billing."""
    cast = sorted((c for c in credits if c.role == Credit.Role.CAST), key=lambda c: c.order)
    if not cast or any(c.character for c in cast):
        return [c.person for c in cast]
    audience = dict(
        Credit.objects.filter(person_id__in=[c.person_id for c in cast], role=Credit.Role.CAST)
        .values_list("person_id")
        .annotate(ratings=Sum("movie__rating_count"))
    )
    return [c.person for c in sorted(cast, key=lambda c: (-(audience.get(c.person_id) or 0), c.order))]


def rating_histogram(*, movie: Movie) -> list[dict]:
    """How many ratings the movie has at each half star, 0.5 to 5, with each step's share of the largest."""
    counts = dict(Rating.objects.filter(movie=movie).values_list("value").annotate(n=Count("id")))
    steps = [step / 2 for step in range(1, 11)]
    most = max(counts.values(), default=0)
    return [{"stars": s, "count": counts.get(s, 0), "share": round(100 * counts.get(s, 0) / most) if most else 0}
            for s in steps]  # fmt: skip


def person_films(*, person_id: int, user) -> tuple[Person, list[dict]]:
    """A person and their films in the catalog (newest first), each with their roles and the user's rating."""
    person = Person.objects.get(pk=person_id)
    films: dict[int, dict] = {}
    credits = person.credits.select_related("movie").order_by(
        F("movie__year").desc(nulls_last=True), "movie__title", "movie_id", "role"
    )
    for credit in credits:
        entry = films.setdefault(credit.movie_id, {"movie": credit.movie, "roles": [], "my_rating": None})
        entry["roles"].append(credit.get_role_display() + (f" ({credit.character})" if credit.character else ""))
    if user.is_authenticated:
        mine = Rating.objects.filter(user=user, movie_id__in=films).values_list("movie_id", "value")
        for movie_id, value in mine:
            films[movie_id]["my_rating"] = value
    return person, list(films.values())


RATING_SORTS = {
    "recent": ("-rated_at", "-id"),
    "highest": ("-value", "-rated_at", "-id"),
    "lowest": ("value", "-rated_at", "-id"),
    "title": ("movie__title", "movie__year", "-id"),
}


def user_ratings(*, user, sort: str = "recent", stars: float | None = None, genre: str = "") -> QuerySet[Rating]:
    """The user's ratings; `stars` keeps one value, `genre` one genre; unknown sorts read as "recent"."""
    ratings = Rating.objects.filter(user=user).select_related("movie")
    if stars is not None:
        ratings = ratings.filter(value=stars)
    if genre:
        ratings = ratings.filter(movie__genres__name__iexact=genre)
    return ratings.order_by(*RATING_SORTS.get(sort, RATING_SORTS["recent"]))


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
