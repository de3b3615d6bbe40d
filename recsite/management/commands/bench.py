"""`python manage.py bench` (make bench): real HTTP latency of the feed against a plain endpoint.

Serves the site with gunicorn (2 workers, one thread each, BLAS pinned to one thread), then
drives GET /api/v1/me/feed/?k=20 for many users at concurrency 1 and 4, and in the same run
GET /api/v1/movies/{id}/ as the floor. Clients are separate processes on this machine, so on
2 cores they compete with the server: the ratio to the floor is the fair number.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import subprocess
import sys
import time

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from catalog.models import Movie
from recommender.models import UserFeed

PORT = 8100


def _drive(args: tuple[list[tuple[str, str]], int]) -> list[float]:
    """One client process: each (path, token) in turn, a new connection each (gunicorn sync workers)."""
    requests, port = args
    latencies = []
    for path, token in requests:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", path, headers={"Authorization": f"Token {token}", "Accept": "application/json"})
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path} -> {response.status}")
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


class Command(BaseCommand):
    help = "Benchmark the feed endpoint over real HTTP against a plain endpoint."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=200, help="distinct users (tokens) to rotate through")
        parser.add_argument("--requests", type=int, default=400, help="requests per endpoint and concurrency")
        parser.add_argument("--port", type=int, default=PORT)

    def handle(self, *args, users: int, requests: int, port: int, **options):
        feeds = list(UserFeed.objects.values_list("user_id", flat=True)[:users])
        if not feeds:
            raise CommandError(
                "no precomputed feeds: run `make run` (it trains the feed model) and let the worker finish"
            )
        tokens = [Token.objects.get_or_create(user_id=user_id)[0] for user_id in feeds]
        created_keys = [token.key for token in tokens]
        movie_ids = list(Movie.objects.order_by("-rating_count").values_list("id", flat=True)[:500])
        server = self._serve(port)
        try:
            rows = []
            for concurrency in (1, 4):
                for name, make_path in (
                    ("feed   GET /api/v1/me/feed/?k=20", lambda n: "/api/v1/me/feed/?k=20"),
                    ("floor  GET /api/v1/movies/{id}/", lambda n: f"/api/v1/movies/{movie_ids[n % len(movie_ids)]}/"),
                ):
                    plan = [(make_path(n), tokens[n % len(tokens)].key) for n in range(requests)]
                    _drive((plan[:20], port))  # warm-up: connections, caches, model pages
                    rows.append((name, concurrency, *self._run(plan, concurrency, port)))
        finally:
            server.terminate()
            server.wait(timeout=30)
            Token.objects.filter(key__in=created_keys).delete()
        self._report(rows, len(tokens), requests)

    def _serve(self, port: int) -> subprocess.Popen:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        server = subprocess.Popen(
            [gunicorn, "recsite.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "1",
             "--log-level", "warning"],
            env=env, cwd=settings.BASE_DIR,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/api/v1/schema/")
                if connection.getresponse().status == 200:
                    return server
            except OSError:
                time.sleep(0.3)
        server.terminate()
        raise CommandError(f"gunicorn did not answer on port {port} within 60 s")

    def _run(self, plan, concurrency: int, port: int) -> tuple[float, float, float, float, int]:
        chunks = [(plan[n::concurrency], port) for n in range(concurrency)]
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(concurrency) as pool:
            latencies = np.concatenate([np.asarray(part) for part in pool.map(_drive, chunks)])
        elapsed = time.perf_counter() - started
        p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
        return p50, p95, p99, len(latencies) / elapsed, len(latencies)

    def _report(self, rows, users: int, requests: int) -> None:
        self.stdout.write(
            f"protocol: gunicorn 2 sync workers x 1 thread on 127.0.0.1, BLAS pinned to 1 thread; {requests} "
            f"requests per row rotating over {users} users' tokens, client processes on the same {os.cpu_count()}-core "
            f"machine, new connection per request; latency in ms, one run"
        )
        self.stdout.write(f"{'endpoint':<36}{'conc':>5}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'req/s':>9}")
        for name, concurrency, p50, p95, p99, rate, count in rows:
            self.stdout.write(f"{name:<36}{concurrency:>5}{count:>6}{p50:>9.2f}{p95:>9.2f}{p99:>9.2f}{rate:>9.1f}")
        for concurrency in (1, 4):
            feed = next(r for r in rows if r[0].startswith("feed") and r[1] == concurrency)
            floor = next(r for r in rows if r[0].startswith("floor") and r[1] == concurrency)
            self.stdout.write(f"concurrency {concurrency}: feed p95 / floor p95 = {feed[3] / floor[3]:.2f}")
