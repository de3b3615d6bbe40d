"""Shared fixtures. Tests run against the real embedded PostgreSQL (+pgvector) and Redis that
`make test` starts on their own ports and data folder (see Makefile, TEST_ENV)."""

from __future__ import annotations

import itertools

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from catalog.models import Genre, Movie
from catalog.services import user_signup

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher costs ~0.3 s per user by design; tests create dozens of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    # The cache is real Redis: throttle counters must not leak from one test into the next.
    cache.clear()
    yield


@pytest.fixture
def make_user(db):
    def make(username: str | None = None, password: str = "a-long-test-password"):
        return user_signup(username=username or f"user{next(_counter)}", password=password)

    return make


@pytest.fixture
def make_movie(db):
    def make(title: str | None = None, year: int | None = 1995, genres: tuple[str, ...] = (), **fields):
        movie = Movie.objects.create(title=title or f"Movie {next(_counter)}", year=year, **fields)
        for name in genres:
            movie.genres.add(Genre.objects.get_or_create(name=name)[0])
        return movie

    return make


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def user_api(make_user):
    """An API client logged in (by token) as a fresh user: returns (client, user)."""
    from rest_framework.authtoken.models import Token

    user = make_user()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client, user
