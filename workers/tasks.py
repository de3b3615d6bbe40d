"""Celery tasks: thin wrappers that load ids, call one service and return JSON primitives.

Nothing outside workers/ imports this module: callers enqueue a task by its name
(workers/dispatch.py), and each task's queue is in settings.CELERY_TASK_ROUTES.

Every task here is idempotent, so those that matter opt into acks_late: a message redelivered
after a worker died runs again and finds the work done (or claimed) already.
"""

from __future__ import annotations

import socket

from celery import shared_task
from celery.signals import worker_ready
from django.db import connection

from catalog.services import movie_stats_refresh
from recommender.services import embeddings, enrichment, feeds, reasons, suggestions
from training.services import runs
from workers.dispatch import enqueue


@shared_task(name="workers.health_check", acks_late=True)
def health_check() -> dict:
    """Proves a worker can reach the database: read-only, so safe to redeliver."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_movie")
        (movies,) = cursor.fetchone()
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        row = cursor.fetchone()
    return {"worker": socket.gethostname(), "movies": movies, "pgvector": row[0] if row else None}


@shared_task(name="workers.movie_stats_refresh", acks_late=True)
def movie_stats_refresh_task(movie_ids: list[int] | None = None) -> int:
    """Recompute movies' rating count and mean from the ratings table; idempotent."""
    movie_stats_refresh(movie_ids=movie_ids)
    return len(movie_ids) if movie_ids is not None else -1


@shared_task(name="workers.training_run", acks_late=True, reject_on_worker_lost=True)
def training_run_task(run_id: int) -> str:
    """Run a queued training run; a redelivered message finds it claimed and does nothing.
    Runs whose worker died are failed first, so none stays "running" without celery beat."""
    runs.training_runs_reap_stale()
    run = runs.training_run_execute(run_id=run_id, worker=f"{socket.gethostname()}")
    return run.status


@worker_ready.connect
def reap_stale_runs_on_start(**kwargs) -> None:
    """A worker that starts fails the runs a killed worker left "running" (no celery beat needed)."""
    runs.training_runs_reap_stale()


@shared_task(name="workers.training_schedule")
def training_schedule_task(kind: str) -> int:
    """Celery beat's periodic retrain: queue a run of `kind` (see README, Retraining)."""
    return runs.training_run_create(kind=kind).pk


@shared_task(name="workers.training_runs_reap")
def training_runs_reap_task() -> int:
    return runs.training_runs_reap_stale()


@shared_task(name="workers.feed_refresh_request", acks_late=True)
def feed_refresh_request_task(user_id: int) -> None:
    """A user's ratings, words or marks changed: retire their cached feed and schedule a refresh (debounced)."""
    feeds.feed_refresh_schedule(user_id=user_id)


@shared_task(name="workers.feed_refresh_user", acks_late=True)
def feed_refresh_user_task(user_id: int) -> int:
    feeds.feed_refresh_marker_clear(user_id=user_id)
    feed = feeds.feed_refresh_for_user(user_id=user_id)
    return len(feed.movie_ids) if feed else 0


@shared_task(name="workers.feed_refresh_all", acks_late=True)
def feed_refresh_all_task(version_id: int) -> int:
    """Split a full refresh into chunks any default worker can take, so N workers take 1/N of the
    time. Returns the number of chunks queued (a redelivery queues them again: each is idempotent)."""
    chunks = feeds.feed_refresh_user_chunks()
    for chunk in chunks:
        enqueue("workers.feed_refresh_users", args=[version_id, chunk])
    return len(chunks)


@shared_task(name="workers.feed_refresh_users", acks_late=True)
def feed_refresh_users_task(version_id: int, user_ids: list[int]) -> int:
    return feeds.feed_refresh_users(version_id=version_id, user_ids=user_ids)


@shared_task(name="workers.embeddings_refresh", acks_late=True)
def embeddings_refresh_task() -> int:
    """Embed movies whose text changed (idempotent: unchanged movies are skipped); queue gpu."""
    return embeddings.embeddings_refresh().embedded


ENRICH_CHUNK = 32  # movies per task: ~2 min on CPU, so other gpu-queue jobs wait at most that long


@shared_task(name="workers.descriptions_enrich", acks_late=True)
def descriptions_enrich_task(movie_ids: list[int] | None = None, chunk: int = ENRICH_CHUNK) -> dict:
    """Describe one chunk of pending movies, then queue the next chunk behind whatever else waits.

    Idempotent: a redelivered message describes whatever is still pending, which may be nothing.
    """
    result, remaining = enrichment.descriptions_enrich_next(chunk=chunk, movie_ids=movie_ids)
    if remaining and result.attempted:
        enqueue("workers.descriptions_enrich", kwargs={"movie_ids": movie_ids, "chunk": chunk})
    return {"accepted": result.accepted, "rejected": result.rejected, "remaining": remaining}


@shared_task(name="workers.preference_suggestion", acks_late=True)
def preference_suggestion_task(suggestion_id: int) -> str:
    """Write a pending preference suggestion from the user's favourite movies; queue gpu.

    Idempotent: a suggestion already ready or failed (or gone) is left alone.
    """
    suggestion = suggestions.preference_suggestion_generate(suggestion_id=suggestion_id)
    return suggestion.status if suggestion else "missing"


@shared_task(name="workers.similar_reasons", acks_late=True)
def similar_reasons_task(movie_id: int, other_ids: list[int]) -> int:
    """LLM reasons for "more like this" pairs that have none yet (idempotent); queue gpu."""
    return reasons.similar_reasons_generate(movie_id=movie_id, other_ids=other_ids)
