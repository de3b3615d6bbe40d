"""`python manage.py bench` (make bench): search-request parse latency, and real HTTP latency of the
feed against a plain endpoint.

Free-text search: the latency curve of search_run over the hand-written free-text requests with the
cross-encoder reading 0, 10, 20 and 50 candidates (`--search-only` for just this part).

Parsing: the serving query parser (the fine-tuned LLM when one serves) and its baseline, in this
process with one torch thread, one request at a time, no cache, over the hand-written requests
(distinct, written by people); p50/p95 per parser.

Serves the site with gunicorn (2 sync workers, one thread each, BLAS pinned to one thread) and
drives it with wrk (a C load generator, so the client takes little of the 2 cores): GET
/api/v1/me/feed/?k=20 (classic and language-aware order) rotating over many users' tokens at
concurrency 1 and 4, GET
/api/v1/search/ over a set of free-text queries, and in the same run GET /api/v1/movies/{id}/
as the floor. Each row is one timed wrk run after a warm-up, and starts
with every user's cached feed document retired, so each row pays one cache miss per user.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from rest_framework.authtoken.models import Token

from catalog.changes import users_generation_bump
from catalog.models import Movie
from recommender.models import UserFeed

LUA_SCRIPT = Path(settings.BASE_DIR) / "scripts" / "bench.lua"
SEARCHES = [
    {"q": "something like Alien but less gory"},
    {"q": "a heist that goes wrong, told with dark humour"},
    {"q": "toys come to life", "genre": "Animation"},
    {"q": "cowboys seeking revenge", "genre": "Western"},
    {"q": "lonely robot falls in love"},
    {"q": "courtroom drama about a wrongly accused man", "decade": 1990},
    {"q": "coming of age summer at a lake"},
    {"q": "space mission goes wrong", "genre": "Sci-Fi", "decade": 2010},
]


class Command(BaseCommand):
    help = "Benchmark the feed endpoint over real HTTP (gunicorn + wrk) against a plain endpoint."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=300, help="distinct users (tokens) to rotate through")
        parser.add_argument("--seconds", type=int, default=10, help="duration of each timed run")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--parse-requests", type=int, default=100, help="requests timed per parser")
        parser.add_argument("--parser-only", action="store_true", help="only the parse latency")
        parser.add_argument("--search-only", action="store_true", help="only the free-text search latency curve")
        parser.add_argument("--http-only", action="store_true", help="only the HTTP rows (feed, floor, search)")

    def handle(self, *args, users: int, seconds: int, port: int, parse_requests: int, parser_only: bool, **options):
        if not options["search_only"] and not options["http_only"]:
            self._parse_latency(parse_requests)
        if not parser_only and not options["http_only"]:
            self._free_text_latency()
        if parser_only or options["search_only"]:
            return
        if not shutil.which("wrk"):
            raise CommandError("wrk is not installed: `apt-get install wrk` (make bench does it when run as root)")
        user_ids = list(UserFeed.objects.values_list("user_id", flat=True)[:users])
        if not user_ids:
            raise CommandError(
                "no precomputed feeds: run `make run` (it trains the feed model) and let the worker finish"
            )
        tokens = [Token.objects.get_or_create(user_id=user_id)[0].key for user_id in user_ids]
        movie_ids = Movie.objects.order_by("-rating_count").values_list("id", flat=True)[:500]
        server = self._serve(port)
        rows = []
        try:
            with tempfile.TemporaryDirectory() as folder:
                tokens_file = Path(folder) / "tokens"
                tokens_file.write_text("\n".join(tokens) + "\n")
                endpoints = {
                    "feed   GET /api/v1/me/feed/?k=20&ranking=classic": ["/api/v1/me/feed/?k=20&ranking=classic"],
                    "feedLM GET /api/v1/me/feed/?k=20&ranking=language": ["/api/v1/me/feed/?k=20&ranking=language"],
                    "floor  GET /api/v1/movies/{id}/": [f"/api/v1/movies/{movie_id}/" for movie_id in movie_ids],
                    "search GET /api/v1/search/?q=...&k=10": [f"/api/v1/search/?{urlencode(q)}" for q in SEARCHES],
                }
                # Each gunicorn worker warms its search models at boot (recsite/gunicorn.conf.py); this
                # checks that both answer a search within a second before any row starts.
                _warm(port, endpoints["search GET /api/v1/search/?q=...&k=10"][0], tokens[0])
                for concurrency in (1, 4):
                    for name, paths in endpoints.items():
                        paths_file = self._paths(folder, paths)
                        self._wrk(port, concurrency, 2, tokens_file, paths_file, warmup=True)
                        users_generation_bump(user_ids)  # every row starts with each user's cached feed retired
                        rows.append((name, concurrency, self._wrk(port, concurrency, seconds, tokens_file, paths_file)))
            peaks = _worker_peak_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
            Token.objects.filter(key__in=tokens).delete()
        self._report(rows, len(tokens), seconds)
        self.stdout.write("serving memory: each gunicorn worker's peak resident set (VmHWM) after every row: "
                          + ", ".join(f"{mib:.0f}" for mib in peaks) + " MiB")  # fmt: skip

    def _parse_latency(self, count: int) -> None:
        import torch

        from recommender.engine.query.llm_parser import LLMParser
        from recommender.services.query_parser import serving_parser
        from training.services.query_data import HANDWRITTEN, parse_latency

        torch.set_num_threads(1)
        texts = [json.loads(line)["q"] for line in HANDWRITTEN.read_text().splitlines() if line.strip()][:count]
        parser, name = serving_parser()
        parsers = {name: parser}
        if isinstance(parser, LLMParser):
            parsers[f"its fallback: {parser.fallback.name}"] = parser.fallback
        self.stdout.write(f"parse latency: {len(texts)} distinct hand-written requests, one at a time, no cache, "
                          f"1 torch thread, in-process after one warm-up; ms from one run")  # fmt: skip
        self.stdout.write(f"{'parser':<52}{'n':>7}{'p50':>9}{'p95':>9}")
        for label, each in parsers.items():
            timing = parse_latency(each, texts)
            self.stdout.write(f"{label:<52}{timing['n']:>7}{timing['p50']:>9.1f}{timing['p95']:>9.1f}")

    def _free_text_latency(self) -> None:
        """search_run over both hand-written free-text sets (short: theme and plot; long: first-person
        narratives) with the cross-encoder reading 0/10/20/50 candidates; parse cached (warmed once),
        so the rows time retrieval, re-ranking and reasons; the parse's own cost is the table above."""
        import torch
        from django.contrib.auth.models import AnonymousUser

        from recommender.selectors.search import search_run
        from recommender.services.registry import serving_model
        from training.services.narrative_eval import HANDWRITTEN_DEV, HANDWRITTEN_NARRATIVE

        torch.set_num_threads(1)
        lines = [line for path in (HANDWRITTEN_NARRATIVE, HANDWRITTEN_DEV) for line in path.read_text().splitlines()]
        rows = [json.loads(line) for line in lines if line.strip()]
        sets = {"short": [r["q"] for r in rows if r["kind"] != "narrative"],
                "long": [r["q"] for r in rows if r["kind"] == "narrative"]}  # fmt: skip
        served = serving_model("cross_encoder")
        scorer = (
            f"cross_encoder v{served[0].pk}" if served else "no cross-encoder serves: every row is the same pipeline"
        )
        self.stdout.write(f"\nfree-text search latency: hand-written requests ({len(sets['short'])} short, "
                          f"{len(sets['long'])} long), search_run in-process, anonymous, k=10, 1 torch thread, "
                          f"parse cached after one warm-up; {scorer}; ms from one run")  # fmt: skip
        self.stdout.write(f"{'cross-encoder candidates':<28}{'set':>6}{'n':>5}{'p50':>9}{'p95':>9}")
        user = AnonymousUser()
        for texts in sets.values():
            for text in texts:
                search_run(user=user, query=text, k=10)  # parse cached, models loaded
        for top_n in (0, 10, 20, 50):
            with override_settings(SEARCH_CROSS_TOP_N=top_n):
                for name, texts in sets.items():
                    timings = []
                    for text in texts:
                        started = time.perf_counter()
                        search_run(user=user, query=text, k=10)
                        timings.append((time.perf_counter() - started) * 1000)
                    p50, p95 = np.percentile(timings, 50), np.percentile(timings, 95)
                    self.stdout.write(f"{top_n:<28}{name:>6}{len(timings):>5}{p50:>9.1f}{p95:>9.1f}")

    def _serve(self, port: int) -> subprocess.Popen:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        (Path(settings.VAR_DIR) / "run").mkdir(parents=True, exist_ok=True)
        server = subprocess.Popen(
            [gunicorn, "recsite.wsgi", "-c", "recsite/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "1",
             "--log-level", "warning",
             # its own control socket: the default one in the home folder belongs to `make run`'s gunicorn
             "--control-socket", str(Path(settings.VAR_DIR) / "run" / f"bench-gunicorn-{port}.ctl")],
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

    def _paths(self, folder: str, paths: list[str]) -> Path:
        paths_file = Path(folder) / "paths"
        paths_file.write_text("\n".join(paths) + "\n")
        return paths_file

    def _wrk(self, port, concurrency: int, seconds: int, tokens_file: Path, paths_file: Path, warmup=False) -> dict:
        threads, url = str(min(concurrency, 2)), f"http://127.0.0.1:{port}"
        command = ["wrk", "-t", threads, "-c", str(concurrency), "-d", f"{seconds}s", "--timeout", "30s",
                   "-s", str(LUA_SCRIPT), url, "--", str(tokens_file), str(paths_file)]  # fmt: skip
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
        if not warmup and (result["errors"] or result["non_2xx"]):
            raise CommandError(f"wrk saw {result['errors']} socket errors and {result['non_2xx']} non-2xx responses")
        return result

    def _report(self, rows, users: int, seconds: int) -> None:
        self.stdout.write(
            f"protocol: gunicorn 2 sync workers x 1 thread on 127.0.0.1, BLAS pinned to 1 thread; wrk on the same "
            f"{os.cpu_count()}-core machine, {seconds} s per row after a 2 s warm-up, rotating over {users} users' "
            f"tokens, each user's cached feed retired before each row (their first request computes it); "
            f"latency in ms from one run"
        )
        self.stdout.write(f"{'endpoint':<52}{'conc':>5}{'n':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'req/s':>9}")
        for name, concurrency, r in rows:
            rate = r["requests"] / r["duration_s"]
            self.stdout.write(
                f"{name:<52}{concurrency:>5}{r['requests']:>7}{r['p50']:>9.2f}{r['p95']:>9.2f}{r['p99']:>9.2f}{rate:>9.1f}"
            )
        for concurrency in (1, 4):
            p95 = {name.split()[0]: r["p95"] for name, c, r in rows if c == concurrency}
            self.stdout.write(
                f"concurrency {concurrency}: feed p95 / floor p95 = {p95['feed'] / p95['floor']:.2f}; "
                f"language-aware feed p95 / classic feed p95 = {p95['feedLM'] / p95['feed']:.2f}"
            )


def _worker_peak_mib(master_pid: int) -> list[float]:
    """The peak resident memory of each process the gunicorn master forked (Linux /proc)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        peaks.append(kib / 1024)
    return sorted(peaks)


def _warm(port: int, path: str, token: str, workers: int = 2, timeout: float = 300.0) -> None:
    """Send one request per gunicorn worker at once, again and again, until a round comes back
    within a second each: every worker has loaded what its first request loads."""
    from concurrent.futures import ThreadPoolExecutor

    def timed_request(_) -> float:
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        connection.request("GET", path, headers={"Authorization": f"Token {token}"})
        connection.getresponse().read()
        return time.monotonic() - started

    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(workers) as pool:
        while time.monotonic() < deadline:
            if max(pool.map(timed_request, range(workers))) < 1.0:
                return
    raise CommandError(f"the web workers were still slow after {timeout:.0f} s of warm-up requests")
