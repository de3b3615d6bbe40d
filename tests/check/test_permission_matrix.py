"""Every URL pattern of the site and the API, called by five kinds of caller: anonymous, the owner of
some private data, another user, staff who may only view, and an admin. Nobody meets a server error;
nobody but the owner (and an admin in the admin) sees the owner's private words or suggestion; the
private pages ask anonymous callers to sign in; nothing private can be written anonymously.
`make check` prints the figures."""

import re

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from catalog.models import Credit, Person, PreferenceSuggestion
from catalog.preferences import not_interested_mark, preference_update
from catalog.services import rating_upsert
from tests.check.conftest import client_for, figure

pytestmark = [pytest.mark.check, pytest.mark.slow, pytest.mark.django_db]

SECRET_WORDS = "zanzibarian lighthouse keepers"  # the owner's preference text holds this
SECRET_SUGGESTION = "quokka-shaped heist capers"  # and their generated suggestion this
PRIVATE = re.compile(r"^(me/|api/v1/me/|for-you/|movies/<int:movie_id>/(rate|watchlist|not-interested)/)")
# The admin has its own walk (test_admin_matrix.py); logout would end the session being tested.
SKIPPED = ("admin/", "static/", "accounts/logout/", "accounts/reset/")


def _patterns(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


@pytest.fixture
def world(callers, make_movie):
    owner = callers["owner"]
    movie = make_movie("Harbour Lights", 1995, ("Drama",))
    person = Person.objects.create(name="Ada Lumen")
    Credit.objects.create(movie=movie, person=person, role="director")
    rating_upsert(user=owner, movie=movie, value=4.5)
    preference_update(user=owner, text=f"I love {SECRET_WORDS}")
    not_interested_mark(user=owner, movie=make_movie("Not For Me", 2001, ("Comedy",)))
    suggestion = PreferenceSuggestion.objects.create(user=owner, status="ready", text=SECRET_SUGGESTION,
                                                     favourite_movie_ids=[movie.id])  # fmt: skip
    values = {"movie_id": movie.id, "pk": movie.id, "person_id": person.id, "suggestion_id": suggestion.id}
    return callers, values


def _url(pattern: str, values: dict) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), pattern.lstrip("^").rstrip("$"))


def test_every_url_for_every_kind_of_caller(world):
    callers, values = world
    patterns = [p for p in _patterns() if not p.startswith(SKIPPED) and "(?P" not in p]
    requests = server_errors = leaks = 0
    problems = []
    for name, user in callers.items():
        client = client_for(user)
        for pattern in patterns:
            url = _url(pattern, values)
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                requests += 1
                body = response.content.decode(errors="replace") if hasattr(response, "content") else ""
                if response.status_code >= 500:
                    server_errors += 1
                    problems.append(f"{name} {method.upper()} {url}: {response.status_code}")
                if name != "owner" and (SECRET_WORDS in body or SECRET_SUGGESTION in body):
                    leaks += 1
                    problems.append(f"{name} {method.upper()} {url}: sees the owner's private text")
                if name == "anonymous" and PRIVATE.match(pattern):
                    signed_out = response.status_code in (401, 403, 405) or (
                        response.status_code == 302 and "/accounts/login/" in response["Location"])  # fmt: skip
                    if not signed_out:
                        problems.append(
                            f"anonymous {method.upper()} {url}: {response.status_code}, not asked to sign in"
                        )
    figure("URL patterns walked (5 callers x GET, POST)", len(patterns))
    figure("  matrix requests", requests)
    figure("  matrix server errors", server_errors, want="0", holds=server_errors == 0)
    figure("  matrix: sightings of others' private text", leaks, want="0", holds=leaks == 0)
    assert problems == []
    # The private things were there to be seen (the owner's own POSTs accepted the suggestion, so their
    # first words are in the history now).
    owner = Client()
    owner.force_login(callers["owner"])
    suggestion = f"/api/v1/me/preferences/suggestions/{values['suggestion_id']}/"
    assert SECRET_WORDS in owner.get("/api/v1/me/preferences/history/").content.decode()
    assert SECRET_SUGGESTION in owner.get(suggestion).content.decode()
