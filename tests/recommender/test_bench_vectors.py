"""manage.py bench_vectors: its truth agrees with Postgres's exact scan, and it reports every index and plan."""

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.models import Movie
from recommender.models import DIMENSIONS, MovieEmbedding

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded_catalog():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(8, DIMENSIONS))  # clustered, as genres cluster real movies
    movies = Movie.objects.bulk_create([Movie(title=f"Film {n}", year=2000) for n in range(360)])
    vectors = centres[np.arange(360) % 8] + 0.5 * rng.normal(size=(360, DIMENSIONS))
    MovieEmbedding.objects.bulk_create(
        MovieEmbedding(movie=movie, vector=vector.tolist(), model_name="test", document="", document_hash=str(n))
        for n, (movie, vector) in enumerate(zip(movies, vectors, strict=True))
    )


def test_the_exact_scan_finds_the_numpy_truth_and_every_index_row_names_its_plan(embedded_catalog, tmp_path):
    call_command("bench_vectors", queries=15, ef_search="40,400", index=["8:32"], json_path=tmp_path / "v.json",
                 stdout=StringIO())  # fmt: skip
    report = json.loads((tmp_path / "v.json").read_text())
    assert report["protocol"] == {"queries": 15, "movies": 360, "seed": 42, "k": [10, 300]}
    rows = report["rows"]
    exact = [row for row in rows if row["index"] == "no index"]
    assert [row["k"] for row in exact] == [10, 300]
    assert all(row["recall"] == 1.0 for row in exact)  # Postgres's exact order is the numpy truth
    for name in ("m=16 efc=64 (serving)", "m=8 efc=32"):
        measured = [(row["k"], row["ef_search"]) for row in rows if row["index"] == name]
        assert measured == [(10, 40), (10, 400), (300, 300), (300, 400)]  # ef_search is at least k
    for row in rows:
        assert row["plan"] in ("index", "seq scan") and 0.0 <= row["recall"] <= 1.0 and row["p95_ms"] > 0
    assert all(row["build_s"] > 0 for row in rows if row["index"] == "m=8 efc=32")
    with connection.cursor() as cursor:  # the copy is gone
        cursor.execute("SELECT to_regclass('bench_vectors_m8_efc32')")
        assert cursor.fetchone()[0] is None


@pytest.mark.parametrize(
    "options", [{"ef_search": "0"}, {"ef_search": "many"}, {"index": ["16"]}, {"index": ["1:64"]}, {"queries": 0}]
)
def test_bad_options_are_refused_with_a_message(options):
    with pytest.raises(CommandError):
        call_command("bench_vectors", **options)


def test_too_few_embeddings_are_refused_with_what_to_run():
    with pytest.raises(CommandError, match="manage.py embed"):
        call_command("bench_vectors")
