"""`python manage.py bench_scale --sizes 100k,1M [--steps ...] [--seed 42] [--keep] [--reuse]` (make bench-scale)

The cost curve of the platform against data size. For each size it writes a synthetic ml-25m-shaped
folder (manage.py synthetic_movielens), creates a database of its own on the same Postgres
(<name>_scale_<size>, dropped at the end unless --keep), and runs each step as the operator would,
as its own `manage.py` process with one BLAS thread: migrate, import_movielens (the real importer),
train svd, train ease, refresh_feeds (every user's feed), http (`manage.py bench --http-only`: feed
and search p95 over real HTTP at concurrency 1 and 4) and, with --steps, quality (`manage.py
evaluate`: NDCG@10 of popularity and EASE on a split of this size's ratings), embed (the
catalogue's embeddings) and vectors (`manage.py bench_vectors`: the HNSW index's recall and latency
against an exact search, after embed). Each step's wall time and peak memory (the process's maximum resident set,
from wait4) go into a table, var/bench-scale/results.json (rows of sizes not rerun are kept), and a
log-log plot of cost against size (var/bench-scale/cost.png). A step that fails ends that size; the
table says which and why. --reuse runs the chosen steps on a size's database kept by an earlier
--keep (embed and vectors after the rest, say) and keeps that size's other saved rows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from training.engine.synthetic.movielens import parse_size

STEPS = ("generate", "migrate", "import", "train_svd", "train_ease", "refresh_feeds", "http", "quality", "embed",
         "vectors")  # fmt: skip
# Opt in: quality refits on a split; embed takes most of an hour at 62,000 movies on CPU; vectors needs embed.
DEFAULT_STEPS = tuple(step for step in STEPS if step not in ("quality", "embed", "vectors"))
COMMANDS = {
    "migrate": ["migrate", "--noinput", "--verbosity", "0"],
    "import": ["import_movielens", "{folder}", "--name", "synthetic"],
    "train_svd": ["train", "svd"],
    "train_ease": ["train", "ease"],
    "refresh_feeds": ["refresh_feeds", "--processes", "{processes}"],
    # feed and search p95 over real HTTP (gunicorn + wrk), concurrency 1 and 4: manage.py bench's rows
    "http": ["bench", "--http-only", "--seconds", "5", "--port", "8190"],
    # ranking quality on this size's ratings (a sanity check across sizes, not a target)
    "quality": ["evaluate", "--models", "popularity", "ease", "--k", "10", "--json", "{results}/quality.json"],
    "embed": ["embed"],
    # HNSW recall and latency against an exact search, the serving index and a denser one
    "vectors": ["bench_vectors", "--index", "32:128", "--json", "{results}/vectors.json"],
}


class Command(BaseCommand):
    help = "Measure import, training, feed refresh (and embedding) at several data sizes."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="100k,1M", help="comma-separated: 100k,1M,10M,25M")
        parser.add_argument("--steps", default=",".join(DEFAULT_STEPS), help=f"from {','.join(STEPS)}")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--keep", action="store_true", help="keep each size's database afterwards")
        parser.add_argument("--reuse", action="store_true",
                            help="run the steps on each size's kept database; keep its other rows")  # fmt: skip
        parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                            help="processes sharing the feed refresh, as workers would (default: cores)")  # fmt: skip

    def handle(self, *args, sizes: str, steps: str, seed: int, keep: bool, reuse: bool, processes: int, **options):
        try:
            counts = [(label.strip(), parse_size(label)) for label in sizes.split(",") if label.strip()]
        except ValueError as exc:
            raise CommandError(f"--sizes: {exc}") from exc
        chosen = [step.strip() for step in steps.split(",") if step.strip()]
        unknown = sorted(set(chosen) - set(STEPS))
        if unknown:
            raise CommandError(f"--steps: unknown {', '.join(unknown)}; choose from {', '.join(STEPS)}")
        out = settings.VAR_DIR / "bench-scale"
        out.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"protocol: synthetic ml-25m-shaped data (seed {seed}); each step a separate manage.py "
                          f"process, OMP/MKL threads 1 (the feed refresh shared by {processes} processes); wall "
                          "time and peak RSS of that process (for the refresh, of its parent)")  # fmt: skip
        rows = _earlier_rows(out / "results.json", {label for label, _ in counts}, chosen if reuse else None)
        for label, count in counts:
            rows += self._one_size(label, count, chosen, seed, keep or reuse, out, processes, reuse)
            (out / "results.json").write_text(json.dumps(rows, indent=1))
        rows.sort(key=lambda row: row["ratings"])  # smallest size first; steps keep their order
        self._table(rows)
        self._plot(rows, out / "cost.png")
        self.stdout.write(f"results: {out / 'results.json'}, plot: {out / 'cost.png'}")

    def _one_size(self, label: str, count: int, steps: list[str], seed: int, keep: bool, out: Path,
                  processes: int, reuse: bool = False) -> list[dict]:  # fmt: skip
        folder = settings.VAR_DIR / "datasets" / "synthetic-movielens" / f"{label.lower()}-seed{seed}"
        database = f"{settings.DATABASES['default']['NAME']}_scale_{label.lower().replace('.', '_')}"
        env = self._environment(database, out / label.lower())
        rows = []
        if reuse:
            if not self._database_exists(database):
                raise CommandError(f"--reuse: there is no database {database}; run this size with --keep first")
        else:
            self._recreate_database(database)
            shutil.rmtree(out / label.lower() / "models", ignore_errors=True)  # a fresh database: fresh versions
        try:
            for step in steps:
                if step == "generate":
                    command = ["synthetic_movielens", "--ratings", label, "--seed", str(seed), "--out", str(folder)]
                else:
                    command = [part.format(folder=folder, processes=processes, results=out / label.lower())
                               for part in COMMANDS[step]]  # fmt: skip
                self.stdout.write(f"[{label}] {step}: manage.py {' '.join(command)}")
                row = {"size": label, "ratings": count, "step": step, **_measure(command, env)}
                if step == "http" and row["ok"]:
                    row["latency_ms"] = _latencies(row["output"])
                    row["serving_peak_mib"] = _serving_peak(row.pop("output"))
                if step == "quality" and row["ok"]:
                    row["quality"] = _quality(out / label.lower() / "quality.json")
                if step == "vectors" and row["ok"]:
                    row["vectors"] = _vectors(out / label.lower() / "vectors.json")
                row.pop("output", None)
                rows.append(row)
                self.stdout.write(f"[{label}] {step}: {row['seconds']:.1f} s, peak {row['peak_mib']:.0f} MiB"
                                  + ("" if row["ok"] else f", FAILED: {row['error']}"))  # fmt: skip
                if not row["ok"]:
                    break
        finally:
            if not keep:
                self._drop_database(database)
        return rows

    def _environment(self, database: str, folder: Path) -> dict:
        db = settings.DATABASES["default"]
        redis_db = settings.REDIS_URL.rsplit("/", 1)[0] + "/7"  # its own Redis db: feed caches keyed by user id
        return dict(
            os.environ,
            DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{database}",
            REDIS_URL=redis_db,
            CINEMATCH_MODEL_DIR=str(folder / "models"),
            OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", HF_HUB_OFFLINE="1",
        )  # fmt: skip

    def _admin_connection(self):
        db = settings.DATABASES["default"]
        return psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db.get("PASSWORD") or None,
                               dbname="postgres", autocommit=True)  # fmt: skip

    def _recreate_database(self, name: str) -> None:
        self._drop_database(name)
        with self._admin_connection() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def _database_exists(self, name: str) -> bool:
        with self._admin_connection() as connection:
            return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None

    def _drop_database(self, name: str) -> None:
        with self._admin_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _table(self, rows: list[dict]) -> None:
        self.stdout.write(f"\n{'size':>6} {'ratings':>11} {'step':<14} {'wall s':>9} {'peak MiB':>9}  ")
        for row in rows:
            status = "" if row["ok"] else f"FAILED ({row['error']})"
            if "latency_ms" in row:
                status = "p95 ms: " + ", ".join(f"{name} {value:.1f}" for name, value in row["latency_ms"].items())
                status += f"; web worker peak {row.get('serving_peak_mib') or '?'} MiB"
            if "vectors" in row:
                status = "serving HNSW: " + "; ".join(
                    f"k={v['k']} ef_search {v['ef_search']}: recall {v['recall']:.3f}, p95 {v['p95_ms']:.1f} ms "
                    f"({v['plan']})" for v in row["vectors"])  # fmt: skip
            if "quality" in row:
                status = "; ".join(f"{name} " + ", ".join(f"{metric} {value:.4f}" for metric, value in metrics.items())
                                   for name, metrics in row["quality"].items())  # fmt: skip
            self.stdout.write(f"{row['size']:>6} {row['ratings']:>11,} {row['step']:<14} {row['seconds']:>9.1f} "
                              f"{row['peak_mib']:>9.0f}  {status}")  # fmt: skip

    def _plot(self, rows: list[dict], path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(7, 4.5))
        for step in dict.fromkeys(row["step"] for row in rows):
            points = [(row["ratings"], row["seconds"]) for row in rows if row["step"] == step and row["ok"]]
            if points:
                axes.plot(*zip(*points, strict=True), marker="o", label=step)
        axes.set(xscale="log", yscale="log", xlabel="ratings", ylabel="wall seconds", title="Cost against size")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(path, dpi=110)
        plt.close(figure)


def _earlier_rows(path: Path, sizes: set[str], reused_steps: list[str] | None = None) -> list[dict]:
    """The saved rows this run does not measure again, so the table and the plot keep every size
    measured so far (a 25M run takes hours: sizes are often run one at a time): rows of other sizes,
    and with --reuse (`reused_steps`) this size's rows of the other steps."""
    if not path.is_file():
        return []
    rows = json.loads(path.read_text())
    if reused_steps is None:
        return [row for row in rows if row.get("size") not in sizes]
    return [row for row in rows if row.get("size") not in sizes or row.get("step") not in reused_steps]


