"""Predicted stars: the serving SVD, folded in with the user's ratings as they are now."""

import pytest

from catalog.models import Rating
from catalog.services import rating_upsert
from recommender.selectors.predicted import half_stars, predicted_stars

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("raw", "shown"), [(4.26, 4.5), (4.24, 4.0), (7.3, 5.0), (-1.0, 0.5), (0.74, 0.5)])
def test_half_stars_rounds_to_half_steps_within_the_scale(raw, shown):
    assert half_stars(raw) == shown


def test_a_newcomer_folded_in_gets_their_taste_in_stars(make_user, serving_svd, taste_catalog):
    _, _, movies_a, movies_b = taste_catalog
    newcomer = make_user()  # joined after the model was trained
    for movie in movies_a[:4]:
        rating_upsert(user=newcomer, movie=movie, value=5.0)
    for movie in movies_b[:4]:
        rating_upsert(user=newcomer, movie=movie, value=1.0)
    unseen = [m.id for m in movies_a[4:] + movies_b[4:]]
    stars = predicted_stars(user=newcomer, movie_ids=unseen)
    assert set(stars) == set(unseen)
    assert all(value * 2 == int(value * 2) and 0.5 <= value <= 5.0 for value in stars.values())
    liked = [stars[m.id] for m in movies_a[4:]]
    disliked = [stars[m.id] for m in movies_b[4:]]
    assert min(liked) > max(disliked)


def test_no_stars_without_ratings_or_for_anonymous_people(make_user, serving_svd, taste_catalog):
    from django.contrib.auth.models import AnonymousUser

    movie = taste_catalog[2][0]
    assert predicted_stars(user=make_user(), movie_ids=[movie.id]) == {}
    assert predicted_stars(user=AnonymousUser(), movie_ids=[movie.id]) == {}


def test_prediction_api_is_private_and_the_feed_and_movie_page_show_the_stars(
    api, client, serving_svd, serving_ease, taste_catalog
):
    users_a, _, movies_a, movies_b = taste_catalog
    user = users_a[0]
    unrated = next(m for m in movies_a if not Rating.objects.filter(user=user, movie=m).exists())
    assert api.get(f"/api/v1/movies/{unrated.id}/prediction/").status_code == 401
    api.force_authenticate(user)
    body = api.get(f"/api/v1/movies/{unrated.id}/prediction/").json()
    assert body == {"movie": unrated.id, "your_rating": None,
                    "predicted_rating": predicted_stars(user=user, movie_ids=[unrated.id])[unrated.id]}  # fmt: skip
    assert body["predicted_rating"] >= 3.5  # a space opera for a space-opera fan
    assert api.get("/api/v1/movies/999999/prediction/").status_code == 404

    feed = api.get("/api/v1/me/feed/", {"k": 3}).json()["results"]
    assert all(item["predicted_rating"] is not None for item in feed)
    client.force_login(user)
    page = client.get(f"/movies/{unrated.id}/").content.decode()
    assert 'id="predicted"' in page and f"★ {body['predicted_rating']:.1f}" in page
