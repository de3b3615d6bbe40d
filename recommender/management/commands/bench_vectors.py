"""`manage.py bench_vectors [--queries 200] [--ef-search 40,100,200,400] [--index 32:128] [--json PATH]`

How well the HNSW index over movie embeddings finds the truly nearest movies, and how fast, at this
catalogue's size. Protocol: a seeded sample of embedded movies; each one's own vector is a query
that excludes that movie, as "more like this" does. The truth is the exact top k by cosine (numpy
over every vector). For each index (m:ef_construction) and each hnsw.ef_search it prints recall@k,
the share of the truth the index returned, and the p50/p95 of the query's wall time through
Postgres, at k=10 ("more like this") and k=300 (the search box's candidates, NEAREST). The first
rows are Postgres's exact scan (no index) for the speed ratio. An index other than the serving one
is built on a temporary copy of the vectors; its build time is printed. --json writes the rows.

Serving today: m=16, ef_construction=64 (recommender/models.py); ef_search 100 for "more like this"
(selectors/similar.py) and 400 for search (selectors/search.py), with iterative scans.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from recommender.models import MovieEmbedding
from recommender.selectors.search import NEAREST

SERVING_INDEX = (16, 64)
K_VALUES = (10, NEAREST)


class Command(BaseCommand):
    help = "Recall and latency of the HNSW index over movie embeddings against an exact search."

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=int, default=200, help="sampled movies used as queries")
        parser.add_argument("--ef-search", default="40,100,200,400", help="comma-separated hnsw.ef_search values")
        parser.add_argument("--index", action="append", default=[], metavar="M:EF_CONSTRUCTION",
                            help="also build and measure this index on a copy (repeatable); the serving one "
                                 f"({SERVING_INDEX[0]}:{SERVING_INDEX[1]}) is always measured")  # fmt: skip
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--json", dest="json_path", help="also write the rows and the protocol here")

    def handle(self, *args, queries: int, ef_search: str, index: list[str], seed: int, json_path, **options):
        try:
            ef_values = [int(value) for value in ef_search.split(",") if value.strip()]
            extra = [tuple(int(part) for part in spec.split(":")) for spec in index]
        except ValueError as exc:
            raise CommandError("--ef-search takes integers; --index takes M:EF_CONSTRUCTION, e.g. 32:128") from exc
        if not ef_values or min(ef_values) < 1 or any(len(pair) != 2 or min(pair) < 2 for pair in extra):
            raise CommandError("--ef-search values must be at least 1; --index needs two integers of at least 2")
        if not 1 <= queries <= 10_000:
            raise CommandError("--queries must be between 1 and 10,000")

        ids, vectors = _all_vectors()
        if len(ids) <= max(K_VALUES):
            raise CommandError(f"{len(ids)} movies have embeddings; run manage.py embed (more than {max(K_VALUES)})")
        rng = np.random.default_rng(seed)
        sample = rng.choice(len(ids), size=min(queries, len(ids)), replace=False)
        truth = _exact_top(vectors, sample, max(K_VALUES))
        self.stdout.write(f"protocol: {len(sample)} movies of {len(ids):,} as queries (seed {seed}), each excluding "
                          f"itself; truth = exact cosine top k (numpy); iterative scan relaxed_order as served; "
                          f"one query at a time")  # fmt: skip
        rows = []
        for k in K_VALUES:
            recall, p50, p95, plan = _measure("recommender_movieembedding", ids, vectors, sample, truth, k, ef=None)
            rows.append({"index": "no index", "build_s": None, "ef_search": None, "k": k, "recall": recall,
                         "p50_ms": p50, "p95_ms": p95, "plan": plan})  # fmt: skip
        for pair in [SERVING_INDEX, *[pair for pair in extra if pair != SERVING_INDEX]]:
            table, build = ("recommender_movieembedding", None) if pair == SERVING_INDEX else _copy_with_index(*pair)
            name = f"m={pair[0]} efc={pair[1]}" + (" (serving)" if pair == SERVING_INDEX else "")
            try:
                for k in K_VALUES:
                    for ef in sorted({max(ef, k) for ef in ef_values}):  # pgvector returns at most ef_search rows
                        recall, p50, p95, plan = _measure(table, ids, vectors, sample, truth, k, ef=ef)
                        rows.append({"index": name, "build_s": build, "ef_search": ef, "k": k,
                                     "recall": recall, "p50_ms": p50, "p95_ms": p95, "plan": plan})  # fmt: skip
            finally:
                if table != "recommender_movieembedding":
                    with connection.cursor() as cursor:
                        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        self._table(rows)
        if json_path:
            protocol = {"queries": len(sample), "movies": len(ids), "seed": seed, "k": list(K_VALUES)}
            Path(json_path).write_text(json.dumps({"protocol": protocol, "rows": rows}, indent=1))

    def _table(self, rows: list[dict]) -> None:
        self.stdout.write(f"{'index':<22}{'build s':>9}{'ef_search':>10}{'k':>5}{'recall@k':>10}{'p50 ms':>9}"
                          f"{'p95 ms':>9}  plan")  # fmt: skip
        for row in rows:
            build = "-" if row["build_s"] is None else f"{row['build_s']:.1f}"
            ef = "-" if row["ef_search"] is None else row["ef_search"]
            self.stdout.write(f"{row['index']:<22}{build:>9}{ef:>10}{row['k']:>5}{row['recall']:>10.3f}"
                              f"{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}  {row['plan']}")  # fmt: skip


def _all_vectors() -> tuple[np.ndarray, np.ndarray]:
    rows = list(MovieEmbedding.objects.order_by("movie_id").values_list("movie_id", "vector"))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    ids = np.asarray([movie_id for movie_id, _ in rows], dtype=np.int64)
    vectors = np.asarray([vector for _, vector in rows], dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return ids, vectors


def _exact_top(vectors: np.ndarray, sample: np.ndarray, k: int) -> np.ndarray:
    """Row positions of each sampled movie's k nearest others, nearest first."""
    similarity = vectors[sample] @ vectors.T
    similarity[np.arange(len(sample)), sample] = -np.inf  # a query never finds itself
    top = np.argpartition(-similarity, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(similarity, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


def _measure(table, ids, vectors, sample, truth, k: int, *, ef: int | None) -> tuple[float, float, float, str]:
    """(mean recall@k, p50 ms, p95 ms, the plan) over the sampled queries; ef None = scan without the index."""
    recalls, seconds = [], []
    sql = f"SELECT movie_id FROM {table} WHERE movie_id <> %s ORDER BY vector <=> %s::vector LIMIT %s"
    with transaction.atomic(), connection.cursor() as cursor:
        if ef is None:
            cursor.execute("SET LOCAL enable_indexscan = off")
        else:
            cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            cursor.execute(f"SET LOCAL hnsw.ef_search = {int(ef)}")
        # The planner may prefer a sequential scan (exact, slower) to the index: say which it chose.
        cursor.execute("EXPLAIN " + sql, [int(ids[sample[0]]), _literal(vectors[sample[0]]), k])
        plan = "index" if "Index Scan" in " ".join(row[0] for row in cursor.fetchall()) else "seq scan"
        for position, expected in zip(sample, truth, strict=True):
            started = time.perf_counter()
            cursor.execute(sql, [int(ids[position]), _literal(vectors[position]), k])
            found = {row[0] for row in cursor.fetchall()}
            seconds.append(time.perf_counter() - started)
            recalls.append(len(found & set(ids[expected[:k]].tolist())) / k)
    milliseconds = np.asarray(seconds) * 1000
    p50, p95 = np.percentile(milliseconds, 50), np.percentile(milliseconds, 95)
    return float(np.mean(recalls)), float(p50), float(p95), plan


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{value:.7f}" for value in vector) + "]"


def _copy_with_index(m: int, ef_construction: int) -> tuple[str, float]:
    """A temporary copy of the vectors with its own HNSW index; (table name, index build seconds)."""
    table = f"bench_vectors_m{m}_efc{ef_construction}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE UNLOGGED TABLE {table} AS SELECT movie_id, vector FROM recommender_movieembedding")
        started = time.perf_counter()
        cursor.execute(f"CREATE INDEX ON {table} USING hnsw (vector vector_cosine_ops) "
                       f"WITH (m = {int(m)}, ef_construction = {int(ef_construction)})")  # fmt: skip
        build = time.perf_counter() - started
        cursor.execute(f"ANALYZE {table}")
    return table, build
