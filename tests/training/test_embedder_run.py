"""The "embedder" training run on the real database with the bundled MiniLM and a dozen movies."""

from pathlib import Path

import pytest

from recommender.engine.evaluation.semantic import held_out
from recommender.models import ModelVersion, MovieEmbedding, TrainingRun
from recommender.services.embeddings import embedder, embeddings_refresh
from training.services.runs import training_run_create, training_run_execute

pytestmark = pytest.mark.django_db

PLOTS = [
    ("Deep Space Horror", "Sci-Fi", "A mining crew is hunted by an alien creature aboard their spaceship."),
    ("Orbit of Silence", "Sci-Fi", "Astronauts stranded on a broken space station fight to return to Earth."),
    ("Red Planet Colony", "Sci-Fi", "Settlers on Mars lose contact with home when the dust storms begin."),
    ("The Last Heist", "Crime", "A gang of bank robbers plans one final job before retiring."),
    ("Vault Job", "Crime", "Thieves break into a casino vault and the robbery goes badly wrong."),
    ("Safe Cracker", "Crime", "A retired locksmith is blackmailed into opening a diamond safe."),
    ("Summer Picnic", "Romance", "Two strangers fall in love during a sunny summer in the countryside."),
    ("Letters to Paris", "Romance", "A widow finds old love letters and travels to Paris to find their writer."),
    ("Wedding Season", "Romance", "A cynical planner falls for the best man at the wedding she organises."),
    ("Gridiron", "Sports", "A small-town football team fights for the state championship title."),
    ("Final Round", "Sports", "An aging boxer trains for one last fight against the young champion."),
    ("Open Water", "Sports", "A swimmer attempts to cross the channel after a terrible injury."),
]
TINY = {
    "epochs": 1,
    "batch_size": 4,
    "max_pairs": 8,
    "max_seq_length": 48,
    "held_out_fraction": 0.4,
    "requests_dataset": "",
}  # the overview protocol; the request protocol: test_cross_encoder_run's catalog


@pytest.fixture(autouse=True)
def _model_dir(settings, tmp_path):
    settings.MODEL_DIR = tmp_path / "models"


@pytest.fixture
def catalog(make_movie):
    """Twelve embedded movies, and a seed that holds out 4 to 8 of them (ids differ between sessions)."""
    movies = [make_movie(title, 1980 + n, (genre,), overview=plot) for n, (title, genre, plot) in enumerate(PLOTS)]
    ids = [movie.pk for movie in movies]
    seed = next(s for s in range(1000) if 4 <= len(held_out(ids, fraction=TINY["held_out_fraction"], seed=s)) <= 8)
    assert embeddings_refresh().embedded == len(movies)
    return movies, seed


def _train(**parameters) -> TrainingRun:
    run = training_run_create(kind="embedder", parameters=parameters, dispatch=False)
    return training_run_execute(run_id=run.pk, worker="test")


@pytest.mark.ml
def test_a_first_embedder_run_is_promoted_serves_and_every_movie_is_re_embedded(
    catalog, settings, django_capture_on_commit_callbacks
):
    movies, seed = catalog
    assert embedder().name == settings.EMBEDDING_MODEL_NAME
    with django_capture_on_commit_callbacks() as queued:
        run = _train(**TINY, seed=seed, lr=1e-6)  # a tiny step: not worse than the base it starts from
    assert (run.status, run.progress, run.promoted) == ("succeeded", 100, True), run.log_tail
    version = run.model_version
    assert version.is_serving and version.kind == "embedder"
    metrics = run.metrics
    assert metrics["validation"]["ndcg"] >= metrics["baseline"]["ndcg"] and metrics["gate"]["passed"]
    assert metrics["protocol"]["started_from"] == settings.EMBEDDING_MODEL_NAME
    assert metrics["protocol"]["hard_negatives"] > 0 and metrics["protocol"]["k"] == 10
    assert (Path(settings.MODEL_DIR) / version.artifact_dir / "config_sentence_transformers.json").exists()
    assert len(queued) == 1  # the re-embedding task, sent once the promotion is committed

    # This process notices the promotion without a restart; the refresh (what the queued task
    # runs) finds every movie stale because the model name is part of the document hash.
    assert embedder().name == f"embedder-v{version.pk}"
    assert embeddings_refresh().embedded == len(movies)
    assert set(MovieEmbedding.objects.values_list("model_name", flat=True)) == {f"embedder-v{version.pk}"}


@pytest.mark.ml
@pytest.mark.slow
def test_the_gate_refuses_an_embedder_worse_than_the_serving_one_and_serving_stays(
    catalog, django_capture_on_commit_callbacks
):
    movies, seed = catalog
    serving = _train(**TINY, seed=seed, lr=1e-6).model_version
    with django_capture_on_commit_callbacks() as queued:
        wrecked = _train(**{**TINY, "epochs": 3}, seed=seed, lr=5e-3)  # a learning rate that ruins the model
    assert wrecked.status == "succeeded" and not wrecked.promoted, wrecked.log_tail
    assert wrecked.metrics["validation"]["ndcg"] < wrecked.metrics["baseline"]["ndcg"]
    assert "worse than the serving embedder" in wrecked.metrics["gate"]["reason"]
    assert wrecked.metrics["protocol"]["started_from"] == f"embedder-v{serving.pk}"
    assert ModelVersion.objects.get(kind="embedder", is_serving=True) == serving
    assert ModelVersion.objects.filter(kind="embedder").count() == 1 and not queued
    assert embedder().name == f"embedder-v{serving.pk}"


def test_unknown_embedder_parameters_are_refused_up_front(db):
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) for embedder: \['learning_rate'\]"):
        training_run_create(kind="embedder", parameters={"learning_rate": 1e-4}, dispatch=False)
    assert not TrainingRun.objects.exists()


def test_an_embedder_run_goes_to_the_gpu_queue():
    from recommender.kinds import KINDS

    assert KINDS["embedder"].queue == "gpu"


def test_the_admin_retrain_form_queues_an_embedder_run_with_the_defaults(client, django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", password="a-long-test-password"))
    url = "/admin/recommender/trainingrun/retrain/"
    refused = client.post(url, {"kind": "embedder", "parameters": '{"learning_rate": 0.1}'})
    assert refused.status_code == 200 and b"unknown parameter" in refused.content
    with django_capture_on_commit_callbacks() as queued:  # not executed: no worker listens in tests
        assert client.post(url, {"kind": "embedder", "parameters": '{"max_pairs": 50}'}).status_code == 302
    run = TrainingRun.objects.get(kind="embedder")
    assert run.parameters["max_pairs"] == 50 and run.parameters["hard_negatives"] is True and len(queued) == 1


@pytest.mark.ml
def test_manage_py_train_embedder_runs_in_process(catalog, capsys):
    from django.core.management import call_command

    _, seed = catalog
    params = [
        f"{name}={value}" for name, value in {**TINY, "seed": seed, "lr": 1e-6, "hard_negatives": "false"}.items()
    ]
    call_command("train", "embedder", *[arg for param in params for arg in ("--param", param)])
    run = TrainingRun.objects.get(kind="embedder")
    assert run.status == "succeeded" and run.metrics["protocol"]["hard_negatives"] == 0
    assert run.promoted and ": promoted (" in capsys.readouterr().out
