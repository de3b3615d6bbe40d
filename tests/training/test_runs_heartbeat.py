"""A running run beats on its own while its worker lives; a dead worker's run is failed without beat."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from recommender.models import TrainingRun
from training.services.runs import Heartbeat, training_runs_reap_stale


@pytest.mark.django_db(transaction=True)  # the heartbeat thread has its own connection: it must see the rows
def test_a_long_fit_without_progress_still_beats_and_only_running_runs_beat():
    long_ago = timezone.now() - timedelta(hours=1)
    running = TrainingRun.objects.create(kind="ease", status="running", heartbeat_at=long_ago)
    finished = TrainingRun.objects.create(kind="ease", status="succeeded", heartbeat_at=long_ago)
    with Heartbeat(running.pk, every_s=0.1):
        time.sleep(0.5)  # a fit reporting nothing
    running.refresh_from_db()
    finished.refresh_from_db()
    assert running.heartbeat_at > timezone.now() - timedelta(seconds=5)
    assert finished.heartbeat_at == long_ago


@pytest.mark.django_db
def test_a_worker_that_starts_fails_the_runs_a_killed_worker_left_running(settings):
    from workers.tasks import reap_stale_runs_on_start

    stale = TrainingRun.objects.create(kind="ease", status="running", heartbeat_at=timezone.now() - timedelta(hours=1))
    alive = TrainingRun.objects.create(kind="ease", status="running", heartbeat_at=timezone.now())
    reap_stale_runs_on_start(sender=None)
    stale.refresh_from_db()
    alive.refresh_from_db()
    assert stale.status == "failed" and "the worker died" in stale.log_tail
    assert alive.status == "running"
    assert training_runs_reap_stale() == 0  # and a second reap finds nothing more


@pytest.mark.django_db(transaction=True)  # reap_once closes its connection, as the worker's main process must
def test_every_worker_reaps_on_its_own_timer_and_an_error_in_a_check_does_not_stop_it(settings):
    from recsite.celery import app
    from workers.reaper import StaleRunReaper, reap_every_s, reap_once

    assert StaleRunReaper in app.steps["worker"]  # added to every worker the app starts
    settings.TRAINING_STALE_AFTER_S = 600
    assert reap_every_s() == 300
    stale = TrainingRun.objects.create(kind="ease", status="running", heartbeat_at=timezone.now() - timedelta(hours=1))
    assert reap_once() == 1
    stale.refresh_from_db()
    assert stale.status == "failed"
    settings.TRAINING_STALE_AFTER_S = "not a number"  # any failure inside: logged, and the timer goes on
    assert reap_once() == 0
