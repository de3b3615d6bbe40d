"""The "cross_encoder" training run on the real database: theme requests built from a small catalog
(no narrative data set exists), the bundled MiniLM as body, weights fitted on validation requests."""

import pytest

from recommender.models import ModelVersion
from recommender.services.embeddings import embeddings_refresh
from training.services.runs import training_run_create, training_run_execute

pytestmark = [pytest.mark.django_db, pytest.mark.ml, pytest.mark.slow]

THEMES = {
    "heist": ("Crime", "Thieves plan a daring robbery of a guarded vault."),
    "haunted house": ("Horror", "A family moves into a house where something walks at night."),
    "time travel": ("Sci-Fi", "A scientist jumps between decades to undo a mistake."),
    "wedding": ("Romance", "Two families clash in the week before a wedding."),
    "boxing": ("Drama", "A fighter past his prime trains for one last bout."),
    "dragon": ("Fantasy", "A young rider bonds with a dragon to save her kingdom."),
}


@pytest.fixture
def catalog(make_movie, settings, tmp_path):
    settings.MODEL_DIR = tmp_path / "models"
    settings.VAR_DIR = tmp_path / "var"
    for n in range(120):
        keyword, (genre, story) = list(THEMES.items())[n % len(THEMES)]
        make_movie(f"{keyword.title()} Story {n}", 1960 + n % 50, (genre,), keywords=[keyword],
                   overview=f"{story} Chapter {n}.", rating_count=n % 40, rating_mean=3.0 + (n % 5) / 2)  # fmt: skip
    assert embeddings_refresh().embedded == 120


def test_a_cross_encoder_run_fits_weights_with_and_without_it_and_is_promoted_only_by_the_gate(catalog):
    parameters = {"max_groups": 8, "negatives": 2, "batch_size": 4, "validation_requests": 12, "top_n": 5}
    run = training_run_create(kind="cross_encoder", parameters=parameters, dispatch=False)
    run = training_run_execute(run_id=run.pk, worker="test")
    assert run.status == "succeeded", run.log_tail
    metrics = run.metrics
    assert set(metrics["weights"]) == {"with_cross_encoder", "without_cross_encoder"}
    assert metrics["weights"]["without_cross_encoder"]["cross"] == 0.0  # it had no cross-encoder to weigh
    assert metrics["protocol"]["train_groups"] == 8 and metrics["protocol"]["top_n"] == 5
    assert "without a cross-encoder" in metrics["baselines"]
    assert run.promoted == metrics["gate"]["passed"]
    assert ModelVersion.objects.filter(kind="cross_encoder", is_serving=True).exists() == run.promoted


def test_an_embedder_run_on_search_requests_is_judged_on_validation_requests_among_validation_movies(catalog):
    parameters = {"max_pairs": 8, "batch_size": 4, "max_seq_length": 48, "lr": 1e-6}
    run = training_run_create(kind="embedder", parameters=parameters, dispatch=False)
    run = training_run_execute(run_id=run.pk, worker="test")
    assert run.status == "succeeded", run.log_tail
    protocol = run.metrics["protocol"]
    assert protocol["name"].startswith("validation requests") and protocol["train_requests"] > 0
    assert protocol["validation_requests"] > 0 and 0 < protocol["corpus"] < 120
    assert run.promoted == run.metrics["gate"]["passed"]
