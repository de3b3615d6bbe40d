"""The current user's ratings over the API: the owner / other user / anonymous matrix and validation."""

from decimal import Decimal

import pytest
from rest_framework.throttling import ScopedRateThrottle

from catalog.models import Rating
from catalog.services import rating_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def movie(make_movie):
    return make_movie("Heat", 1995)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/me/ratings/"),
        ("post", "/api/v1/me/ratings/"),
        ("get", "/api/v1/me/ratings/{id}/"),
        ("put", "/api/v1/me/ratings/{id}/"),
        ("delete", "/api/v1/me/ratings/{id}/"),
    ],
)
def test_anonymous_requests_to_me_endpoints_are_401(api, movie, method, path):
    response = getattr(api, method)(path.format(id=movie.id), {"movie": movie.id, "rating": 4}, format="json")
    assert response.status_code == 401
    assert not Rating.objects.exists()


def test_owner_creates_reads_changes_and_deletes_a_rating(user_api, movie):
    client, user = user_api
    created = client.post("/api/v1/me/ratings/", {"movie": movie.id, "rating": 4.5}, format="json")
    assert created.status_code == 201
    assert created.json()["rating"] == 4.5 and created.json()["movie"] == movie.id

    again = client.post("/api/v1/me/ratings/", {"movie": movie.id, "rating": 3}, format="json")
    assert again.status_code == 200  # an upsert: still one rating
    assert Rating.objects.get(user=user, movie=movie).value == Decimal("3.0")

    assert client.get(f"/api/v1/me/ratings/{movie.id}/").json()["rating"] == 3.0
    assert client.put(f"/api/v1/me/ratings/{movie.id}/", {"rating": 0.5}, format="json").json()["rating"] == 0.5
    assert [r["movie"] for r in client.get("/api/v1/me/ratings/").json()["results"]] == [movie.id]

    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_mean) == (1, 0.5)
    assert client.delete(f"/api/v1/me/ratings/{movie.id}/").status_code == 204
    assert client.delete(f"/api/v1/me/ratings/{movie.id}/").status_code == 404
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_mean) == (0, None)


def test_another_users_ratings_are_unreachable(user_api, make_user, movie):
    client, _ = user_api
    other = make_user()
    rating_upsert(user=other, movie=movie, value="5")

    assert client.get("/api/v1/me/ratings/").json()["results"] == []
    assert client.get(f"/api/v1/me/ratings/{movie.id}/").status_code == 404
    assert client.delete(f"/api/v1/me/ratings/{movie.id}/").status_code == 404
    # Writing my own rating of the same movie never touches theirs.
    client.put(f"/api/v1/me/ratings/{movie.id}/", {"rating": 1}, format="json")
    assert Rating.objects.get(user=other, movie=movie).value == Decimal("5.0")


@pytest.mark.parametrize("value", [0, 5.5, 3.3, "abc", "", None, True, -1, "4.5.1"])
def test_invalid_rating_values_are_400_and_write_nothing(user_api, movie, value):
    client, _ = user_api
    response = client.post("/api/v1/me/ratings/", {"movie": movie.id, "rating": value}, format="json")
    assert response.status_code == 400
    assert "rating" in response.json()
    put = client.put(f"/api/v1/me/ratings/{movie.id}/", {"rating": value}, format="json")
    assert put.status_code == 400
    assert not Rating.objects.exists()


def test_rating_an_unknown_movie_is_400_on_post_and_404_on_put(user_api):
    client, _ = user_api
    response = client.post("/api/v1/me/ratings/", {"movie": 424242, "rating": 4}, format="json")
    assert response.status_code == 400
    assert response.json()["movie"] == ["No movie with id 424242."]
    assert client.put("/api/v1/me/ratings/424242/", {"rating": 4}, format="json").status_code == 404
    assert not Rating.objects.exists()


def test_token_endpoint_gives_a_token_that_authenticates(api, make_user, movie):
    make_user("alice", password="correct-horse-battery")
    assert api.post("/api/v1/auth/token/", {"username": "alice", "password": "wrong"}).status_code == 400
    token = api.post("/api/v1/auth/token/", {"username": "alice", "password": "correct-horse-battery"}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post("/api/v1/me/ratings/", {"movie": movie.id, "rating": 2}, format="json").status_code == 201


def test_session_login_works_for_the_api_too(api, make_user, movie):
    user = make_user()
    api.force_login(user)
    assert api.get("/api/v1/me/ratings/").status_code == 200


def test_token_endpoint_is_throttled(api, make_user, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/minute"})
    make_user("bob", password="correct-horse-battery")
    codes = [api.post("/api/v1/auth/token/", {"username": "bob", "password": "nope"}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
