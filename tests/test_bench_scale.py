"""manage.py bench_scale end to end at a tiny size: every step as the operator runs it, on a
database of its own, each row with its wall time and peak memory, the HNSW row from bench_vectors."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from recsite.management.commands.bench_scale import Command as BenchScale

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.ml]

STEPS = ["generate", "migrate", "import", "train_ease", "refresh_feeds"]


@pytest.fixture
def kept_database():
    name = f"{settings.DATABASES['default']['NAME']}_scale_5k"
    yield name
    BenchScale()._drop_database(name)


def test_every_step_runs_at_a_tiny_size_and_the_rows_are_saved(kept_database):
    out = StringIO()
    call_command("bench_scale", sizes="5k", steps=",".join(STEPS), processes=1, keep=True, stdout=out)
    # Later steps on the kept database add their rows to the size's saved ones.
    call_command("bench_scale", sizes="5k", steps="embed,vectors", reuse=True, stdout=out)
    results = settings.VAR_DIR / "bench-scale"
    rows = [row for row in json.loads((results / "results.json").read_text()) if row["size"] == "5k"]
    assert [row["step"] for row in rows] == [*STEPS, "embed", "vectors"], out.getvalue()
    assert all(row["ok"] and row["seconds"] > 0 and row["peak_mib"] > 0 for row in rows), rows
    vectors = rows[-1]["vectors"]  # the serving index at the ef_search each reader uses
    assert [(row["k"], row["ef_search"]) for row in vectors] == [(10, 100), (300, 400)]
    assert all(0.5 <= row["recall"] <= 1.0 for row in vectors), vectors
    assert (results / "cost.png").stat().st_size > 0
    with pytest.raises(CommandError, match="--keep first"):
        call_command("bench_scale", sizes="6k", steps="embed", reuse=True, stdout=out)
