"""Nothing assumes a single process: two gunicorn servers and three Celery workers (two on the
default queue, one on gpu and interactive) against one Postgres and one Redis, under traffic.

- A training run sent three times is trained once (the claim is a conditional UPDATE).
- The promotion's full feed refresh is split into chunks the two default workers share: every
  rater's feed is written once, by the new version.
- People rate through one server and read through the other: nothing they were told was saved is
  missing, and their feed (cached in the shared Redis) catches up with their ratings.
"""

from __future__ import annotations

import os
import re

import pytest
import requests
from celery import Celery
from django.db import connection

from recommender.models import ModelVersion, TrainingRun, UserFeed
from recsite.embedded import EmbeddedRedis
from tests.stack import Stack, free_port, lost_ratings, server_accounts, start_traffic, stop_traffic, summary, wait_for
from training.services.runs import training_run_create

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHUNK = 4  # users per feed refresh chunk: 24 raters make 6 chunks for two workers


@pytest.fixture
def stack(django_db_setup, tmp_path):
    (tmp_path / "redis").mkdir()
    redis = EmbeddedRedis(tmp_path / "redis", free_port(63950))
    redis.start()
    db = connection.settings_dict
    env = dict(os.environ, DATABASE_URL=f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               REDIS_URL=redis.url, CINEMATCH_MODEL_DIR=str(tmp_path / "models"), FEED_MODEL_KIND="ease",
               FEED_REFRESH_CHUNK_USERS=str(CHUNK))  # fmt: skip
    running = Stack(env, tmp_path)
    running.redis = redis
    yield running
    running.stop()
    redis.stop()


def test_two_servers_and_three_workers_share_one_database_and_one_redis(stack, taste_catalog):
    users_a, users_b, movies_a, movies_b = taste_catalog
    bases = [stack.web("web-a", processes=1), stack.web("web-b", processes=1)]
    # Each server's worker ran the warm-up searches before taking a request (recsite/gunicorn.conf.py).
    for name in ("web-a", "web-b"):
        assert "warm in" in stack.log(name), stack.log(name)
    for name, queues in (("default-1", "default"), ("default-2", "default"), ("gpu", "gpu,interactive")):
        stack.worker(name, queues)
    client = Celery(broker=stack.redis.url, backend=stack.redis.url, set_as_current=False)

    # One run, three messages (as a retry storm or a redelivery would send): trained once.
    run = training_run_create(kind="ease", parameters={"lam": 10.0, "min_item_count": 1, "min_rating": 4.0},
                              dispatch=False)  # fmt: skip
    results = [client.send_task("workers.training_run", args=[run.pk], queue="default") for _ in range(3)]
    statuses = [result.get(timeout=300) for result in results]
    del results  # before this test's Redis stops: a result forgotten later would try to reach it
    run.refresh_from_db()
    assert run.status == "succeeded" and statuses.count("succeeded") >= 1, statuses
    assert ModelVersion.objects.filter(kind="ease").count() == 1 and TrainingRun.objects.count() == 1
    version = run.model_version

    # The promotion's refresh, in chunks both default workers take: every rater once, by the new version.
    raters = users_a + users_b
    wait_for(lambda: UserFeed.objects.filter(model_version=version).count() == len(raters), 180,
             "every rater's feed from the new version")  # fmt: skip
    assert UserFeed.objects.count() == len(raters)
    chunks_run = {name: len(re.findall(r"feed_refresh_users\[[^\]]+\] succeeded", stack.log(name)))
                  for name in ("default-1", "default-2")}  # fmt: skip
    assert sum(chunks_run.values()) == len(raters) // CHUNK, chunks_run
    print(f"\nfeed refresh chunks per default worker: {chunks_run}")

    # People rate through one server and read through the other.
    people = users_a[:2] + users_b[:2]
    crowd = start_traffic(bases, (server_accounts(people), [movie.pk for movie in movies_a + movies_b]))
    wait_for(lambda: sum(len(person.confirmed) for person in crowd) >= 8, 120, "ratings under traffic")
    answers = stop_traffic(crowd)
    failures = [answer for answer in answers if answer.status is None or answer.status >= 500]
    assert not failures, summary(answers) + "\n" + stack.log("web-a")[-4000:] + stack.log("web-b")[-4000:]
    assert lost_ratings(crowd) == 0
    for n, person in enumerate(crowd):
        other = bases[(n + 1) % 2]  # not the server this person rated through
        headers = {"Authorization": f"Token {person.token}"}

        def caught_up(other=other, headers=headers, person=person):
            feed = requests.get(f"{other}/api/v1/me/feed/?k=50", headers=headers, timeout=15).json()
            shown = {item["movie"]["id"] for item in feed["results"]}
            return not feed["updating"] and not shown & set(person.confirmed)

        wait_for(caught_up, 120, f"{person.username}'s feed to follow their ratings on the other server")
