"""Warm a fresh web process before it answers anyone: load what its first search would load.

The first search in a process reads the title gazetteer (2.6 s at 59,000 titles), the query
parser and the free-text models (seconds on CPU; 8 s in all at 25M ratings). Without a warm-up the
first person to search in each process waits for all of it. gunicorn runs this in every worker
before the worker accepts a request (post_worker_init in recsite/gunicorn.conf.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.db import connections

from recommender.selectors.search import search_run

# A title with a year (the gazetteer and the parser) and a description (the bi- and cross-encoder).
WARM_UP_QUERIES = ("heat 1995", "a heist movie with a twist ending")


def serving_warm_up(progress: Callable[[], None] = lambda: None) -> dict[str, float]:
    """{query: seconds} for each warm-up search; `progress` is called after each one."""
    seconds = {}
    try:
        for query in WARM_UP_QUERIES:
            started = time.perf_counter()
            search_run(user=AnonymousUser(), query=query, k=10)
            seconds[query] = round(time.perf_counter() - started, 2)
            progress()
    finally:
        connections.close_all()  # outside a request nobody else closes them
    return seconds
