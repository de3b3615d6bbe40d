"""Browse sorts as people expect: shelf order for titles, dated films first, a damped "highest rated"."""

import pytest

from catalog.models import Movie
from catalog.selectors import movie_list

pytestmark = pytest.mark.django_db


def _titles(sort: str) -> list[str]:
    return list(movie_list(sort=sort).values_list("title", flat=True))


def test_title_sort_ignores_leading_punctuation_and_articles():
    for title in ['"Great Performances" Cats', "$9.99", "The Abyss", "Zodiac", "A Bug's Life", "The 'burbs"]:
        Movie.objects.create(title=title, year=2000)
    shelf = ["$9.99", "The Abyss", "A Bug's Life", "The 'burbs", '"Great Performances" Cats', "Zodiac"]
    assert _titles("title") == shelf


def test_newest_never_starts_with_a_movie_without_a_year():
    Movie.objects.create(title="Untitled (MovieLens 108548)", year=None)
    Movie.objects.create(title="Old", year=1950)
    Movie.objects.create(title="New", year=2016)
    assert _titles("newest") == ["New", "Old", "Untitled (MovieLens 108548)"]


def test_highest_rated_damps_a_few_perfect_ratings_below_a_long_record_of_great_ones():
    Movie.objects.create(title="The Godfather", year=1972, rating_count=200, rating_mean=4.49)
    Movie.objects.create(title="Eleven Fans", year=2010, rating_count=11, rating_mean=5.0)
    Movie.objects.create(title="Average", year=2000, rating_count=300, rating_mean=3.2)
    Movie.objects.create(title="Two Ratings", year=2001, rating_count=2, rating_mean=5.0)  # below the minimum
    assert _titles("top") == ["The Godfather", "Eleven Fans", "Average"]


def test_highest_rated_works_before_any_mean_is_known():
    Movie.objects.create(title="Counted", year=2000, rating_count=12, rating_mean=None)
    assert _titles("top") == ["Counted"]
