"""The CURec alignment run with the real bundled model on the taste catalog: GRPO steps logged and
plotted, the base model and the adapter judged on held-out users' tasks, the gate's decision pinned."""

from pathlib import Path

import pytest

from recommender.models import ModelVersion, TrainingRun
from training.services.runs import training_run_create, training_run_execute

pytestmark = [pytest.mark.django_db, pytest.mark.ml, pytest.mark.slow]


def test_an_aligner_run_logs_every_grpo_step_plots_it_and_refuses_an_adapter_that_learnt_nothing(taste_catalog):
    """lr 1e-12 leaves the LoRA adapter at its zero start: greedy answers are the base model's, the
    rewards are equal, and a kind that must improve is refused."""
    parameters = {"steps": 2, "prompts_per_step": 1, "generations": 2, "max_completion_length": 8, "lr": 1e-12,
                  "history": 4, "candidates": 3, "eval_tasks": 2, "validation_users": 0.5, "seed": 42}  # fmt: skip
    run = training_run_execute(run_id=training_run_create(kind="curec_aligner", parameters=parameters,
                                                          dispatch=False).pk, worker="test")  # fmt: skip
    assert run.status == TrainingRun.Status.SUCCEEDED, run.log_tail
    metrics = run.metrics
    assert "GRPO step 2/2: mean reward" in run.log_tail
    assert len(metrics["training_curve"]["reward_per_step"]) == 2
    assert Path(metrics["plot"]).read_bytes().startswith(b"\x89PNG")
    for part in ("validation", "baseline"):
        assert set(metrics[part]) == {"format", "legality", "correctness", "reward"}
    assert metrics["protocol"]["eval_tasks"] == 2 and metrics["protocol"]["chance_correctness"] == 0.3333
    assert metrics["validation"] == metrics["baseline"]
    assert metrics["gate"]["passed"] is False and not ModelVersion.objects.filter(kind="curec_aligner").exists()
