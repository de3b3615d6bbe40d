"""Django admin: every catalog model is registered, searchable, and closed to non-staff."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model

from catalog import models
from catalog.services import rating_upsert
from recommender import models as recommender_models

pytestmark = pytest.mark.django_db

CATALOG_MODELS = [models.Movie, models.Genre, models.Tag, models.Person, models.Credit, models.Rating,
                  models.TaggedMovie, models.Profile, models.ImportRun, models.PreferenceProfile,
                  models.PreferenceRevision, models.PreferenceSuggestion, models.NotInterested]  # fmt: skip


def test_every_catalog_model_is_registered_with_search_or_filters():
    for model in CATALOG_MODELS:
        model_admin = admin.site._registry.get(model)
        assert model_admin is not None, model
        assert model_admin.search_fields or model_admin.list_filter, model


RECOMMENDER_MODELS = [recommender_models.ModelVersion, recommender_models.TrainingRun, recommender_models.UserFeed,
                      recommender_models.MovieEmbedding, recommender_models.MovieDescription]  # fmt: skip


def test_every_recommender_model_is_registered_and_listable(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="a-long-test-password"))
    for model in RECOMMENDER_MODELS:
        assert model in admin.site._registry, model
        assert client.get(f"/admin/recommender/{model._meta.model_name}/").status_code == 200
    assert client.get("/admin/recommender/trainingrun/retrain/").status_code == 200


def test_staff_see_changelists_with_search_and_filters(client, make_movie, make_user):
    movie = make_movie("Heat", 1995, ("Crime",))
    rating_upsert(user=make_user(), movie=movie, value=4)
    client.force_login(get_user_model().objects.create_superuser("root", password="a-long-test-password"))
    for model in CATALOG_MODELS:
        url = f"/admin/catalog/{model._meta.model_name}/"
        assert client.get(url, {"q": "heat"}).status_code == 200, url
    assert (
        b"Heat"
        in client.get("/admin/catalog/movie/", {"q": "heat", "genres__id__exact": movie.genres.get().id}).content
    )
    assert client.get(f"/admin/catalog/movie/{movie.id}/change/").status_code == 200


def test_non_staff_users_are_sent_to_the_admin_login(client, make_user):
    client.force_login(make_user())
    response = client.get("/admin/catalog/rating/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_write_descriptions_action_queues_the_selected_movies(
    client, make_movie, broker, django_capture_on_commit_callbacks
):
    movies = [make_movie("Heat", 1995), make_movie("Ronin", 1998)]
    client.force_login(get_user_model().objects.create_superuser("root", password="a-long-test-password"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/catalog/movie/",
            {"action": "write_descriptions", "_selected_action": [m.pk for m in movies]},
            follow=True,
        )
    assert b"Queued 2 movie(s) on the gpu worker" in response.content
    sent = broker.messages("gpu")
    assert [name for name, _, _ in sent] == ["workers.descriptions_enrich"]
    assert sorted(sent[0][2]["movie_ids"]) == sorted(m.pk for m in movies)
