"""A person's own lists: movies they want to watch, and movies they hid ("not interested").

Writes are idempotent (adding twice keeps one entry, removing what is not there is fine) and
touch only the given user's rows.
"""

from __future__ import annotations

from django.db import transaction

from catalog.models import Movie, NotInterested, WatchlistEntry


@transaction.atomic
def watchlist_add(*, user, movie: Movie) -> bool:
    """True if the movie was added, False if it was already on the list."""
    _, created = WatchlistEntry.objects.get_or_create(user=user, movie=movie)
    return created


@transaction.atomic
def watchlist_remove(*, user, movie: Movie) -> bool:
    deleted, _ = WatchlistEntry.objects.filter(user=user, movie=movie).delete()
    return bool(deleted)


def watchlist_has(*, user, movie: Movie) -> bool:
    return user.is_authenticated and WatchlistEntry.objects.filter(user=user, movie=movie).exists()


def watchlist_movies(*, user) -> list[Movie]:
    """The user's watchlist, latest addition first."""
    entries = WatchlistEntry.objects.filter(user=user).select_related("movie").prefetch_related("movie__genres")
    return [entry.movie for entry in entries]  # Meta.ordering: latest first


def hidden_movies(*, user) -> list[Movie]:
    """Movies the user marked "not interested", latest first."""
    marks = NotInterested.objects.filter(user=user).select_related("movie").prefetch_related("movie__genres")
    return [mark.movie for mark in marks]
