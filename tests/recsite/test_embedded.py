"""The embedded servers themselves, each on a free port and a temporary data folder."""

import socket

import psycopg
import pytest
import redis

from recsite.embedded import EmbeddedPostgres, EmbeddedRedis, ServiceError, port_is_free


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_redis_up_twice_then_down_twice_leaves_no_process(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis", _free_port())
    first = server.start()
    try:
        assert first.running and server.start().pid == first.pid  # second `up` finds the same server
        assert redis.Redis.from_url(server.url).ping()
    finally:
        server.stop()
    assert not server.stop().running
    assert port_is_free(server.port)


def test_postgres_up_creates_the_database_with_pgvector_available(tmp_path):
    server = EmbeddedPostgres(tmp_path / "pg" / "data", _free_port(), "scratch")
    status = server.start()
    try:
        assert status.running and server.start().pid == status.pid
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            assert conn.execute("SELECT '[1,2,3]'::vector <=> '[1,2,3]'::vector").fetchone()[0] == 0
    finally:
        server.stop()
    assert not server.status().running
    assert port_is_free(server.port)


def test_a_taken_port_is_a_clear_error(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(ServiceError, match=f"port {port} on 127.0.0.1 is taken.*EMBEDDED_REDIS_PORT"):
            EmbeddedRedis(tmp_path / "redis", port).start()


def test_services_status_reports_the_running_test_servers():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("services", "status", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("postgres: running (pid ") for line in lines), lines
    assert any(line.startswith("redis: running (pid ") for line in lines), lines
