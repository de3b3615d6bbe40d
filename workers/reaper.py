"""Every worker fails the training runs a dead worker left "running", with no celery beat needed.

A run's heartbeat beats while its worker lives (training/services/runs.py, Heartbeat); once it is
older than TRAINING_STALE_AFTER_S the worker is gone (kill -9, machine lost). Each worker checks at
start (workers.tasks.reap_stale_runs_on_start) and then every half stale limit on its own timer, so
with `make run` (one worker per queue) the default worker fails a dead gpu worker's run.
"""

from __future__ import annotations

import logging

from celery import bootsteps

logger = logging.getLogger(__name__)


def reap_every_s() -> float:
    from django.conf import settings

    return settings.TRAINING_STALE_AFTER_S / 2


def reap_once() -> int:
    """One check, in the worker's main process; a database that is down is tried again next time."""
    from django.db import connection

    from training.services.runs import training_runs_reap_stale

    try:
        failed = training_runs_reap_stale()
        if failed:
            logger.warning("failed %d training run(s) whose worker stopped reporting", failed)
        return failed
    except Exception:  # the timer must keep running: log it and try at the next tick
        logger.exception("could not check for training runs whose worker died")
        return 0
    finally:
        connection.close()  # the main process holds no connection between checks (children fork from it)


class StaleRunReaper(bootsteps.StartStopStep):
    """A worker bootstep: reap_once on the worker's own timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        self.timer_entry = worker.timer.call_repeatedly(reap_every_s(), reap_once, priority=10)

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
