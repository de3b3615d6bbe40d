"""The toy pipeline: fit on the even-numbered ratings, measure on the odd ones, ask the one gate."""

from __future__ import annotations

from recommender.models import ModelVersion, TrainingRun
from recommender.services.data import ratings_interactions
from recommender.services.registry import model_version_publish
from tests.training.toy.engine import MeanRating
from training.services.gate import promotion_gate

promoted: list[int] = []  # what the after-promotion hook saw


def train(run: TrainingRun, reporter) -> tuple[dict, ModelVersion | None]:
    ratings = ratings_interactions().ratings
    if len(ratings) < 2:
        raise ValueError("the toy needs at least two ratings")
    reporter.step(20, f"fitting the mean of {len(ratings[::2])} ratings")
    model = MeanRating(shrink=float(run.parameters["shrink"])).fit(ratings[::2])
    metrics = {"rmse": round(model.rmse(ratings[1::2]), 5)}
    passed, reason = promotion_gate(kind=run.kind, candidate=metrics)
    run_metrics = {"validation": metrics, "gate": {"passed": passed, "reason": reason}}
    if not passed:
        return run_metrics, None
    version = model_version_publish(kind=run.kind, parameters=run.parameters, metrics=run_metrics, model=model)
    return run_metrics, version


def after_promotion(version: ModelVersion) -> None:
    promoted.append(version.pk)
