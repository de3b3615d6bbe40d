"""gunicorn settings shared by `make run`, `manage.py bench` and the process tests (`-c` this file)."""


def post_worker_init(worker):
    """Load the search models before this worker takes a request (recommender/services/warm_up.py)."""
    from recommender.services.warm_up import serving_warm_up

    try:
        # worker.notify between searches: gunicorn kills a worker that is silent for its timeout (30 s).
        seconds = serving_warm_up(progress=worker.notify)
    except Exception:  # a missing model or database must not stop the site: the first search loads lazily
        worker.log.exception("warm-up failed; the first search in this worker loads what it needs")
        return
    worker.log.info("warm in %.1f s: %s", sum(seconds.values()), seconds)
