"""Writes to the catalog: ratings, accounts, movie statistics."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from catalog.changes import personal_data_changed
from catalog.models import RATING_VALUES, Movie, Profile, Rating


def rating_value_parse(raw: object) -> Decimal:
    """0.5 to 5.0 in half steps, or a ValidationError that says so."""
    if isinstance(raw, bool):
        raise ValidationError("A rating must be a number from 0.5 to 5.0 in half steps.")
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError("A rating must be a number from 0.5 to 5.0 in half steps.") from None
    if value not in RATING_VALUES:
        raise ValidationError(f"{raw} is not a valid rating: use 0.5 to 5.0 in half steps.")
    return value.quantize(Decimal("0.1"))


def _lock_movie_stats(movie: Movie) -> None:
    """Writers of one movie's ratings take turns until commit: the count and mean each recomputes
    then include every committed rating. Without the lock two concurrent first ratings each counted
    one (make check's concurrent writers caught a movie left with a wrong count)."""
    Movie.objects.select_for_update().filter(pk=movie.pk).values_list("pk").first()


@transaction.atomic
def rating_upsert(*, user, movie: Movie, value: object) -> tuple[Rating, bool]:
    """Create or change the user's rating of a movie. Returns (rating, created)."""
    parsed = rating_value_parse(value)
    _lock_movie_stats(movie)
    rating, created = Rating.objects.update_or_create(
        user=user, movie=movie, defaults={"value": parsed, "rated_at": timezone.now()}
    )
    movie_stats_refresh(movie_ids=[movie.id])
    personal_data_changed(user_id=user.pk)
    return rating, created


@transaction.atomic
def rating_delete(*, user, movie: Movie) -> bool:
    _lock_movie_stats(movie)
    deleted, _ = Rating.objects.filter(user=user, movie=movie).delete()
    if deleted:
        movie_stats_refresh(movie_ids=[movie.id])
        personal_data_changed(user_id=user.pk)
    return bool(deleted)


def movie_stats_refresh(*, movie_ids: Iterable[int] | None = None) -> None:
    """Recompute rating_count and rating_mean from the ratings table (all movies when ids is None)."""
    ids = None if movie_ids is None else list(movie_ids)
    if ids == []:
        return
    where = "" if ids is None else "WHERE movie.id = ANY(%s)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE catalog_movie AS target
               SET rating_count = stats.n, rating_mean = stats.mean
              FROM (SELECT movie.id, COUNT(rating.id) AS n, AVG(rating.value)::float AS mean
                      FROM catalog_movie AS movie
                      LEFT JOIN catalog_rating AS rating ON rating.movie_id = movie.id
                      {where}
                     GROUP BY movie.id) AS stats
             WHERE target.id = stats.id
            """,
            [] if ids is None else [ids],
        )


@transaction.atomic
def user_signup(*, username: str, password: str, email: str = ""):
    """A person's account (the form has validated the password) with its profile."""
    user = get_user_model().objects.create_user(username=username, password=password, email=email)
    Profile.objects.create(user=user)
    return user


def demo_user_ensure(*, username: str, password: str):
    """The demo account `make run` prints, with the password it prints."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        return user_signup(username=username, password=password)
    if not user.check_password(password):  # resetting an unchanged password would log the demo user out
        user.set_password(password)
        user.save(update_fields=["password"])
    Profile.objects.get_or_create(user=user)
    return user
