from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.services import movie_stats_refresh, rating_upsert, rating_value_parse


@pytest.mark.parametrize(("raw", "expected"), [("4.5", Decimal("4.5")), (3, Decimal("3.0")), (0.5, Decimal("0.5"))])
def test_rating_value_parse_accepts_half_steps(raw, expected):
    assert rating_value_parse(raw) == expected


@pytest.mark.parametrize("raw", [0, 5.5, 3.3, "abc", None, True, "nan", "inf"])
def test_rating_value_parse_rejects_everything_else(raw):
    with pytest.raises(ValidationError):
        rating_value_parse(raw)


@pytest.mark.django_db
def test_movie_stats_follow_ratings(make_user, make_movie):
    movie = make_movie()
    rating_upsert(user=make_user(), movie=movie, value=4)
    rating_upsert(user=make_user(), movie=movie, value=1)
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_mean) == (2, 2.5)
    movie.rating_count = 99
    movie.save()
    movie_stats_refresh()  # all movies
    movie.refresh_from_db()
    assert movie.rating_count == 2
