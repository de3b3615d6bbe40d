"""The CURec alignment run (issue 16, stage 1): GRPO with rule-based rewards, checked, promoted.

Protocol: each user's last 20% of ratings by time are held out (`temporal`, the run's seed), and
every task is built from the earlier 80% only: a history of `history` ratings, oldest first, and
`candidates` movies of which one is the next movie the user rated >= 4 stars. Tasks are processed
in timestamp order. A seeded share of users (`validation_users`) is kept apart: their tasks judge
the base model and the adapter, greedily, on the same three rewards (format, legality,
correctness); the adapter is promoted only if its summed mean reward is higher.

The mean reward of every GRPO step is logged, plotted (saved beside the models and on the
version) and summarised as the mean of the first and the last third of the steps.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from django.conf import settings

from catalog.models import Movie
from recommender.engine.evaluation.splits import protocol_split
from recommender.models import ModelVersion, TrainingRun
from recommender.services import llm as llm_service
from recommender.services.data import ratings_interactions
from recommender.services.registry import FolderArtifact, model_version_publish
from training.engine.curec_tasks import alignment_tasks
from training.engine.grpo import GrpoSettings, StepLog, grpo_align, reward_means
from training.engine.plots import reward_curve_png
from training.services.gate import promotion_gate


def train(run: TrainingRun, reporter) -> tuple[dict, ModelVersion | None]:
    p = run.parameters
    reporter.step(2, "loading ratings (temporal split: each user's first 80% by time)")
    train_split, _ = protocol_split(ratings_interactions(), "temporal", seed=p["seed"])
    labels = {movie_id: f"{title} ({year})" if year else title
              for movie_id, title, year in Movie.objects.values_list("id", "title", "year")}  # fmt: skip
    settings_ = GrpoSettings(
        steps=p["steps"], prompts_per_step=p["prompts_per_step"], generations=p["generations"],
        max_completion_length=p["max_completion_length"], lr=p["lr"], rank=p["rank"], seed=p["seed"],
    )  # fmt: skip
    wanted = settings_.steps * settings_.prompts_per_step
    tasks = alignment_tasks(train_split, labels, tasks=wanted * 3 + p["eval_tasks"] * 3, history=p["history"],
                            candidates=p["candidates"], seed=p["seed"])  # fmt: skip
    held = [task for task in tasks if _is_validation_user(task.user_id, p["validation_users"], p["seed"])]
    fitting = [task for task in tasks if task not in held][:wanted]
    held = held[: p["eval_tasks"]]
    if len(fitting) < wanted or len(held) < 2:
        raise ValueError(f"too few tasks: {len(fitting)} to fit (need {wanted}), {len(held)} to judge; import data")
    protocol = {
        "name": "temporal split (each user's first 80% of ratings by time); tasks: the next movie rated >= 4 "
        "stars among candidates (the rest drawn by popularity from movies the user never rated), history "
        "oldest first; judged greedily on tasks of held-out users",
        "seed": p["seed"], "history": p["history"], "candidates": p["candidates"], "fit_tasks": len(fitting),
        "eval_tasks": len(held), "validation_users": p["validation_users"],
        "chance_correctness": round(1 / p["candidates"], 4),
    }  # fmt: skip
    base = llm_service.llm_base_path()
    reporter.step(5, f"judging the base model on {len(held)} held-out tasks")
    baseline = reward_means(base, held, max_new_tokens=settings_.max_completion_length)
    reporter.step(15, f"base model: {_format(baseline)}")

    def progress(entry: StepLog, total: int) -> None:
        message = f"GRPO step {entry.step}/{total}: mean reward {entry.reward:.3f} ({entry.seconds:.0f} s)"
        reporter.step(15 + int(65 * entry.step / total), message)

    with tempfile.TemporaryDirectory(dir=settings.MODEL_DIR) as scratch:
        adapter = Path(scratch) / "adapter"
        steps = grpo_align(base, fitting, settings_, adapter, progress)
        rewards = [entry.reward for entry in steps]
        third = max(1, len(rewards) // 3)
        curve = {"reward_per_step": [round(value, 4) for value in rewards],
                 "first_third_mean": round(sum(rewards[:third]) / third, 4),
                 "last_third_mean": round(sum(rewards[-third:]) / third, 4),
                 "seconds_per_step": round(sum(entry.seconds for entry in steps) / max(len(steps), 1), 1)}  # fmt: skip
        parts = {name: [entry.rewards[name] for entry in steps] for name in ("format", "legality", "correctness")}
        png = reward_curve_png(rewards, parts, f"CURec alignment (GRPO), run {run.pk}: mean reward per step")
        plot_path = Path(settings.MODEL_DIR) / "curec_aligner" / f"run-{run.pk}-reward.png"
        plot_path.parent.mkdir(parents=True, exist_ok=True)
        plot_path.write_bytes(png)
        reporter.step(82, f"reward: first third {curve['first_third_mean']:.3f}, last third "
                          f"{curve['last_third_mean']:.3f}; plot {plot_path}; judging the adapter")  # fmt: skip
        metrics = reward_means(base, held, adapter_dir=adapter, max_new_tokens=settings_.max_completion_length)
        passed, reason = promotion_gate(kind="curec_aligner", candidate=metrics, measured={"the base model": baseline})
        reporter.step(95, f"aligned: {_format(metrics)}; gate: {'pass' if passed else 'refused'} ({reason})")
        run_metrics = {"validation": metrics, "baseline": baseline, "training_curve": curve, "plot": str(plot_path),
                       "protocol": protocol, "gate": {"passed": passed, "reason": reason}}  # fmt: skip
        version = None
        if passed:
            version = model_version_publish(kind="curec_aligner", parameters=p, metrics=run_metrics,
                                            model=FolderArtifact(adapter), plot_png=png)  # fmt: skip
    return run_metrics, version


def _is_validation_user(user_id: int, share: float, seed: int) -> bool:
    digest = hashlib.sha256(f"{seed}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def _format(metrics: dict) -> str:
    return (f"reward {metrics['reward']:.3f} (format {metrics['format']:.3f}, legal {metrics['legality']:.3f}, "
            f"correct {metrics['correctness']:.3f})")  # fmt: skip
