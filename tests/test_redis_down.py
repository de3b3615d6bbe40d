"""With Redis unreachable, people can still rate, read their feed and sign in: writes succeed and say so."""

import pytest

from catalog.models import Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    """The cache pointed at a port where nothing listens: every call is refused, as in an outage."""
    settings.CACHES = {"default": {"BACKEND": "recsite.cache.SoftRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisConnectionError

    with pytest.raises(RedisConnectionError):  # the real client really cannot reach it
        cache._cache.get_client().ping()


def test_a_rating_is_saved_and_confirmed_the_feed_and_a_token_still_answer(redis_down, api, make_user, make_movie):
    heat = make_movie("Heat", 1995)
    make_movie("Alien", 1979, rating_count=3)
    user = make_user("offline", password="a-long-test-password")
    token = api.post("/api/v1/auth/token/", {"username": "offline", "password": "a-long-test-password"}, format="json")
    assert token.status_code == 200 and token.json()["token"]
    api.force_authenticate(user)
    rated = api.post("/api/v1/me/ratings/", {"movie": heat.id, "rating": 4.5}, format="json")
    assert rated.status_code == 201 and Rating.objects.get(user=user).value == 4.5
    feed = api.get("/api/v1/me/feed/")
    assert feed.status_code == 200 and feed.json()["results"]
