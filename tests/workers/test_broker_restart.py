"""A worker outlives a restart of its broker: Redis goes away for a while, comes back, and the next
task still runs. The worker runs as `make run` starts it (prefork, gossip and mingle on)."""

import os
import subprocess
import sys
import time

import pytest
from celery import Celery
from django.db import connection

from recsite.embedded import EmbeddedRedis, port_is_free
from tests.conftest import stop_process

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _free_port(start: int = 63850) -> int:
    return next(port for port in range(start, start + 100) if port_is_free(port))


def test_a_worker_reconnects_after_redis_restarts_and_runs_the_next_task(django_db_setup, make_movie, tmp_path):
    make_movie("Heat")
    redis = EmbeddedRedis(tmp_path / "redis", _free_port())
    (tmp_path / "redis").mkdir()
    redis.start()
    db = connection.settings_dict
    env = dict(os.environ, DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               REDIS_URL=redis.url, CINEMATCH_MODEL_DIR=str(tmp_path / "models"))  # fmt: skip
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", "default", "--concurrency", "1",
         "--loglevel", "INFO", "--logfile", str(log), "-n", f"restart-{os.getpid()}@%h"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    # Not the current app: dispatch in later tests must keep sending to the test broker.
    client = Celery(broker=redis.url, backend=redis.url, set_as_current=False)
    try:
        assert client.send_task("workers.health_check", queue="default").get(timeout=120)["movies"] == 1
        redis.stop()
        time.sleep(8)  # the worker sees the broker gone and keeps trying
        redis.start()
        assert client.send_task("workers.health_check", queue="default").get(timeout=120)["movies"] == 1
        assert worker.poll() is None, log.read_text()[-2000:]
        assert "Unrecoverable error" not in log.read_text()
    finally:
        stop_process(worker)
        redis.stop()
