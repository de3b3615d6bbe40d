"""The enricher training run with the real bundled model on a tiny catalog: LoRA fine-tuning,
held-out evaluation base against fine-tuned, and the gate's decision recorded with the protocol."""

import pytest

from recommender.engine.llm.prompts import MovieFacts, description_prompt
from recommender.models import ModelVersion, TrainingRun
from recommender.services import llm as llm_service
from training.engine.lora_sft import tokenize_example
from training.pipelines.enricher import enricher_datasets
from training.services.runs import training_run_create, training_run_execute

pytestmark = pytest.mark.django_db

OVERVIEWS = [
    ("Harbour Lights", "Drama", "A lonely lighthouse keeper finds a message in a bottle and sets out to answer it."),
    ("Iron Valley", "Western", "A drifter defends a small valley town from a ruthless gang of cattle thieves."),
    ("Deep Orbit", "Sci-Fi", "A crew aboard a mining ship is hunted by a creature in deep space."),
    ("Paper Hearts", "Romance", "Two rival bakers fall in love while competing for the same prize."),
    ("Cold Ledger", "Crime", "An accountant discovers his firm launders money for a dangerous cartel."),
    ("Night Shift", "Comedy", "A hospital night crew tries to keep a chaotic ward running until dawn."),
]


@pytest.fixture
def catalog(make_movie):
    # Fixed ids: held-out movies are drawn by a hash of (seed, id); with seed 41 two of six are held out.
    return [
        make_movie(title, 1990 + n, (genre,), overview=text, id=900001 + n)
        for n, (title, genre, text) in enumerate(OVERVIEWS)
    ]


def test_only_grounded_overviews_of_movies_not_held_out_become_training_examples():
    facts = {
        1: MovieFacts("Heat", 1995, ["Crime"], overview="A crew of thieves plans one last robbery."),
        2: MovieFacts("Ronin", 1998, ["Action"], overview="Sam and Vincent chase a briefcase across France."),
        3: MovieFacts("Fargo", 1996, ["Crime"], overview="A kidnapping goes wrong in a snowy town."),
    }
    examples, held = enricher_datasets(facts, fraction=0.34, seed=1, eval_movies=5)
    held_titles = {f.title for f, _ in held}
    trained = [conversation[-1]["content"] for conversation, _ in examples]
    assert not any(title in text for text in trained for title in held_titles)  # disjoint by movie
    assert all("Ronin" not in text for text in trained)  # invented-looking names: not a target
    assert all("Overview:" not in text for text in trained)  # the answer is never in the prompt


def test_the_loss_counts_only_the_answer_tokens():
    _, tokenizer = llm_service.local_llm().load()
    conversation = description_prompt(MovieFacts("Heat", 1995, ["Crime"]))
    ids, labels = tokenize_example(tokenizer, conversation, "A tense crime story.", max_length=384)
    answer = [label for label in labels if label != -100]
    assert len(ids) == len(labels) and 0 < len(answer) < len(ids)
    assert tokenizer.decode(answer).startswith("A tense crime story.")


@pytest.mark.ml
@pytest.mark.slow
def test_an_enricher_run_that_learns_nothing_is_measured_and_refused(catalog, settings, tmp_path):
    """lr 1e-12 leaves the adapter at its zero start, so the candidate writes what the base writes:
    the same kept ROUGE-L, and a kind that must improve is refused. The decision is pinned."""
    run = training_run_create(
        kind="enricher",
        parameters={
            "steps": 2,
            "batch_size": 2,
            "lr": 1e-12,
            "eval_movies": 2,
            "held_out_fraction": 0.34,
            "max_length": 192,
            "seed": 41,
        },
        dispatch=False,
    )
    run = training_run_execute(run_id=run.pk, worker="test")
    assert run.status == TrainingRun.Status.SUCCEEDED, run.log_tail
    metrics = run.metrics
    for part in ("validation", "baseline"):
        assert {"rouge_l", "embedding_cosine", "grounded", "rouge_l_kept"} <= set(metrics[part])
    assert metrics["protocol"]["eval_movies"] == 2 and metrics["protocol"]["train_examples"] >= 2
    assert "LoRA step 2/2" in run.log_tail
    assert metrics["validation"]["rouge_l_kept"] == metrics["baseline"]["rouge_l_kept"]
    assert metrics["gate"]["passed"] is False and run.promoted is False
    assert "is not better than the current writer's" in metrics["gate"]["reason"]
    assert not ModelVersion.objects.filter(kind="enricher").exists()
    assert llm_service.enricher().name == llm_service.generator().name  # the base still writes
