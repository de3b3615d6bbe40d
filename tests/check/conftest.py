"""Fixtures of the `make check` suite and the figures table it prints at the end."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class Figure:
    value: float | str
    want: str = ""  # what the row must show, in words ("0", ">= 1000"); blank for a count
    holds: bool | None = None  # None: nothing to hold (a count that describes the run)


FIGURES: dict[str, Figure] = {}


def figure(name: str, value: float | str, *, want: str = "", holds: bool | None = None) -> None:
    """One row of the table `make check` prints at the end (the last value written wins)."""
    FIGURES[name] = Figure(value, want, holds)


def figure_add(name: str, by: float = 1, *, want: str = "", holds_if=None) -> None:
    """Add to a running count; holds_if(total) says whether the row holds."""
    total = (FIGURES[name].value if name in FIGURES else 0) + by
    figure(name, total, want=want, holds=None if holds_if is None else holds_if(total))


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


def client_for(user):
    """A test client signed in as `user` (None: anonymous) that answers server errors instead of raising."""
    from django.test import Client

    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def callers(make_user) -> dict:
    """The five kinds of caller the matrices walk with: anonymous (None), the owner of some private
    data, another user, staff who may only view, and an admin."""
    from django.contrib.auth.models import Permission

    owner, other, viewer, admin = (make_user(name) for name in ("owner", "other", "viewer", "admin"))
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return {"anonymous": None, "owner": owner, "other": other, "viewer": viewer, "admin": admin}


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
        terminalreporter.write_line(f"{'figure':<56} {'value':>8}  {'must be':<10} verdict")
        for name, row in FIGURES.items():
            value = f"{row.value:g}" if isinstance(row.value, int | float) else row.value
            verdict = {True: "holds", False: "FAILS", None: ""}[row.holds]
            terminalreporter.write_line(f"{name:<56} {value:>8}  {row.want:<10} {verdict}")
