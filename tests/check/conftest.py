"""Fixtures of the `make check` suite and the figures table it prints at the end."""

from __future__ import annotations

import pytest

FIGURES: dict[str, float] = {}


@pytest.fixture
def wsgi_in_test(db):
    """Calls to the real WSGI app inside a test: as Django's test client does, the connection is not
    closed at the start and end of each request (it holds the test's transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def api_token(db, make_user, make_movie):
    """A signed-in caller who owns ratings, words and a "not interested" mark, on a small catalog."""
    from rest_framework.authtoken.models import Token

    from catalog.preferences import not_interested_mark, preference_update
    from catalog.services import rating_upsert

    user = make_user()
    movies = [make_movie(f"Check Movie {n}", 1990 + n, ("Drama",)) for n in range(5)]
    for movie in movies[:3]:
        rating_upsert(user=user, movie=movie, value=4)
    preference_update(user=user, text="Slow-burn science fiction, no horror")
    not_interested_mark(user=user, movie=movies[4])
    return Token.objects.create(user=user).key


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.write_sep("=", "make check figures")
        for name, value in FIGURES.items():
            terminalreporter.write_line(f"{name:<40} {value:g}")
