"""Training runs: create, claim (one worker only), execute with progress, reap dead runs."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recommender.engine.evaluation.offline import evaluate_models
from recommender.engine.evaluation.splits import validation_split
from recommender.kinds import DEFAULT_PARAMETERS, QUEUES, build_model
from recommender.models import ModelVersion, TrainingRun
from recommender.services.data import catalog_movie_ids, ratings_interactions
from recommender.services.registry import model_version_publish, promotion_gate
from training.engine.plots import metrics_bar_chart

logger = logging.getLogger(__name__)

GATE_K = 10
GATE_SEED = 20240101  # fixed: every run of a kind is judged on the same validation protocol
LOG_TAIL_CHARS = 4000


def training_run_create(*, kind: str, parameters: dict | None = None, requested_by=None, dispatch: bool = True):
    """Queue a run of `kind`; the task is sent once the row is committed."""
    if kind not in QUEUES:
        raise ValueError(f"unknown model kind {kind!r}; known: {sorted(QUEUES)}")
    unknown = set(parameters or {}) - set(DEFAULT_PARAMETERS[kind])
    if unknown:
        raise ValueError(
            f"unknown parameter(s) for {kind}: {sorted(unknown)}; known: {sorted(DEFAULT_PARAMETERS[kind])}"
        )
    if kind == "reranker":
        from recommender.engine.rerank.model import FEATURES

        unknown = set((parameters or {}).get("features", [])) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown re-ranker feature(s) {sorted(unknown)}; known: {list(FEATURES)}")
    run = TrainingRun.objects.create(
        kind=kind, parameters={**DEFAULT_PARAMETERS[kind], **(parameters or {})}, requested_by=requested_by
    )
    if dispatch:
        from workers.tasks import training_run_task

        transaction.on_commit(lambda: training_run_task.apply_async(args=[run.pk], queue=QUEUES[kind]))
    return run


def training_run_claim(*, run_id: int, worker: str) -> bool:
    """Conditional UPDATE: exactly one caller moves a queued run to running."""
    now = timezone.now()
    claimed = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.RUNNING, worker=worker, started_at=now, heartbeat_at=now, progress=1
    )
    return claimed == 1


class RunReporter:
    """Progress, log tail and heartbeat of a running run, written with UPDATEs (never a stale save)."""

    def __init__(self, run: TrainingRun, echo=None) -> None:
        self.run = run
        self.echo = echo

    def step(self, progress: int, message: str) -> None:
        stamp = timezone.now()
        self.run.log_tail = (self.run.log_tail + f"{stamp:%H:%M:%S} {message}\n")[-LOG_TAIL_CHARS:]
        self.run.progress = progress
        TrainingRun.objects.filter(pk=self.run.pk).update(
            progress=progress, log_tail=self.run.log_tail, heartbeat_at=stamp
        )
        if self.echo:
            self.echo(progress, message)


def training_run_execute(*, run_id: int, worker: str, echo=None) -> TrainingRun:
    """Claim and run a training run. A run someone else claimed (or finished) is left alone."""
    if not training_run_claim(run_id=run_id, worker=worker):
        logger.info("training run %s is not queued any more; nothing to do", run_id)
        return TrainingRun.objects.get(pk=run_id)
    run = TrainingRun.objects.get(pk=run_id)
    reporter = RunReporter(run, echo)
    try:
        run_metrics, version = _pipeline(run.kind)(run, reporter)
        TrainingRun.objects.filter(pk=run.pk).update(
            status=TrainingRun.Status.SUCCEEDED, progress=100, metrics=run_metrics, model_version=version,
            promoted=version is not None, finished_at=timezone.now(),
        )  # fmt: skip
        reporter.step(100, "done")
    except Exception as exc:  # the run row must say what happened; the serving model stays as it was
        logger.exception("training run %s failed", run_id)
        reporter.step(run.progress, f"FAILED: {exc!r}\n{traceback.format_exc(limit=5)}")
        TrainingRun.objects.filter(pk=run.pk).update(status=TrainingRun.Status.FAILED, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def _pipeline(kind: str):
    """The function that trains, evaluates and (if the gate passes) promotes a run of this kind.

    It returns (the run's metrics, the promoted version or None); training_run_execute records them.

    Collaborative-filtering kinds share one pipeline here; fine-tuning kinds live in `training/`.
    """
    if kind == "embedder":
        from training.services.embedder import embedder_train_evaluate_promote

        return embedder_train_evaluate_promote
    if kind == "reranker":
        from recommender.services.reranker_training import reranker_train_evaluate_promote

        return reranker_train_evaluate_promote
    if kind == "enricher":
        from training.services.enricher import enricher_train_evaluate_promote

        return enricher_train_evaluate_promote
    return _train_evaluate_promote


def _train_evaluate_promote(run: TrainingRun, reporter: RunReporter) -> tuple[dict, ModelVersion | None]:
    reporter.step(5, "loading ratings")
    data = ratings_interactions()
    if len(data) == 0:
        raise ValueError("there are no ratings to train on; import data first")
    train, validation = validation_split(data, seed=GATE_SEED)
    reporter.step(10, f"fitting {run.kind} {run.parameters} on {len(train)} ratings and evaluating on "
                      f"{len(validation)} held-out ones (k={GATE_K}, full ranking)")  # fmt: skip
    candidate = build_model(run.kind, run.parameters)
    evaluated = evaluate_models(
        {run.kind: candidate}, train, validation, k=GATE_K, catalog_item_ids=catalog_movie_ids()
    )
    metrics = {name: round(float(value), 5) for name, value in evaluated[run.kind]["metrics"].items()
               if isinstance(value, int | float) and np.isfinite(value)}  # fmt: skip
    protocol = {"name": "stratified validation carved from all ratings", "seed": GATE_SEED, "k": GATE_K,
                "train": len(train), "validation": len(validation)}  # fmt: skip
    passed, reason = promotion_gate(kind=run.kind, candidate_metrics=metrics)
    reporter.step(60, f"validation {_format(metrics)}; gate: {'pass' if passed else 'refused'} ({reason})")
    run_metrics = {"validation": metrics, "protocol": protocol, "gate": {"passed": passed, "reason": reason}}

    version = None
    if passed:
        reporter.step(65, f"refitting on all {len(data)} ratings")
        final = build_model(run.kind, run.parameters).fit(data)
        reporter.step(85, "saving the artifact")
        plot = metrics_bar_chart(_chart_series(run.kind, metrics), f"{run.kind}: validation metrics (k={GATE_K})")
        version = model_version_publish(
            kind=run.kind, parameters=run.parameters, metrics=run_metrics, model=final, plot_png=plot
        )
        reporter.step(95, f"promoted {version}")
        if run.kind == settings.FEED_MODEL_KIND:
            from workers.tasks import feed_refresh_all_task

            transaction.on_commit(lambda: feed_refresh_all_task.apply_async(args=[version.pk], queue="default"))
    return run_metrics, version


def _chart_series(kind: str, metrics: dict) -> dict[str, dict]:
    series = {f"{kind} (candidate)": metrics}
    for version in ModelVersion.objects.filter(is_serving=True).exclude(metrics={}):
        series[f"{version.kind} v{version.pk} (serving)"] = version.metrics.get("validation", {})
    return series


def _format(metrics: dict) -> str:
    shown = ["ndcg", "hr", "recall", "map", "cum_hr", "coverage", "rmse"]
    return ", ".join(f"{name}@{GATE_K} {metrics[name]:.4f}" for name in shown if name in metrics)


def training_runs_reap_stale() -> int:
    """Fail runs whose worker stopped reporting (killed, machine lost). Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.TRAINING_STALE_AFTER_S)
    stale = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING, heartbeat_at__lt=cutoff)
    count = 0
    for run in stale:
        note = f"{timezone.now():%H:%M:%S} FAILED: no heartbeat since {run.heartbeat_at:%H:%M:%S}; the worker died\n"
        count += TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.RUNNING).update(
            status=TrainingRun.Status.FAILED,
            finished_at=timezone.now(),
            log_tail=(run.log_tail + note)[-LOG_TAIL_CHARS:],
        )
    return count
