"""ORM rows -> engine inputs: the one place that reads ratings for training and fold-in."""

from __future__ import annotations

import numpy as np
from django.db import connection

from recommender.engine.cf.data import Interactions


def ratings_interactions(*, user_id: int | None = None) -> Interactions:
    """All ratings (or one user's) as aligned arrays; ids are database ids."""
    sql = (
        "SELECT user_id, movie_id, value::float4, EXTRACT(EPOCH FROM rated_at)::bigint "
        "FROM catalog_rating" + (" WHERE user_id = %s" if user_id is not None else "") + " ORDER BY id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id] if user_id is not None else [])
        rows = cursor.fetchall()
    if not rows:
        return Interactions.empty()
    users, items, values, stamps = (np.asarray(column) for column in zip(*rows, strict=True))
    return Interactions.from_arrays(users, items, values, stamps)


def catalog_movie_ids() -> np.ndarray:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM catalog_movie ORDER BY id")
        return np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.int64)
