"""End to end through a real Celery worker process on the real Redis broker and test database."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from catalog.models import Rating
from recsite.celery import app
from tests.conftest import stop_process
from workers.tasks import health_check, movie_stats_refresh_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(django_db_setup, tmp_path):
    db = connection.settings_dict  # the test database pytest-django created
    env = dict(os.environ, DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               REDIS_URL=settings.REDIS_URL, CINEMATCH_MODEL_DIR=str(tmp_path / "models"))  # fmt: skip
    app.control.purge()  # nothing left over from an earlier run
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", "default,gpu,interactive", "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "INFO", "--logfile", str(log),
         "-n", f"test-{os.getpid()}@%h"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield process
    stop_process(process)


def test_health_task_runs_in_a_worker_against_the_test_database(worker, make_movie):
    make_movie("Heat")
    make_movie("Alien")
    result = health_check.apply_async(queue="default").get(timeout=120)
    assert result["movies"] == 2
    assert result["pgvector"]  # the extension the first migration created


def test_a_worker_recomputes_movie_stats_and_a_redelivery_changes_nothing(worker, make_movie, make_user):
    movie = make_movie("Heat")
    # Written straight to the table (as a bulk import would), so the stats are stale until the task runs.
    Rating.objects.bulk_create(
        [Rating(user=make_user(), movie=movie, value=v, rated_at="2020-01-01T00:00Z") for v in (4, 5, 3)]
    )
    assert movie_stats_refresh_task.apply_async(args=[[movie.id]], queue="default").get(timeout=120) == 1
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_mean) == (3, 4.0)
    for queue in ("gpu", "interactive"):  # every queue is served
        movie_stats_refresh_task.apply_async(args=[[movie.id]], queue=queue).get(timeout=120)
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_mean) == (3, 4.0)


def test_a_queued_training_run_is_trained_by_the_worker_and_promoted(worker, make_movie, make_user):
    from catalog.services import rating_upsert
    from recommender.models import TrainingRun
    from training.services.runs import training_run_create
    from workers.tasks import training_run_task

    movies = [make_movie(f"Film {n}") for n in range(6)]
    for n in range(8):
        user = make_user()
        for movie in movies[n % 3 : n % 3 + 3]:
            rating_upsert(user=user, movie=movie, value=4)
    run = training_run_create(kind="popularity", dispatch=False)
    # Sent twice, as a redelivery would: one execution, the other finds the run claimed.
    first = training_run_task.apply_async(args=[run.pk], queue="default")
    second = training_run_task.apply_async(args=[run.pk], queue="default")
    assert {first.get(timeout=120), second.get(timeout=120)} == {"succeeded"}
    run.refresh_from_db()
    assert run.status == "succeeded" and run.promoted and run.model_version.is_serving
    assert TrainingRun.objects.count() == 1 and run.model_version.training_runs.count() == 1
