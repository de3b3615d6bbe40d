"""Every admin page, generated from the admin's own URL patterns (each registered model's list, add,
change, delete and history pages, and its extra views such as Retrain), called by the five kinds of
caller of test_permission_matrix.py. Non-staff callers are sent to the admin's sign-in; staff who may
only view can look but change nothing (no edit, no delete, no retrain, no serve, no queued job); the
admin opens every page. Nobody meets a server error."""

import re

import pytest
from django.contrib import admin
from django.utils import timezone

from catalog.models import Credit, Movie, Person, PreferenceSuggestion, Tag, TaggedMovie
from catalog.preferences import not_interested_mark, preference_update
from recommender.models import ModelVersion, TrainingRun
from tests.check.conftest import client_for, figure

pytestmark = [pytest.mark.check, pytest.mark.slow, pytest.mark.django_db]

STAFF_ONLY = ("anonymous", "owner", "other")


@pytest.fixture
def admin_world(callers, serving_ease, broker):
    """The serving EASE world (ratings, a run, a version, feeds) plus one row of every other kind."""
    owner = callers["owner"]
    movie = Movie.objects.order_by("pk").first()
    Credit.objects.create(movie=movie, person=Person.objects.create(name="Ada Lumen"), role="director")
    TaggedMovie.objects.create(
        movie=movie, tag=Tag.objects.create(name="harbour"), user=owner, created_at=timezone.now()
    )
    preference_update(user=owner, text="quiet harbour dramas")
    not_interested_mark(user=owner, movie=movie)
    PreferenceSuggestion.objects.create(user=owner, status="ready", text="harbours", favourite_movie_ids=[movie.id])
    return callers


def _admin_urls() -> list[tuple[str, object | None]]:
    """(url, the model whose page it is) for every pattern of every registered model; the pages of one
    object use its first row. The admin index and each app's index come first."""
    apps = sorted({model._meta.app_label for model in admin.site._registry})
    urls = [("/admin/", None), *((f"/admin/{app}/", None) for app in apps)]
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        first = model.objects.order_by("pk").first()
        for pattern in model_admin.get_urls():
            route = str(pattern.pattern)
            if "<" in route:  # <path:object_id>, <id> (a user's password page): the first row
                if first is None:
                    continue
                route = re.sub(r"<[^>]+>", str(first.pk), route)
            urls.append((base + route, model))
    return urls


def _state() -> dict:
    """What a write would change: every registered table's rows, what serves, and every run's status."""
    counts = {model._meta.label: model.objects.count() for model in admin.site._registry}
    serving = sorted(ModelVersion.objects.filter(is_serving=True).values_list("pk", flat=True))
    runs = sorted(TrainingRun.objects.values_list("pk", "status"))
    return {"counts": counts, "serving": serving, "runs": runs}


def _posts(url: str, model) -> list[dict]:
    """Bodies a writer would send: empty, a confirmed delete, each list action on the first row, a retrain."""
    bodies = [{}, {"post": "yes"}]
    if model is not None and url.endswith(f"/{model._meta.model_name}/"):  # the list, where actions run
        first = model.objects.order_by("pk").first()
        for _, action, _ in admin.site._registry[model]._get_base_actions():  # every action, allowed or not
            bodies.append({"action": action, "_selected_action": [first.pk] if first else []})
    if url.endswith("/retrain/"):
        bodies.append({"kind": "popularity", "parameters": "{}"})
    return bodies


def test_every_admin_page_for_every_kind_of_caller(admin_world, broker):
    urls = _admin_urls()
    before = _state()
    requests = server_errors = open_to_non_staff = 0
    problems = []
    for name, user in admin_world.items():
        client = client_for(user)
        for url, model in urls:
            calls = [("get", {})]
            if name != "admin":  # the admin's own writes are tested in tests/test_admin.py
                calls += [("post", body) for body in _posts(url, model)]
            for method, body in calls:
                response = getattr(client, method)(url, body)
                requests += 1
                if response.status_code >= 500:
                    server_errors += 1
                    problems.append(f"{name} {method.upper()} {url} {body}: {response.status_code}")
                if name in STAFF_ONLY and not (response.status_code == 302 and "/admin/login/" in response["Location"]):
                    open_to_non_staff += 1
                    problems.append(f"{name} {method.upper()} {url}: {response.status_code}, not sent to sign in")
                if name == "admin" and response.status_code not in (200, 302, 403):
                    problems.append(f"admin GET {url}: {response.status_code}")
    writes = before != _state() or broker.tasks("default") or broker.tasks("gpu")
    figure("admin URLs walked (5 callers; GET, and POSTs by non-admins)", len(urls))
    figure("  admin requests", requests)
    figure("  admin server errors", server_errors, want="0", holds=server_errors == 0)
    figure("  admin pages open to callers who are not staff", open_to_non_staff, want="0", holds=open_to_non_staff == 0)
    figure("  admin writes by view-only staff or non-staff", int(bool(writes)), want="0", holds=not writes)
    assert problems == []
    assert before == _state(), "a caller who may not change anything changed something"
    assert not broker.tasks("default") and not broker.tasks("gpu"), "a view-only caller queued work"
