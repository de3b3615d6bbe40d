"""Celery tasks: thin wrappers that load ids, call one service and return JSON primitives."""

from __future__ import annotations

import socket

from celery import shared_task
from django.db import connection

from catalog.services import movie_stats_refresh


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
