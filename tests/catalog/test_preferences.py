"""Preferences in the user's own words, generated suggestions and "not interested": services, the task,
the API's owner / other / anonymous matrix and validation, and the site's plain-form editor."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import NotInterested, PreferenceProfile, PreferenceRevision, PreferenceSuggestion, Rating
from catalog.preferences import (
    not_interested_mark,
    not_interested_movie_ids,
    not_interested_unmark,
    preference_suggestion_request,
    preference_update,
)
from catalog.services import rating_upsert
from recommender.engine.llm.client import LLM
from recommender.engine.llm.profiles import FROM_TEMPLATE, profile_from_favourites, profile_problems
from recommender.selectors.movie_text import movie_facts
from recommender.services.suggestions import preference_suggestion_generate
from workers.tasks import preference_suggestion_task

pytestmark = pytest.mark.django_db


class ScriptedLLM(LLM):
    name = "scripted"

    def __init__(self, answers):
        self.answers = list(answers)
        self.seen = []

    def generate(self, conversations, *, max_new_tokens=96, temperature=0.0):
        self.seen.extend(conversations)
        return [self.answers.pop(0) for _ in conversations]


@pytest.fixture
def heat(make_movie):
    return make_movie("Heat", 1995, ("Crime", "Thriller"), keywords=["bank robbery", "heist"])


@pytest.fixture
def ronin(make_movie):
    return make_movie("Ronin", 1998, ("Action", "Crime"), keywords=["heist", "car chase"])


@pytest.fixture
def other_api(make_user):
    user = make_user()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client, user


@pytest.fixture
def refreshes(broker):
    """Call it: the user ids whose feed refresh was asked for, as sent to the real broker."""
    return lambda: [args[0] for name, args, _ in broker.messages("default") if name == "workers.feed_refresh_request"]


@pytest.fixture
def queued(broker):
    """Call it: the suggestion tasks sent to the real broker, as (args, queue)."""
    return lambda: [
        (args, queue)
        for queue in broker.QUEUES
        for name, args, _ in broker.messages(queue)
        if name == "workers.preference_suggestion"
    ]


# --- services ---------------------------------------------------------------------------------


def test_preference_update_keeps_every_revision_and_calls_the_hook(
    make_user, refreshes, django_capture_on_commit_callbacks
):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        preference_update(user=user, text="  I love heist movies.  ")
        preference_update(user=user, text="I love heist movies.", source="generated")
        preference_update(user=user, text="")
    profile = PreferenceProfile.objects.get(user=user)
    assert (profile.text, profile.source) == ("", "manual")
    history = list(PreferenceRevision.objects.filter(user=user).values_list("text", "source"))
    assert history == [("", "manual"), ("I love heist movies.", "generated"), ("I love heist movies.", "manual")]
    assert refreshes() == [user.pk] * 3


def test_preference_update_rejects_too_long_text_and_bad_sources(make_user):
    user = make_user()
    with pytest.raises(ValidationError, match="at most 1,000 characters; this text has 1,001"):
        preference_update(user=user, text="x" * 1001)
    with pytest.raises(ValidationError, match="not a valid source"):
        preference_update(user=user, text="fine", source="robot")
    assert not PreferenceRevision.objects.exists() and not PreferenceProfile.objects.exists()
    assert preference_update(user=user, text=" " * 5 + "y" * 1000 + "\n").text == "y" * 1000  # stripped first


def test_a_suggestion_needs_a_rated_favourite(make_user, heat):
    user = make_user()
    with pytest.raises(ValidationError, match="Rate at least one movie"):
        preference_suggestion_request(user=user)
    rating_upsert(user=user, movie=heat, value="3.5")
    with pytest.raises(ValidationError, match="4 stars or more"):
        preference_suggestion_request(user=user)
    assert not PreferenceSuggestion.objects.exists()


def test_a_suggestion_is_queued_on_gpu_after_commit_and_generated_by_the_task(
    make_user, heat, ronin, queued, django_capture_on_commit_callbacks
):
    user = make_user()
    rating_upsert(user=user, movie=ronin, value="4")
    rating_upsert(user=user, movie=heat, value="5")
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = preference_suggestion_request(user=user)
        assert queued() == []  # not before the commit
        again = preference_suggestion_request(user=user)  # a repeated click reuses the pending one
    assert again.pk == suggestion.pk and queued() == [([suggestion.pk], "interactive")]
    assert suggestion.status == "pending" and suggestion.favourite_movie_ids == [heat.id, ronin.id]

    llm = ScriptedLLM(["I love Crime movies like Heat and Ronin, especially a heist."])
    done = preference_suggestion_generate(suggestion_id=suggestion.pk, llm=llm)
    assert (done.status, done.detail) == ("ready", "model")
    assert done.text == "I love Crime movies like Heat and Ronin, especially a heist."
    # Idempotent: a redelivered task leaves a ready suggestion alone (and never loads the model).
    assert preference_suggestion_task(suggestion.pk) == "ready"
    assert preference_suggestion_task(987654) == "missing"
    done.refresh_from_db()
    assert done.text.startswith("I love Crime movies")


def test_a_suggestion_that_cannot_be_queued_says_so_instead_of_staying_pending(
    make_user, heat, broker_down, django_capture_on_commit_callbacks
):
    user = make_user()
    rating_upsert(user=user, movie=heat, value="5")
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = preference_suggestion_request(user=user)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.error) == ("failed", "The suggestion could not be queued; try again later.")
    assert Rating.objects.filter(user=user, movie=heat).exists()  # the user's own write is kept


def test_a_suggestion_whose_model_invents_a_name_gets_the_grounded_template(make_user, heat, ronin):
    user = make_user()
    rating_upsert(user=user, movie=heat, value="5")
    rating_upsert(user=user, movie=ronin, value="4.5")
    suggestion = PreferenceSuggestion.objects.create(user=user, favourite_movie_ids=[heat.id, ronin.id])
    llm = ScriptedLLM(["I love Robert De Niro.", "I love Jean Reno in Leon."])
    done = preference_suggestion_generate(suggestion_id=suggestion.pk, llm=llm)
    assert done.status == "ready" and done.detail == FROM_TEMPLATE
    assert "De Niro" not in done.text and "Heat" in done.text and "Ronin" in done.text


def test_a_suggestion_fails_with_a_reason_when_its_movies_are_gone(make_user, heat):
    user = make_user()
    suggestion = PreferenceSuggestion.objects.create(user=user, favourite_movie_ids=[heat.id])
    heat.delete()
    done = preference_suggestion_generate(suggestion_id=suggestion.pk, llm=ScriptedLLM([]))
    assert done.status == "failed" and "none of the favourite movies" in done.error


@pytest.mark.ml
@pytest.mark.slow
def test_the_bundled_model_or_its_fallback_writes_a_grounded_profile(heat, ronin, make_movie):
    from recommender.services.llm import local_llm

    alien = make_movie("Alien", 1979, ("Horror", "Science Fiction"), keywords=["space", "alien"])
    facts = movie_facts(movie_ids=[heat.id, ronin.id, alien.id])
    favourites = [facts[heat.id], facts[ronin.id], facts[alien.id]]
    text, detail = profile_from_favourites(local_llm(), favourites, max_new_tokens=48)
    assert text and detail in ("model", "model-retry", "template")
    assert profile_problems(text, favourites) == []


def test_not_interested_is_idempotent_and_calls_the_hook(
    make_user, heat, refreshes, django_capture_on_commit_callbacks
):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        assert not_interested_mark(user=user, movie=heat)[1] is True
        assert not_interested_mark(user=user, movie=heat)[1] is False
    assert NotInterested.objects.filter(user=user).count() == 1 and not_interested_movie_ids(user_id=user.pk) == {
        heat.id
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert not_interested_unmark(user=user, movie=heat) is True
        assert not_interested_unmark(user=user, movie=heat) is False
    assert refreshes() == [user.pk, user.pk]  # one per real change


# --- API --------------------------------------------------------------------------------------


ENDPOINTS = [
    ("get", "/api/v1/me/preferences/", None),
    ("put", "/api/v1/me/preferences/", {"text": "I love heists."}),
    ("get", "/api/v1/me/preferences/history/", None),
    ("post", "/api/v1/me/preferences/generate/", None),
    ("get", "/api/v1/me/preferences/suggestions/{suggestion}/", None),
    ("post", "/api/v1/me/preferences/suggestions/{suggestion}/accept/", None),
    ("get", "/api/v1/me/not-interested/", None),
    ("post", "/api/v1/me/not-interested/", {"movie": "{movie}"}),
    ("delete", "/api/v1/me/not-interested/{movie}/", None),
]


def _call(client, method, path, body, **ids):
    if body:
        body = {key: int(value.format(**ids)) if value == "{movie}" else value for key, value in body.items()}
    return getattr(client, method)(path.format(**ids), body, format="json")


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_anonymous_requests_to_preference_endpoints_are_401(api, make_user, heat, method, path, body):
    owner = make_user()
    suggestion = PreferenceSuggestion.objects.create(user=owner, status="ready", text="I love Heat.")
    response = _call(api, method, path, body, suggestion=suggestion.pk, movie=heat.id)
    assert response.status_code == 401
    assert not PreferenceProfile.objects.exists() and not NotInterested.objects.exists()


def test_another_users_preferences_suggestions_and_marks_are_unreachable(user_api, other_api, heat):
    client, user = user_api
    other_client, other = other_api
    preference_update(user=other, text="I love costume dramas.")
    not_interested_mark(user=other, movie=heat)
    theirs = PreferenceSuggestion.objects.create(user=other, status="ready", text="I love costume dramas.")

    assert client.get("/api/v1/me/preferences/").json()["text"] == ""
    assert client.get("/api/v1/me/preferences/history/").json()["results"] == []
    assert client.get(f"/api/v1/me/preferences/suggestions/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/me/preferences/suggestions/{theirs.pk}/accept/").status_code == 404
    assert client.get("/api/v1/me/not-interested/").json()["results"] == []
    assert client.delete(f"/api/v1/me/not-interested/{heat.id}/").status_code == 404
    assert other_client.get(f"/api/v1/me/preferences/suggestions/{theirs.pk}/").json()["text"] == theirs.text
    assert PreferenceProfile.objects.get(user=other).text == "I love costume dramas."
    assert NotInterested.objects.filter(user=other).count() == 1 and not PreferenceProfile.objects.filter(user=user)


def test_owner_reads_changes_and_lists_the_history_of_their_preferences(user_api, refreshes):
    client, user = user_api
    empty = client.get("/api/v1/me/preferences/").json()
    assert empty == {"text": "", "source": "manual", "updated_at": None}
    saved = client.put("/api/v1/me/preferences/", {"text": "  I love heists.  "}, format="json")
    assert saved.status_code == 200 and saved.json()["text"] == "I love heists." and saved.json()["updated_at"]
    client.put("/api/v1/me/preferences/", {"text": "I love Crime.", "source": "generated"}, format="json")
    assert client.get("/api/v1/me/preferences/").json()["source"] == "generated"
    history = client.get("/api/v1/me/preferences/history/").json()
    assert [(r["text"], r["source"]) for r in history["results"]] == [
        ("I love Crime.", "generated"),
        ("I love heists.", "manual"),
    ]
    assert client.put("/api/v1/me/preferences/", {"text": ""}, format="json").json()["text"] == ""
    assert history["count"] == 2 and PreferenceRevision.objects.filter(user=user).count() == 3


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"text": "x" * 10_001}, "text", "at most 1,000 characters; this text has 10,001"),
        ({"text": "fine", "source": "robot"}, "source", "not a valid source"),
        ({}, "text", "required"),
        ({"text": None}, "text", "null"),
        ({"text": "bad\x00byte"}, "text", "control characters"),
        ({"text": 0, "source": "manual"}, "text", "Not a valid string"),  # found by the fuzzing: was stored as "0"
        ({"text": ["a", "b"]}, "text", "Not a valid string"),
        ({"text": "fine", "source": 1}, "source", "Not a valid string"),
    ],
)
def test_invalid_preferences_are_400_with_a_field_message(user_api, body, field, message):
    client, user = user_api
    response = client.put("/api/v1/me/preferences/", body, format="json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not PreferenceRevision.objects.filter(user=user).exists()


def test_generate_is_202_with_a_pollable_suggestion_or_400_without_favourites(
    user_api, heat, queued, django_capture_on_commit_callbacks
):
    client, user = user_api
    refused = client.post("/api/v1/me/preferences/generate/")
    assert refused.status_code == 400 and "Rate at least one movie" in refused.json()[0]

    rating_upsert(user=user, movie=heat, value="4.5")
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post("/api/v1/me/preferences/generate/")
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["status"] == "pending" and body["favourite_movies"] == [heat.id]
    assert queued() == [([body["id"]], "interactive")]

    assert client.post(f"/api/v1/me/preferences/suggestions/{body['id']}/accept/").status_code == 400  # not ready
    preference_suggestion_generate(suggestion_id=body["id"], llm=ScriptedLLM(["I love Heat and a good heist."]))
    ready = client.get(f"/api/v1/me/preferences/suggestions/{body['id']}/").json()
    assert (ready["status"], ready["text"]) == ("ready", "I love Heat and a good heist.")
    used = client.post(f"/api/v1/me/preferences/suggestions/{body['id']}/accept/")
    assert used.status_code == 200 and used.json()["source"] == "generated" and used.json()["text"] == ready["text"]


def test_not_interested_over_the_api_is_idempotent(user_api, heat, refreshes):
    client, user = user_api
    first = client.post("/api/v1/me/not-interested/", {"movie": heat.id}, format="json")
    again = client.post("/api/v1/me/not-interested/", {"movie": heat.id}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert client.get("/api/v1/me/not-interested/").json()["results"][0]["movie"] == heat.id
    assert client.post("/api/v1/me/not-interested/", {"movie": 987654}, format="json").status_code == 400
    assert client.delete(f"/api/v1/me/not-interested/{heat.id}/").status_code == 204
    assert client.delete(f"/api/v1/me/not-interested/{heat.id}/").status_code == 404
    assert not NotInterested.objects.filter(user=user).exists()


# --- site -------------------------------------------------------------------------------------


def test_site_editor_saves_with_a_revision_and_shows_the_text(client, make_user, refreshes):
    user = make_user()
    client.force_login(user)
    page = client.get("/for-you/?feed=1")
    assert page.status_code == 200 and b"Suggest from my favourite movies" in page.content
    response = client.post("/me/preferences/", {"text": "I love slow-burn heist movies."})
    assert response.status_code == 302 and response["Location"].startswith("/for-you/?feed=1")
    assert PreferenceProfile.objects.get(user=user).text == "I love slow-burn heist movies."
    assert PreferenceRevision.objects.filter(user=user, source="manual").count() == 1
    assert b"I love slow-burn heist movies." in client.get("/for-you/?feed=1").content
    # Words written: no more onboarding page, even before five ratings (the feed follows the words).
    assert b"I love slow-burn heist movies." in client.get("/for-you/").content

    too_long = client.post("/me/preferences/", {"text": "x" * 1001}, follow=True)
    assert b"at most 1,000 characters" in too_long.content and PreferenceRevision.objects.count() == 1


def test_site_suggestion_is_queued_shown_and_used(
    client, make_user, heat, queued, refreshes, django_capture_on_commit_callbacks
):
    user = make_user()
    client.force_login(user)
    refused = client.post("/me/preferences/suggest/", follow=True)
    assert b"Rate at least one movie" in refused.content
    rating_upsert(user=user, movie=heat, value="5")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/preferences/suggest/")
    suggestion = PreferenceSuggestion.objects.get(user=user)
    assert queued() == [([suggestion.pk], "interactive")]
    pending = client.get("/for-you/?feed=1").content.decode()
    assert "data-suggestion-pending" in pending and "usually takes under a minute" in pending
    assert "window.location.reload" in pending  # the page checks again by itself

    preference_suggestion_generate(suggestion_id=suggestion.pk, llm=ScriptedLLM(["I love Heat, a Crime story."]))
    page = client.get("/for-you/?feed=1").content.decode()
    assert "Use this" in page and "I love Heat, a Crime story." in page
    client.post("/me/preferences/", {"text": "I love Heat, a Crime story.", "suggestion": suggestion.pk})
    assert PreferenceProfile.objects.get(user=user).source == "generated"
    assert "Use this" not in client.get("/for-you/?feed=1").content.decode()  # used: no longer offered
    client.post("/me/preferences/", {"text": "I love Heat.", "suggestion": suggestion.pk})  # edited first
    assert PreferenceProfile.objects.get(user=user).source == "manual"


def test_site_not_interested_button_marks_and_undoes(client, make_user, heat, refreshes):
    user = make_user()
    assert client.post(f"/movies/{heat.id}/not-interested/").status_code == 302  # to the login page
    assert not NotInterested.objects.exists()
    client.force_login(user)
    assert b"Not interested" in client.get(f"/movies/{heat.id}/").content
    response = client.post(f"/movies/{heat.id}/not-interested/", {"next": "for_you"})
    assert response["Location"] == "/for-you/?feed=1" and NotInterested.objects.filter(user=user).count() == 1
    assert b"Undo" in client.get(f"/movies/{heat.id}/").content
    client.post(f"/movies/{heat.id}/not-interested/", {"action": "undo", "next": "https://evil.example/"})
    assert not NotInterested.objects.exists()


def test_site_preference_forms_need_login_and_csrf(client, make_user):
    from django.test import Client

    assert client.post("/me/preferences/", {"text": "x"})["Location"].startswith("/accounts/login/")
    assert client.post("/me/preferences/suggest/")["Location"].startswith("/accounts/login/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user())
    assert strict.post("/me/preferences/", {"text": "x"}).status_code == 403
    assert strict.get("/me/preferences/").status_code == 405
    assert not PreferenceProfile.objects.exists()
