"""Adding a model kind is a registry entry, a pipeline and an engine (tests/training/toy): with
nothing else, `manage.py train` and the admin's Retrain run it end to end, the one gate judges it
in the direction its entry says, and `serving_model` loads it with its own loader."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from catalog.services import rating_upsert
from recommender.kinds import KINDS
from recommender.models import ModelVersion, TrainingRun
from recommender.services.registry import serving_model
from tests.training.toy import TOY, pipeline
from tests.training.toy.engine import MeanRating
from workers.tasks import training_run_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def toy_kind(monkeypatch, settings, tmp_path, make_user, make_movie):
    monkeypatch.setitem(KINDS, "toy", TOY)
    settings.MODEL_DIR = tmp_path / "models"
    pipeline.promoted.clear()
    movies = [make_movie(f"Toy {n}", 2000 + n) for n in range(4)]
    for user, values in zip([make_user() for _ in range(3)], ([4, 5, 3, 4], [2, 3, 4, 5], [5, 4, 4, 3]), strict=True):
        for movie, value in zip(movies, values, strict=True):
            rating_upsert(user=user, movie=movie, value=value)


def test_manage_py_train_runs_gates_promotes_and_serves_a_new_kind(toy_kind, capsys):
    call_command("train", "toy")
    assert "promoted (no version of this kind serves yet)" in capsys.readouterr().out

    version, model = serving_model("toy")
    assert isinstance(model, MeanRating) and model.mean == pytest.approx(22 / 6)  # the even-numbered ratings
    assert pipeline.promoted == [version.pk]  # the entry's after-promotion hook ran
    assert TrainingRun.objects.get(kind="toy").model_version == version

    call_command("train", "toy", "--if-missing")
    assert "a version serves already" in capsys.readouterr().out
    with pytest.raises(Exception, match="unknown parameter"):
        call_command("train", "toy", "--param", "lam=5")


def test_the_admin_retrain_form_queues_a_new_kind_and_the_worker_task_runs_it(
    toy_kind, client, broker, django_capture_on_commit_callbacks
):
    call_command("train", "toy")  # a serving version to beat
    client.force_login(get_user_model().objects.create_superuser("root", password="a-long-test-password"))
    assert b"Toy (shrunk mean rating)" in client.get(reverse("admin:recommender_trainingrun_retrain")).content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:recommender_trainingrun_retrain"), {"kind": "toy", "parameters": '{"shrink": 0.5}'}
        )
    run = TrainingRun.objects.filter(kind="toy").latest("pk")
    assert response.status_code == 302 and (run.status, run.parameters) == ("queued", {"shrink": 0.5})
    assert broker.messages("default") == [("workers.training_run", [run.pk], {})]  # the entry's queue

    assert training_run_task(run.pk) == "succeeded"
    run.refresh_from_db()
    # Halving the mean makes RMSE worse; lower is better for this kind, so the gate refuses it.
    assert run.promoted is False and "is worse than serving toy v" in run.metrics["gate"]["reason"]
    assert ModelVersion.objects.get(kind="toy", is_serving=True).parameters == {"shrink": 0.0}
    assert client.get(reverse("admin:recommender_trainingrun_change", args=[run.pk])).status_code == 200


def test_rolling_back_in_the_admin_runs_the_kinds_after_promotion_hook_too(toy_kind, client):
    call_command("train", "toy")
    call_command("train", "toy")  # the same data and parameters: not worse, so it serves
    first, second = ModelVersion.objects.filter(kind="toy").order_by("pk")
    assert second.is_serving and pipeline.promoted == [first.pk, second.pk]

    client.force_login(get_user_model().objects.create_superuser("root", password="a-long-test-password"))
    response = client.post(
        reverse("admin:recommender_modelversion_changelist"), {"action": "serve", "_selected_action": [first.pk]}
    )
    assert response.status_code == 302
    assert ModelVersion.objects.get(kind="toy", is_serving=True) == first
    assert pipeline.promoted == [first.pk, second.pk, first.pk]


def test_staff_who_may_only_view_cannot_retrain_or_serve_and_a_served_version_names_who_served_it(toy_kind, client):
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import Permission

    call_command("train", "toy")
    call_command("train", "toy")
    first, second = ModelVersion.objects.filter(kind="toy").order_by("pk")
    viewer = get_user_model().objects.create_user("viewer", password="a-long-test-password", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    client.force_login(viewer)
    changelist = reverse("admin:recommender_modelversion_changelist")
    assert client.get(changelist).status_code == 200
    for action in ("serve", "retrain"):
        client.post(changelist, {"action": action, "_selected_action": [first.pk]})
    assert ModelVersion.objects.get(kind="toy", is_serving=True) == second
    assert not TrainingRun.objects.filter(kind="toy", status="queued").exists()
    assert client.get(reverse("admin:recommender_trainingrun_retrain")).status_code == 302  # back to the index

    admin_user = get_user_model().objects.create_superuser("root", password="a-long-test-password")
    client.force_login(admin_user)
    client.post(changelist, {"action": "serve", "_selected_action": [first.pk]})
    assert ModelVersion.objects.get(kind="toy", is_serving=True) == first
    entry = LogEntry.objects.get(object_id=str(first.pk))
    assert entry.user == admin_user and "without the promotion gate" in entry.get_change_message()
