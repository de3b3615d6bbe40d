"""A small catalog with taste structure, in the real database: two groups of users who each like
one group of movies (5 stars) and dislike the other (1 star), with some movies left unrated."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from catalog.models import Genre, Movie, Rating
from catalog.services import movie_stats_refresh
from recommender.services.feeds import feed_refresh_all
from training.services.runs import training_run_create, training_run_execute


@pytest.fixture
def taste_catalog(make_user):
    """Returns (users_a, users_b, movies_a, movies_b); each user rated a random 60% of the movies."""
    rng = random.Random(7)
    movies_a = [Movie.objects.create(title=f"Space Opera {n}", year=1980 + n, keywords=["spaceship", "alien"])
                for n in range(15)]  # fmt: skip
    movies_b = [Movie.objects.create(title=f"Costume Drama {n}", year=1980 + n, keywords=["ballroom", "manor"])
                for n in range(15)]  # fmt: skip
    science_fiction, drama = Genre.objects.create(name="Sci-Fi"), Genre.objects.create(name="Drama")
    for movie in movies_a:
        movie.genres.add(science_fiction)
    for movie in movies_b:
        movie.genres.add(drama)
    users_a = [make_user(f"scifi{n}") for n in range(12)]
    users_b = [make_user(f"period{n}") for n in range(12)]
    ratings = []
    for group, liked, disliked in ((users_a, movies_a, movies_b), (users_b, movies_b, movies_a)):
        for user in group:
            for movie in rng.sample(liked, 9) + rng.sample(disliked, 3):
                value = 5.0 if movie in liked else 1.0
                stamp = datetime(2020, 1, 1, tzinfo=UTC).replace(minute=rng.randrange(60), second=rng.randrange(60))
                ratings.append(Rating(user=user, movie=movie, value=value, rated_at=stamp))
    Rating.objects.bulk_create(ratings)
    movie_stats_refresh()
    return users_a, users_b, movies_a, movies_b


@pytest.fixture
def serving_ease(taste_catalog, settings, tmp_path):
    settings.MODEL_DIR = tmp_path / "models"
    settings.FEED_MODEL_KIND = "ease"
    run = training_run_create(
        kind="ease", parameters={"lam": 10.0, "min_item_count": 1, "min_rating": 4.0}, dispatch=False
    )
    version = training_run_execute(run_id=run.pk, worker="test").model_version
    feed_refresh_all(version_id=version.pk)
    return version
