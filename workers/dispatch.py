"""Enqueue work by task name: the one way code outside workers/ asks a worker to do something.

Callers never import workers.tasks (that would pull every service into every process and tie the
apps in a circle); they name the task. The queue comes from `CELERY_TASK_ROUTES` in settings, so
where a task runs is decided in one place; a caller passes `queue` only when the queue depends on
the work itself (a training run goes to its kind's queue).

Messages are sent once the current transaction commits, so a worker never looks for a row that
is not there yet (outside a transaction they are sent at once). A broker that cannot be reached is
handled here: logged, and reported to the caller's `on_failure(exc)` (a suggestion marks itself
failed, a command prints it); the caller's own write has committed and is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


class UnknownTask(ValueError):
    pass


def enqueue(
    task_name: str,
    *,
    args: list | tuple = (),
    kwargs: dict | None = None,
    countdown: float | None = None,
    queue: str | None = None,
    on_failure: Callable[[Exception], None] | None = None,
) -> None:
    """Send `task_name` with JSON-primitive arguments to a worker after the transaction commits."""
    if task_name not in settings.CELERY_TASK_ROUTES:
        raise UnknownTask(f"{task_name!r} has no route in CELERY_TASK_ROUTES; routed tasks: {task_routes()}")
    target_queue = queue or settings.CELERY_TASK_ROUTES[task_name]["queue"]

    def send() -> None:
        try:
            current_app.send_task(
                task_name, args=list(args), kwargs=kwargs or {}, countdown=countdown, queue=target_queue
            )
        except Exception as exc:  # the broker is down or refused: the caller decides what that means
            logger.warning("could not enqueue %s on %r (args %s, kwargs %s)", task_name, target_queue, args, kwargs,
                           exc_info=True)  # fmt: skip
            if on_failure is not None:
                on_failure(exc)

    transaction.on_commit(send)


def task_routes() -> list[str]:
    """Every task name `enqueue` accepts."""
    return sorted(settings.CELERY_TASK_ROUTES)
