"""Eight writers at once, 300 rating upserts each, on real Postgres: no error, no duplicate row, no
lost update, and every movie's rating count and mean equal to its rows at the end."""

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import Movie, Rating
from catalog.services import rating_upsert
from tests.check.conftest import figure

WRITERS, UPSERTS, MOVIES, USERS = 8, 300, 20, 4

pytestmark = [pytest.mark.check, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_concurrent_upserts_keep_one_row_per_user_and_movie_and_exact_counts(make_user, make_movie):
    users = [make_user() for _ in range(USERS)]  # two writers per user: they race on the same rows
    movies = [make_movie(f"Race {n}") for n in range(MOVIES)]
    last_written: dict[tuple[int, int], set[Decimal]] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def write(writer: int) -> None:
        rng = random.Random(writer)
        user = users[writer % USERS]
        try:
            for _ in range(UPSERTS):
                movie = rng.choice(movies)
                value = Decimal(rng.randrange(1, 11)) / 2
                rating_upsert(user=user, movie=movie, value=value)
                with lock:
                    last_written.setdefault((user.pk, movie.pk), set()).add(value)
        except BaseException as exc:  # noqa: BLE001 (reported below with the others)
            errors.append(exc)
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    rows = list(Rating.objects.filter(movie__in=movies).values_list("user_id", "movie_id", "value"))
    figure(f"concurrent rating upserts ({WRITERS} writers x {UPSERTS})", WRITERS * UPSERTS)
    figure("  upsert errors", len(errors), want="0", holds=not errors)
    lost_or_duplicated = abs(len(rows) - len(last_written))
    figure("  upserts: duplicate or lost rating rows", lost_or_duplicated, want="0", holds=lost_or_duplicated == 0)
    assert errors == []
    assert sorted((user, movie) for user, movie, _ in rows) == sorted(last_written)  # one row per pair written
    assert all(value in last_written[(user, movie)] for user, movie, value in rows)
    wrong_counts = 0
    for movie in Movie.objects.filter(pk__in=[m.pk for m in movies]):
        values = [value for _, movie_id, value in rows if movie_id == movie.pk]
        mean = float(sum(values) / len(values)) if values else None
        wrong_counts += movie.rating_count != len(values) or (mean is not None and abs(movie.rating_mean - mean) > 1e-6)
    figure("  upserts: movies with a wrong count or mean", wrong_counts, want="0", holds=wrong_counts == 0)
    assert wrong_counts == 0
