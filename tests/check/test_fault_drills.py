"""Fault drills: services fail under real traffic, and the figures say what people saw.

The stack is the one `make run` starts, as processes: gunicorn (2 processes) on the test database,
Celery workers (prefork, one per queue), and a Redis of the drill's own that can be stopped. People
are threads that browse, search, read their feed, rate and sign in over HTTP, and remember every
answer and every rating the server confirmed.

- Redis restart under traffic and under running workers: every answer is a success (writes are
  saved and say so, reads come from Postgres), nothing confirmed is lost, and the workers reconnect
  and run the next task.
- Postgres restart under traffic: while it is down the answers are a clear 503 (JSON with
  Retry-After for the API, a page for the site), never a 500; it answers again once Postgres is
  back; nothing confirmed is lost.
- kill -9 of a worker in the middle of a training run: with no celery beat, the other worker fails
  the run ("the worker died"), a redelivered message for it does nothing, and the next run succeeds.
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from catalog.models import Rating
from recommender.models import TrainingRun
from recsite.embedded import EmbeddedRedis
from recsite.services_config import embedded_services
from tests.check.conftest import figure
from tests.stack import Stack, free_port, lost_ratings, server_accounts, start_traffic, stop_traffic, summary, wait_for
from training.services.runs import training_run_create

pytestmark = [pytest.mark.check, pytest.mark.slow, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PEOPLE = 2
OUTAGE_S = 6.0  # how long each service stays down
STALE_AFTER_S = 60  # the smallest stale limit settings allow: a killed run is failed within 1.5x this


# --- the stack ----------------------------------------------------------------------------------


@pytest.fixture
def drill_redis(tmp_path):
    (tmp_path / "redis").mkdir()
    redis = EmbeddedRedis(tmp_path / "redis", free_port(63900))
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def stack_env(django_db_setup, drill_redis, tmp_path) -> dict:
    db = connection.settings_dict  # the test database pytest-django created
    return dict(
        os.environ,
        DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=drill_redis.url,
        CINEMATCH_MODEL_DIR=str(tmp_path / "models"),
        TRAINING_STALE_AFTER_S=str(STALE_AFTER_S),
    )


@pytest.fixture
def stack(stack_env, tmp_path):
    running = Stack(stack_env, tmp_path)
    yield running
    running.stop()


@pytest.fixture
def people(make_user, make_movie):
    movies = [make_movie(f"Drill Movie {n}", 1980 + n, ("Drama",), rating_count=5) for n in range(12)]
    return server_accounts(make_user(f"drill{n}") for n in range(PEOPLE)), [movie.pk for movie in movies]


# --- the drills ---------------------------------------------------------------------------------


def test_redis_restart_under_traffic_and_running_workers(stack, people, drill_redis):
    base = stack.web()
    workers = {"default": stack.worker("default", "default"), "gpu": stack.worker("gpu", "gpu,interactive")}
    client = Celery(broker=drill_redis.url, backend=drill_redis.url, set_as_current=False)
    assert client.send_task("workers.health_check", queue="default").get(timeout=120)["movies"] == 12
    client.close()
    sender = Celery(broker=drill_redis.url, set_as_current=False)  # no result to wait for: no backend

    crowd = start_traffic(base, people)
    time.sleep(3)
    # Each worker holds a message it has not acknowledged when Redis goes (a task scheduled for
    # later, as the debounced feed refresh is): the case in which celery 5.7.0 exited for good.
    for queue in workers:
        sender.send_task("workers.health_check", queue=queue, countdown=600)
    time.sleep(1)
    drill_redis.stop()
    time.sleep(OUTAGE_S)
    drill_redis.start()
    time.sleep(6)
    answers = stop_traffic(crowd)

    failures = [a for a in answers if a.status is None or a.status >= 500]
    lost = lost_ratings(crowd)
    client = Celery(broker=drill_redis.url, backend=drill_redis.url, set_as_current=False)  # a new caller
    after = client.send_task("workers.health_check", queue="default").get(timeout=120)
    gpu_after = client.send_task("workers.health_check", queue="gpu").get(timeout=120)
    alive = sum(process.poll() is None for process in workers.values())
    figure("drill: Redis restart under traffic (answers)", len(answers), want=">= 100", holds=len(answers) >= 100)
    figure("  Redis drill: server errors or no answer", len(failures), want="0", holds=not failures)
    figure("  Redis drill: confirmed ratings lost", lost, want="0", holds=lost == 0)
    figure("  Redis drill: workers alive and running tasks after", alive, want="2", holds=alive == 2)
    print(f"\nRedis restart drill: {summary(answers)}")
    assert len(answers) >= 100 and not failures, summary(answers)
    assert lost == 0
    assert after["movies"] == gpu_after["movies"] == 12
    assert alive == 2 and "Unrecoverable error" not in stack.log("default") + stack.log("gpu")


def test_postgres_restart_understart_traffic(stack, people):
    if not settings.DATABASE_URL_IS_EMBEDDED:
        pytest.skip("DATABASE_URL points at an external server: this drill restarts the embedded one")
    postgres = next(service for service in embedded_services() if service.name == "postgres")
    base = stack.web()
    crowd = start_traffic(base, people)
    time.sleep(3)
    connection.close()
    stopped_at = time.monotonic()
    try:
        postgres.stop()
        time.sleep(OUTAGE_S)
    finally:
        postgres.start()
    back_at = time.monotonic()
    time.sleep(8)
    answers = stop_traffic(crowd)

    during = [a for a in answers if stopped_at <= a.at <= back_at]
    server_errors = [a for a in answers if a.status is None or (a.status >= 500 and a.status != 503)]
    unclear = [a for a in answers if a.status == 503 and not a.clear]
    recovered = [a for a in answers if a.at > back_at and a.status is not None and a.status < 400]
    first_back = min((a.at for a in recovered), default=None)
    last_tail = [a for a in answers if a.at > back_at + 4]
    lost = lost_ratings(crowd)
    figure("drill: Postgres restart under traffic (answers)", len(answers))
    figure("  Postgres drill: 503 with a message while it was down", sum(a.status == 503 for a in during))
    figure("  Postgres drill: 500s or no answer", len(server_errors), want="0", holds=not server_errors)
    figure("  Postgres drill: 503s without a message", len(unclear), want="0", holds=not unclear)
    figure("  Postgres drill: seconds until answers again",
           round(first_back - back_at, 1) if first_back else "never")  # fmt: skip
    figure("  Postgres drill: confirmed ratings lost", lost, want="0", holds=lost == 0)
    print(f"\nPostgres restart drill: {summary(answers)}; while down: {summary(during)}")
    assert not server_errors and not unclear, summary(answers)
    assert any(a.status == 503 for a in during), "the outage was not seen: the drill did not drill"
    assert last_tail and all(a.status is not None and a.status < 500 for a in last_tail), summary(last_tail)
    assert lost == 0


def test_kill_9_of_a_worker_mid_run(stack, make_user, make_movie, drill_redis):
    movies = [make_movie(f"Fit Movie {n}") for n in range(25)]
    rng = random.Random(3)
    Rating.objects.bulk_create([
        Rating(user=user, movie=movie, value=rng.randrange(1, 11) / 2, rated_at="2020-01-01T00:00Z")
        for user in (make_user() for _ in range(30)) for movie in rng.sample(movies, 15)
    ])  # fmt: skip
    trainer = stack.worker("default", "default")
    stack.worker("gpu", "gpu,interactive")  # the worker that lives on, as with `make run`
    client = Celery(broker=drill_redis.url, backend=drill_redis.url, set_as_current=False)
    # A fit that would take hours: it is running when the worker dies.
    run = training_run_create(kind="svdpp", parameters={"epochs": 10**7}, dispatch=False)
    sender = Celery(broker=drill_redis.url, set_as_current=False)  # no result to wait for: no backend
    sender.send_task("workers.training_run", args=[run.pk], queue="default")
    fitting = TrainingRun.objects.filter(pk=run.pk, status="running", progress__gte=10)
    first_beat = wait_for(lambda: fitting.values_list("heartbeat_at", flat=True).first(), 120, "the fit to start")
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).heartbeat_at > first_beat, 60, "a heartbeat during the fit")
    os.killpg(trainer.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).status != "running", 2.5 * STALE_AFTER_S,
              "the run to be failed without beat")  # fmt: skip
    failed_after = time.monotonic() - killed_at
    run.refresh_from_db()
    failed_state = (run.status, run.finished_at, run.log_tail)

    # The message the dead worker held comes back some day: it must do nothing. A fresh worker
    # takes the next run.
    redelivered = client.send_task("workers.training_run", args=[run.pk], queue="gpu").get(timeout=120)
    run.refresh_from_db()
    stack.worker("default-again", "default")
    following = training_run_create(kind="popularity", dispatch=False)
    status = client.send_task("workers.training_run", args=[following.pk], queue="default").get(timeout=180)

    figure("drill: kill -9 of a worker mid-run (no beat)", "done")
    figure("  kill drill: run says the worker died", int("the worker died" in run.log_tail), want="1",
           holds="the worker died" in run.log_tail)  # fmt: skip
    figure("  kill drill: seconds from kill to failed", round(failed_after), want=f"stale {STALE_AFTER_S} s")
    figure("  kill drill: redelivered message changed the run", int((run.status, run.finished_at, run.log_tail)
           != failed_state), want="0", holds=(run.status, run.finished_at, run.log_tail) == failed_state)  # fmt: skip
    figure("  kill drill: next run on a fresh worker", status, want="succeeded", holds=status == "succeeded")
    assert failed_state[0] == "failed" and "the worker died" in failed_state[2]
    assert redelivered == "failed" and (run.status, run.finished_at, run.log_tail) == failed_state
    assert status == "succeeded"
