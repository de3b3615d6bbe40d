"""pgvector round trip on the real database: store vectors, read them back, order by cosine distance."""

import numpy as np
import pytest
from django.db import connection
from pgvector.psycopg import register_vector

pytestmark = pytest.mark.django_db


def test_vectors_round_trip_and_order_by_cosine_distance():
    connection.ensure_connection()
    register_vector(connection.connection)  # adapters apply to cursors opened after this
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE probe (id int PRIMARY KEY, embedding vector(3))")
        vectors = {1: [1.0, 0.0, 0.0], 2: [0.0, 1.0, 0.0], 3: [0.9, 0.1, 0.0]}
        for key, value in vectors.items():
            cursor.execute("INSERT INTO probe VALUES (%s, %s)", [key, np.array(value, dtype=np.float32)])
        cursor.execute("CREATE INDEX ON probe USING hnsw (embedding vector_cosine_ops)")

        cursor.execute("SELECT embedding FROM probe WHERE id = 3")
        assert np.allclose(cursor.fetchone()[0].to_numpy(), vectors[3])
        cursor.execute(
            "SELECT id, embedding <=> %s AS distance FROM probe ORDER BY distance", [np.array([1.0, 0.0, 0.0])]
        )
        rows = cursor.fetchall()
    assert [row[0] for row in rows] == [1, 3, 2]
    assert rows[0][1] == pytest.approx(0.0) and rows[2][1] == pytest.approx(1.0)
