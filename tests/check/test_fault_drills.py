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
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import requests
from celery import Celery
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from rest_framework.authtoken.models import Token

from catalog.models import Rating
from recommender.models import TrainingRun
from recsite.embedded import EmbeddedRedis, port_is_free
from recsite.services_config import embedded_services
from tests.check.conftest import figure
from tests.conftest import stop_process
from training.services.runs import training_run_create

pytestmark = [pytest.mark.check, pytest.mark.slow, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PEOPLE = 2
OUTAGE_S = 6.0  # how long each service stays down
STALE_AFTER_S = 60  # the smallest stale limit settings allow: a killed run is failed within 1.5x this


def _free_port(start: int) -> int:
    return next(port for port in range(start, start + 200) if port_is_free(port))


def _wait_for(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")


# --- the stack ----------------------------------------------------------------------------------


@pytest.fixture
def drill_redis(tmp_path):
    (tmp_path / "redis").mkdir()
    redis = EmbeddedRedis(tmp_path / "redis", _free_port(63900))
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


class Stack:
    """The processes of one drill, stopped at the end whatever happened."""

    def __init__(self, env: dict, folder) -> None:
        self.env, self.folder, self.processes = env, folder, {}

    def web(self) -> str:
        port = _free_port(8700)
        self.processes["web"] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "recsite.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "2", "--control-socket", str(self.folder / "gunicorn.ctl"),
             "--error-logfile", str(self.folder / "web.log")],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _wait_for(lambda: _answers(f"{base}/api/v1/movies/"), 120, "gunicorn to answer")
        return base

    def worker(self, name: str, queues: str) -> subprocess.Popen:
        """A worker as `make run` starts one; in a process group of its own, so kill -9 takes all of it."""
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", queues, "--concurrency", "1",
             "--loglevel", "INFO", "--logfile", str(self.folder / f"{name}.log"), "-n", f"{name}-{os.getpid()}@%h"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        return self.processes[name]

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes.values():
            stop_process(process)


@pytest.fixture
def stack(stack_env, tmp_path):
    running = Stack(stack_env, tmp_path)
    yield running
    running.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


# --- people -------------------------------------------------------------------------------------


@dataclass
class Answer:
    at: float
    call: str
    status: int | None  # None: no answer at all (refused, reset, timed out)
    clear: bool  # an error that says what happened: JSON with a message (API) or a page that says it (site)


class Visitor(threading.Thread):
    """Someone using the site in a loop: browse, search, feed, rate, sign in now and then."""

    def __init__(self, base: str, username: str, token: str, movie_ids: list[int], seed: int) -> None:
        super().__init__(daemon=True)
        self.base, self.username, self.token, self.movie_ids, self.seed = base, username, token, movie_ids, seed
        self.answers: list[Answer] = []
        self.confirmed: dict[int, float] = {}  # movie -> the last rating the server confirmed
        self.stopping = threading.Event()

    def run(self) -> None:
        rng, session, step = random.Random(self.seed), requests.Session(), 0
        auth = {"Authorization": f"Token {self.token}"}
        while not self.stopping.is_set():
            step += 1
            movie = rng.choice(self.movie_ids)
            value = rng.randrange(1, 11) / 2
            calls = [
                ("browse page", "get", "/movies/", {}),
                ("movie page", "get", f"/movies/{movie}/", {}),
                ("search API", "get", "/api/v1/movies/?q=drill", {"headers": auth}),
                ("feed API", "get", "/api/v1/me/feed/", {"headers": auth}),
                ("rate API", "post", "/api/v1/me/ratings/",
                 {"headers": auth, "json": {"movie": movie, "rating": value}}),
            ]  # fmt: skip
            if step % 25 == 1:  # signing in is throttled (10 a minute): now and then, as people do
                calls.append(("sign-in API", "post", "/api/v1/auth/token/",
                              {"json": {"username": self.username, "password": "a-long-test-password"}}))  # fmt: skip
            for call, method, path, options in calls:
                self._call(session, call, method, path, options, movie, value)
            time.sleep(0.05)

    def _call(self, session, call, method, path, options, movie, value) -> None:
        try:
            response = session.request(method, self.base + path, timeout=15, **options)
        except requests.RequestException:
            self.answers.append(Answer(time.monotonic(), call, None, False))
            return
        if call == "rate API" and response.status_code in (200, 201):
            self.confirmed[movie] = value
        self.answers.append(Answer(time.monotonic(), call, response.status_code, _clear(response)))


def _clear(response) -> bool:
    if response.status_code < 400:
        return True
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return bool(response.json().get("detail"))
    return "not answering" in response.text or "try again" in response.text


@pytest.fixture
def people(make_user, make_movie):
    movies = [make_movie(f"Drill Movie {n}", 1980 + n, ("Drama",), rating_count=5) for n in range(12)]
    made = []
    for n in range(PEOPLE):
        user = make_user(f"drill{n}")
        # Hashed as the server hashes (the tests' own hasher is a fast one it does not know), cheaply.
        user.password = PBKDF2PasswordHasher().encode("a-long-test-password", "drill-salt", iterations=1000)
        user.save()
        made.append((user.username, Token.objects.create(user=user).key))
    return made, [movie.pk for movie in movies]


def _traffic(base: str, people_and_movies) -> list[Visitor]:
    accounts, movie_ids = people_and_movies
    crowd = [Visitor(base, username, token, movie_ids, seed) for seed, (username, token) in enumerate(accounts)]
    for person in crowd:
        person.start()
    return crowd


def _stop(crowd: list[Visitor]) -> list[Answer]:
    for person in crowd:
        person.stopping.set()
    for person in crowd:
        person.join(timeout=60)
    return sorted((answer for person in crowd for answer in person.answers), key=lambda answer: answer.at)


def _lost_ratings(crowd: list[Visitor]) -> int:
    """Ratings the server confirmed that are not in the database with the confirmed value."""
    connection.close()  # the drill may have restarted the database under this connection
    lost = 0
    for person in crowd:
        stored = dict(Rating.objects.filter(user__username=person.username).values_list("movie_id", "value"))
        lost += sum(float(stored.get(movie, -1)) != value for movie, value in person.confirmed.items())
    return lost


def _summary(answers: list[Answer]) -> str:
    """Answers by status, and by call for every status that is not a success."""
    counts = Counter()
    for answer in answers:
        failed = answer.status is None or answer.status >= 300
        counts[(answer.status or 0, answer.call if failed else "")] += 1
    return ", ".join(f"{status or 'no answer'}{f' ({call})' if call else ''}: {count}"
                     for (status, call), count in sorted(counts.items()))  # fmt: skip


# --- the drills ---------------------------------------------------------------------------------


def test_redis_restart_under_traffic_and_running_workers(stack, people, drill_redis):
    base = stack.web()
    workers = {"default": stack.worker("default", "default"), "gpu": stack.worker("gpu", "gpu,interactive")}
    client = Celery(broker=drill_redis.url, backend=drill_redis.url, set_as_current=False)
    assert client.send_task("workers.health_check", queue="default").get(timeout=120)["movies"] == 12
    client.close()
    sender = Celery(broker=drill_redis.url, set_as_current=False)  # no result to wait for: no backend

    crowd = _traffic(base, people)
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
    answers = _stop(crowd)

    failures = [a for a in answers if a.status is None or a.status >= 500]
    lost = _lost_ratings(crowd)
    client = Celery(broker=drill_redis.url, backend=drill_redis.url, set_as_current=False)  # a new caller
    after = client.send_task("workers.health_check", queue="default").get(timeout=120)
    gpu_after = client.send_task("workers.health_check", queue="gpu").get(timeout=120)
    alive = sum(process.poll() is None for process in workers.values())
    figure("drill: Redis restart under traffic (answers)", len(answers), want=">= 100", holds=len(answers) >= 100)
    figure("  Redis drill: server errors or no answer", len(failures), want="0", holds=not failures)
    figure("  Redis drill: confirmed ratings lost", lost, want="0", holds=lost == 0)
    figure("  Redis drill: workers alive and running tasks after", alive, want="2", holds=alive == 2)
    print(f"\nRedis restart drill: {_summary(answers)}")
    assert len(answers) >= 100 and not failures, _summary(answers)
    assert lost == 0
    assert after["movies"] == gpu_after["movies"] == 12
    assert alive == 2 and "Unrecoverable error" not in stack.log("default") + stack.log("gpu")


def test_postgres_restart_under_traffic(stack, people):
    if not settings.DATABASE_URL_IS_EMBEDDED:
        pytest.skip("DATABASE_URL points at an external server: this drill restarts the embedded one")
    postgres = next(service for service in embedded_services() if service.name == "postgres")
    base = stack.web()
    crowd = _traffic(base, people)
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
    answers = _stop(crowd)

    during = [a for a in answers if stopped_at <= a.at <= back_at]
    server_errors = [a for a in answers if a.status is None or (a.status >= 500 and a.status != 503)]
    unclear = [a for a in answers if a.status == 503 and not a.clear]
    recovered = [a for a in answers if a.at > back_at and a.status is not None and a.status < 400]
    first_back = min((a.at for a in recovered), default=None)
    last_tail = [a for a in answers if a.at > back_at + 4]
    lost = _lost_ratings(crowd)
    figure("drill: Postgres restart under traffic (answers)", len(answers))
    figure("  Postgres drill: 503 with a message while it was down", sum(a.status == 503 for a in during))
    figure("  Postgres drill: 500s or no answer", len(server_errors), want="0", holds=not server_errors)
    figure("  Postgres drill: 503s without a message", len(unclear), want="0", holds=not unclear)
    figure("  Postgres drill: seconds until answers again",
           round(first_back - back_at, 1) if first_back else "never")  # fmt: skip
    figure("  Postgres drill: confirmed ratings lost", lost, want="0", holds=lost == 0)
    print(f"\nPostgres restart drill: {_summary(answers)}; while down: {_summary(during)}")
    assert not server_errors and not unclear, _summary(answers)
    assert any(a.status == 503 for a in during), "the outage was not seen: the drill did not drill"
    assert last_tail and all(a.status is not None and a.status < 500 for a in last_tail), _summary(last_tail)
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
    first_beat = _wait_for(lambda: fitting.values_list("heartbeat_at", flat=True).first(), 120, "the fit to start")
    _wait_for(lambda: TrainingRun.objects.get(pk=run.pk).heartbeat_at > first_beat, 60, "a heartbeat during the fit")
    os.killpg(trainer.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    _wait_for(lambda: TrainingRun.objects.get(pk=run.pk).status != "running", 2.5 * STALE_AFTER_S,
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
