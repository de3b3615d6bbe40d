"""Training runs: create, claim (one worker only), execute with progress, reap dead runs.

A `TrainingRun` row is the truth about a job. Its kind's pipeline (recommender/kinds.py, a module
in training/pipelines/) trains, evaluates, asks the one gate (training/services/gate.py) and
publishes; this module records what happened and, after a promotion, calls the kind's
after-promotion hook.
"""

from __future__ import annotations

import logging
import threading
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from recommender.kinds import kind_get, resolve
from recommender.models import ModelVersion, TrainingRun
from recommender.services.registry import model_version_promote
from workers.dispatch import enqueue

logger = logging.getLogger(__name__)

LOG_TAIL_CHARS = 4000


def training_run_create(*, kind: str, parameters: dict | None = None, requested_by=None, dispatch: bool = True):
    """Queue a run of `kind` (a worker on the kind's queue gets it once the row is committed).

    Unknown kinds and parameter names are refused with a ValueError naming the known ones; a
    pipeline may check values further with its own `check_parameters(parameters)`.
    """
    entry = kind_get(kind)
    unknown = set(parameters or {}) - set(entry.defaults)
    if unknown:
        raise ValueError(f"unknown parameter(s) for {kind}: {sorted(unknown)}; known: {sorted(entry.defaults)}")
    merged = {**entry.defaults, **(parameters or {})}
    check = getattr(resolve(entry.pipeline.rpartition(".")[0]), "check_parameters", None)
    if check is not None:
        check(merged)
    run = TrainingRun.objects.create(kind=kind, parameters=merged, requested_by=requested_by)
    if dispatch:
        enqueue("workers.training_run", args=[run.pk], queue=entry.queue, on_failure=lambda exc: _unqueued(run, exc))
    return run


def _unqueued(run: TrainingRun, exc: Exception) -> None:
    """The broker refused the run: fail it with the reason, so nothing waits for a message never sent."""
    note = f"{timezone.now():%H:%M:%S} FAILED: could not be queued ({type(exc).__name__}: {exc}); start it again\n"
    TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.FAILED, finished_at=timezone.now(), log_tail=note
    )


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


class Heartbeat:
    """Beats for a running run every `every_s` seconds from a thread of its own, so a long fit that
    reports no progress for an hour is still seen alive, and a killed worker stops beating at once."""

    def __init__(self, run_id: int, every_s: float) -> None:
        self.run_id, self.every_s = run_id, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.every_s):
                TrainingRun.objects.filter(pk=self.run_id, status=TrainingRun.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        finally:
            connection.close()  # this thread's own database connection


def training_run_execute(*, run_id: int, worker: str, echo=None) -> TrainingRun:
    """Claim and run a training run. A run someone else claimed (or finished) is left alone."""
    if not training_run_claim(run_id=run_id, worker=worker):
        logger.info("training run %s is not queued any more; nothing to do", run_id)
        return TrainingRun.objects.get(pk=run_id)
    run = TrainingRun.objects.get(pk=run_id)
    with Heartbeat(run.pk, every_s=heartbeat_every_s()):
        return _execute(run, echo)


def heartbeat_every_s() -> float:
    """A beat well inside the stale limit: three chances before a live run could be reaped."""
    return max(1.0, settings.TRAINING_STALE_AFTER_S / 4)


def _execute(run: TrainingRun, echo) -> TrainingRun:
    entry = kind_get(run.kind)
    reporter = RunReporter(run, echo)
    try:
        run_metrics, version = resolve(entry.pipeline)(run, reporter)
        with transaction.atomic():
            TrainingRun.objects.filter(pk=run.pk).update(
                status=TrainingRun.Status.SUCCEEDED, progress=100, metrics=run_metrics, model_version=version,
                promoted=version is not None, finished_at=timezone.now(),
            )  # fmt: skip
            if version is not None:
                _follow_promotion(version)
        reporter.step(100, "done")
    except Exception as exc:  # the run row must say what happened; the serving model stays as it was
        logger.exception("training run %s failed", run.pk)
        reporter.step(run.progress, f"FAILED: {exc!r}\n{traceback.format_exc(limit=5)}")
        TrainingRun.objects.filter(pk=run.pk).update(status=TrainingRun.Status.FAILED, finished_at=timezone.now())
    run.refresh_from_db()
    return run


def model_version_serve(*, version: ModelVersion) -> None:
    """Make a chosen version serve (the admin's roll back or forward, no gate), followed by the
    kind's after-promotion hook exactly as a promoting run is: feeds, embeddings or descriptions follow."""
    with transaction.atomic():
        model_version_promote(version=version)
        _follow_promotion(version)


def _follow_promotion(version: ModelVersion) -> None:
    hook = kind_get(version.kind).after_promotion
    if hook:
        resolve(hook)(version)  # it enqueues: sent once the promotion commits


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
