"""A running CineMatch made of processes, and people who use it over HTTP, for the tests that need
the real thing: the fault drills (tests/check/test_fault_drills.py) and the several-processes test
(tests/test_many_processes.py).

Stack starts gunicorn and Celery workers as `make run` does, against the test database and a Redis
the caller chooses; Visitor is one person in a thread who browses, searches, reads their feed,
rates and signs in, and remembers every answer and every rating the server confirmed.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import requests
from django.db import connection

from catalog.models import Rating
from recsite.embedded import port_is_free
from tests.conftest import stop_process

GUNICORN_CONFIG = Path(__file__).resolve().parents[1] / "recsite" / "gunicorn.conf.py"


def free_port(start: int) -> int:
    return next(port for port in range(start, start + 200) if port_is_free(port))


def wait_for(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")


class Stack:
    """The processes of one test, stopped at the end whatever happened."""

    def __init__(self, env: dict, folder) -> None:
        self.env, self.folder, self.processes = env, folder, {}

    def web(self, name: str = "web", processes: int = 2) -> str:
        """A gunicorn master with its own control socket (two may run side by side); its base URL."""
        port = free_port(8700)
        # Django logs a failed request's traceback to the process's own output, not gunicorn's log.
        with open(self.folder / f"{name}.out", "ab") as output:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "recsite.wsgi", "-c", str(GUNICORN_CONFIG),
                 "--bind", f"127.0.0.1:{port}", "--workers", str(processes), "--threads", "2",
                 "--control-socket", str(self.folder / f"{name}.ctl"),
                 "--error-logfile", str(self.folder / f"{name}.log")],
                env=self.env, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers_ok(f"{base}/api/v1/movies/"), 120, "gunicorn to answer")
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
        paths = (self.folder / f"{name}.log", self.folder / f"{name}.out")
        return "".join(path.read_text(errors="replace") for path in paths if path.exists())

    def stop(self) -> None:
        for process in self.processes.values():
            stop_process(process)


def answers_ok(url: str) -> bool:
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
        self.answers.append(Answer(time.monotonic(), call, response.status_code, is_clear(response)))


def is_clear(response) -> bool:
    if response.status_code < 400:
        return True
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return bool(response.json().get("detail"))
    return "not answering" in response.text or "try again" in response.text


def server_accounts(users) -> list[tuple[str, str]]:
    """(username, API token) for each user, whose password the server processes can check: hashed as
    they hash (the tests' own hasher is a fast one they do not know), cheaply."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from rest_framework.authtoken.models import Token

    accounts = []
    for user in users:
        user.password = PBKDF2PasswordHasher().encode("a-long-test-password", "stack-salt", iterations=1000)
        user.save()
        accounts.append((user.username, Token.objects.create(user=user).key))
    return accounts


def start_traffic(base: str | list[str], people_and_movies) -> list[Visitor]:
    """One Visitor per account; with several base URLs, each person uses the next one round the list."""
    accounts, movie_ids = people_and_movies
    bases = [base] if isinstance(base, str) else base
    crowd = [Visitor(bases[seed % len(bases)], username, token, movie_ids, seed)
             for seed, (username, token) in enumerate(accounts)]  # fmt: skip
    for person in crowd:
        person.start()
    return crowd


def stop_traffic(crowd: list[Visitor]) -> list[Answer]:
    for person in crowd:
        person.stopping.set()
    for person in crowd:
        person.join(timeout=60)
    return sorted((answer for person in crowd for answer in person.answers), key=lambda answer: answer.at)


def lost_ratings(crowd: list[Visitor]) -> int:
    """Ratings the server confirmed that are not in the database with the confirmed value."""
    connection.close()  # the drill may have restarted the database under this connection
    lost = 0
    for person in crowd:
        stored = dict(Rating.objects.filter(user__username=person.username).values_list("movie_id", "value"))
        lost += sum(float(stored.get(movie, -1)) != value for movie, value in person.confirmed.items())
    return lost


def summary(answers: list[Answer]) -> str:
    """Answers by status, and by call for every status that is not a success."""
    counts = Counter()
    for answer in answers:
        failed = answer.status is None or answer.status >= 300
        counts[(answer.status or 0, answer.call if failed else "")] += 1
    return ", ".join(f"{status or 'no answer'}{f' ({call})' if call else ''}: {count}"
                     for (status, call), count in sorted(counts.items()))  # fmt: skip
