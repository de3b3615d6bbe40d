"""ORM rows -> engine inputs: the one place that reads ratings for training and fold-in."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.db import connection

from recommender.engine.cf.data import Interactions


def ratings_interactions(*, user_id: int | None = None, user_ids: list[int] | None = None) -> Interactions:
    """All ratings (or one user's, or some users') as aligned arrays; ids are database ids."""
    where, params = "", []
    if user_id is not None:
        where, params = " WHERE user_id = %s", [user_id]
    elif user_ids is not None:
        where, params = " WHERE user_id = ANY(%s)", [list(user_ids)]
    columns = "user_id, movie_id, value::float4, EXTRACT(EPOCH FROM rated_at)::bigint"
    sql = f"SELECT {columns} FROM catalog_rating{where} ORDER BY id"
    # COPY ... TO STDOUT read by pandas' C parser: 25 million rows as Python tuples would take
    # gigabytes and minutes; as text they are read in seconds into four arrays.
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        for block in copy:
            buffer.write(block)
    if buffer.tell() == 0:
        return Interactions.empty()
    buffer.seek(0)
    frame = pd.read_csv(buffer, sep="\t", header=None, names=["user", "item", "value", "stamp"],
                        dtype={"user": np.int64, "item": np.int64, "value": np.float32, "stamp": np.int64})  # fmt: skip
    return Interactions.from_arrays(
        frame["user"].to_numpy(), frame["item"].to_numpy(), frame["value"].to_numpy(), frame["stamp"].to_numpy()
    )


def catalog_movie_ids() -> np.ndarray:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM catalog_movie ORDER BY id")
        return np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.int64)