def _measure(command: list[str], env: dict) -> dict:
    """Run `manage.py command` to the end; its wall time and peak resident memory (wait4's rusage)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "manage.py", *command], env=env, cwd=settings.BASE_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    output = process.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    ok = process.returncode == 0
    error = "" if ok else (output.strip().splitlines() or [f"exit {process.returncode}"])[-1][:200]
    return {"seconds": round(seconds, 2), "peak_mib": round(usage.ru_maxrss / 1024, 1), "ok": ok, "error": error,
            "output": output}  # fmt: skip


def _quality(path: Path) -> dict[str, dict[str, float]]:
    """NDCG@10 and hit rate@10 per model from manage.py evaluate's JSON (its protocol: stratified split,
    seed 42, full ranking of every movie the test user did not rate in train)."""
    models = json.loads(path.read_text())["models"]
    return {name: {f"{metric}@10": result["metrics"][metric] for metric in ("ndcg", "hr")}
            for name, result in models.items()}  # fmt: skip


def _serving_peak(output: str) -> float | None:
    """The largest gunicorn worker's peak resident memory from manage.py bench's "serving memory" line."""
    for line in output.splitlines():
        if line.startswith("serving memory:"):
            return max(float(value) for value in line.split(":", 2)[-1].replace("MiB", "").split(","))
    return None


def _latencies(output: str) -> dict[str, float]:
    """p95 in ms per endpoint and concurrency from manage.py bench's table ("feed c4": 12.3)."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] in ("feed", "feedLM", "floor", "search") and parts[-6].isdigit():
            found[f"{parts[0]} c{parts[-6]}"] = float(parts[-3])
    return found


def _vectors(path: Path) -> list[dict]:
    """manage.py bench_vectors' rows for the serving index at the ef_search each reader uses:
    "more like this" at k=10, the search box's candidates at k=NEAREST."""
    from recommender.selectors import search, similar

    served = {10: similar.EF_SEARCH, search.NEAREST: search.EF_SEARCH}
    return [row for row in json.loads(path.read_text())["rows"]
            if row["index"].endswith("(serving)") and served.get(row["k"]) == row["ef_search"]]  # fmt: skip
