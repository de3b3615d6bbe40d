"""Training runs on the real database: claim, gate, promotion, failure, stale runs."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from recommender.models import ModelVersion, TrainingRun
from recommender.services.registry import model_version_promote, serving_model
from training.services.runs import (
    training_run_claim,
    training_run_create,
    training_run_execute,
    training_runs_reap_stale,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _model_dir(settings, tmp_path):
    settings.MODEL_DIR = tmp_path / "models"


def _train(kind: str, **parameters) -> TrainingRun:
    run = training_run_create(kind=kind, parameters=parameters, dispatch=False)
    return training_run_execute(run_id=run.pk, worker="test")


def test_a_first_run_is_evaluated_promoted_and_saved_as_explicit_files(taste_catalog, settings):
    run = _train("ease", lam=10.0, min_item_count=1, min_rating=4.0)
    assert (run.status, run.progress, run.promoted) == ("succeeded", 100, True)
    # The taste structure is learnable: EASE beats counting ratings on the same validation split.
    assert run.metrics["validation"]["ndcg"] > _train("popularity").metrics["validation"]["ndcg"]
    assert run.metrics["protocol"]["k"] == 10 and "done" in run.log_tail
    version = ModelVersion.objects.get(is_serving=True, kind="ease")
    assert version == run.model_version and version.plot_png
    files = sorted(p.name for p in (Path(settings.MODEL_DIR) / version.artifact_dir).iterdir())
    assert files == ["arrays.npz", "model.json"]


@pytest.mark.django_db(transaction=True)  # the threads' own connections must see the committed run
def test_two_workers_racing_for_one_run_only_one_claims_it(taste_catalog):
    run = training_run_create(kind="popularity", dispatch=False)
    barrier, results = threading.Barrier(2), []

    def claim(name: str) -> None:
        barrier.wait()
        results.append(training_run_claim(run_id=run.pk, worker=name))
        connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=claim, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert TrainingRun.objects.get(pk=run.pk).status == "running"


def test_a_redelivered_run_message_does_nothing(taste_catalog):
    run = _train("popularity")
    again = training_run_execute(run_id=run.pk, worker="redelivery")
    assert again.status == "succeeded" and again.worker == "test"
    assert ModelVersion.objects.filter(kind="popularity").count() == 1


def test_the_gate_refuses_a_worse_model_and_the_serving_version_stays(taste_catalog):
    good = _train("ease", lam=10.0, min_item_count=1, min_rating=4.0)
    # Counting the 1-star ratings as interest blurs the two tastes: NDCG@10 0.35 against 0.58.
    worse = _train("ease", lam=10.0, min_item_count=1, min_rating=None)
    assert good.promoted and not worse.promoted
    assert worse.status == "succeeded" and "worse than serving" in worse.metrics["gate"]["reason"]
    assert worse.metrics["validation"]["ndcg"] < good.metrics["validation"]["ndcg"]
    assert ModelVersion.objects.get(kind="ease", is_serving=True) == good.model_version
    assert ModelVersion.objects.filter(kind="ease").count() == 1


def test_a_failing_run_is_marked_failed_and_leaves_the_serving_model(taste_catalog):
    served = _train("ease", lam=10.0, min_item_count=1, min_rating=4.0).model_version
    failed = _train("ease", lam=-1.0, min_item_count=1)  # the config refuses it
    assert failed.status == "failed" and "lam must be > 0" in failed.log_tail
    assert ModelVersion.objects.get(kind="ease", is_serving=True) == served


def test_unknown_kinds_and_parameters_are_refused_up_front(db):
    with pytest.raises(ValueError, match="unknown model kind 'bert'"):
        training_run_create(kind="bert", dispatch=False)
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) for ease: \['lambda'\]"):
        training_run_create(kind="ease", parameters={"lambda": 3}, dispatch=False)
    with pytest.raises(ValueError, match=r"unknown re-ranker feature\(s\) \['mood'\]"):
        training_run_create(kind="reranker", parameters={"features": ["cf", "mood"]}, dispatch=False)
    assert not TrainingRun.objects.exists()


def test_runs_whose_worker_stopped_reporting_are_failed(db, settings):
    stale = TrainingRun.objects.create(
        kind="ease",
        status="running",
        heartbeat_at=timezone.now() - timedelta(seconds=settings.TRAINING_STALE_AFTER_S + 5),
    )
    alive = TrainingRun.objects.create(kind="svd", status="running", heartbeat_at=timezone.now())
    assert training_runs_reap_stale() == 1
    stale.refresh_from_db()
    alive.refresh_from_db()
    assert (stale.status, alive.status) == ("failed", "running")
    assert "the worker died" in stale.log_tail


def test_a_promotion_reaches_processes_that_cached_the_old_model(taste_catalog):
    first = _train("popularity").model_version
    assert serving_model("popularity")[0] == first
    second = _train("popularity").model_version  # same data and params: not worse, so it serves
    assert serving_model("popularity")[0] == second
    model_version_promote(version=first)  # an admin rolls back
    assert serving_model("popularity")[0] == first
    assert ModelVersion.objects.filter(kind="popularity", is_serving=True).count() == 1
