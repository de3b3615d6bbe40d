"""Answers to requests that do not ask for recommendations: facts from the catalog, plainly said.

Every sentence is built from the catalog's rows for the movie or person the parser resolved, so it
is true of the data; where the catalog lacks the fact it says so instead of guessing. Questions
the catalog cannot answer (account help, chat, anything off topic) get a short, polite pointer.
"""

from __future__ import annotations

from collections.abc import Iterable

from catalog.models import Credit, Movie, Rating
from recommender.engine.query.schema import ParsedQuery

MOVIE_FACTS = ("director", "cast", "writer", "year", "runtime", "plot", "genre", "my_rating")
FILMS_LISTED = 20
CAST_NAMED = 5

SITE_HELP = (
    'For your account: "My ratings" lists everything you rated, "For you" holds your recommendations and '
    "your own words about your taste, and the account menu logs you out. Ratings go from half a star to five."
)
CHAT_REPLY = 'Hello! Tell me what you feel like watching, for example "a funny heist movie from the 90s".'
OTHER_REPLY = ("I can only help with movies: ask for a kind of film (\"slow-burn sci-fi, no horror\"), a title "
               "(\"who directed Heat?\") or a person (\"films with Bill Murray\").")  # fmt: skip


def answer_for(*, parse: ParsedQuery, user) -> tuple[str, list[Movie]]:
    """(the answer sentence, the movies it is about, in order) for a non-recommendation request.

    Also used for the fact part of a mixed request ("who directed Heat? and something similar")."""
    movies = _movies_in_order([title.id for title in parse.titles])
    ask = parse.ask
    if ask in MOVIE_FACTS:
        if not movies:
            return 'Which movie do you mean? Name it, for example "who directed Heat?".', []
        return " ".join(_fact(ask, movie, user) for movie in movies), movies
    if ask in ("filmography", "person") and parse.people:
        person = parse.people[0]
        films = _films_of(person.name, person.role)
        if not films:
            return f"The catalog has no films of {person.name}.", []
        role = {"director": "directed", "writer": "wrote", "cast": "appears in"}.get(person.role or "", "worked on")
        prefix = "" if ask == "filmography" else f"I can only tell what the catalog holds about {person.name}: "
        return f"{prefix}{person.name} {role} {_count(len(films), 'film')} in the catalog.", films[:FILMS_LISTED]
    if ask == "site":
        return SITE_HELP, movies
    if ask == "chat":
        return CHAT_REPLY, movies
    if movies:  # a title and nothing else asked ("heat 1995", "the matrix film"): the movie itself
        return "", movies
    return OTHER_REPLY, []


def _fact(ask: str, movie: Movie, user) -> str:
    name = str(movie)  # "Heat (1995)"
    if ask in ("director", "writer", "cast"):
        people = _credited(movie, ask)
        if not people:
            return f"The catalog does not list the {'cast' if ask == 'cast' else ask} of {name}."
        if ask == "cast":
            return f"{name} stars {and_join(people[:CAST_NAMED])}."
        return f"{name} was {'directed' if ask == 'director' else 'written'} by {and_join(people)}."
    if ask == "year":
        return f"{movie.title} came out in {movie.year}." if movie.year else f"The catalog has no year for {name}."
    if ask == "runtime":
        if not movie.runtime:
            return f"The catalog has no running time for {name}."
        hours, minutes = divmod(movie.runtime, 60)
        return f"{name} runs {movie.runtime} minutes ({hours} h {minutes:02d} min)."
    if ask == "plot":
        if movie.overview:
            return f"{name}: {movie.overview}"
        genres = [genre.name for genre in movie.genres.all()]
        listed = f" It is listed as {and_join(genres)}." if genres else ""
        return f"The catalog has no plot summary of {name}.{listed}"
    if ask == "genre":
        genres = [genre.name for genre in movie.genres.all()]
        return f"{name} is listed as {and_join(genres)}." if genres else f"The catalog lists no genre for {name}."
    # my_rating
    if not user.is_authenticated:
        return f"Log in to see your rating of {name}."
    rating = Rating.objects.filter(user=user, movie=movie).values_list("value", flat=True).first()
    if rating is None:
        return f"You have not rated {name} yet."
    return f"You rated {name} {rating:g} {'star' if rating == 1 else 'stars'}."


def _credited(movie: Movie, role: str) -> list[str]:
    credits = Credit.objects.filter(movie=movie, role=role).order_by("order", "person__name")
    return list(credits.values_list("person__name", flat=True))


def _films_of(name: str, role: str | None) -> list[Movie]:
    credits = Credit.objects.filter(person__name=name)
    if role and credits.filter(role=role).exists():
        credits = credits.filter(role=role)
    ids = credits.values_list("movie_id", flat=True)
    return list(Movie.objects.filter(pk__in=ids).order_by("-rating_count", "title").prefetch_related("genres"))


def _movies_in_order(ids: list[int]) -> list[Movie]:
    found = Movie.objects.in_bulk(ids)
    return [found[movie_id] for movie_id in ids if movie_id in found]


def and_join(items: Iterable[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
