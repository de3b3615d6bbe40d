"""The Celery app. Queues: `default` (CPU work), `gpu` (fine-tuning, generation, embedding) and
`interactive` (language jobs a person waits for on a page)."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings")

app = Celery("cinematch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("gpu"), Queue("interactive"))
app.autodiscover_tasks(["workers"])

# Failing runs whose worker died needs no beat: every worker checks on its own timer.
from workers.reaper import StaleRunReaper  # noqa: E402 (the app must exist first)

app.steps["worker"].add(StaleRunReaper)
