"""Enqueue by name (workers/dispatch.py): every name the code sends is a real, routed task, and the
message reaches the real Redis broker only once the caller's transaction commits."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

from recsite.celery import app as celery_app
from workers.dispatch import UnknownTask, enqueue, task_routes

ROOT = Path(__file__).resolve().parents[2]
APPS = ("catalog", "recommender", "training", "workers", "recsite")


def _enqueued_names() -> dict[str, list[str]]:
    """Task name -> where it is sent, for every `enqueue("literal", ...)` call in app code."""
    found: dict[str, list[str]] = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "enqueue" and node.args:
                    first = node.args[0]
                    assert isinstance(first, ast.Constant), f"{path}:{node.lineno}: name the task with a literal"
                    found.setdefault(first.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _registered_tasks() -> set[str]:
    celery_app.loader.import_default_modules()  # autodiscovery, as a worker does at start
    return {name for name in celery_app.tasks if not name.startswith("celery.")}


def test_every_enqueued_name_is_a_registered_routed_task():
    names = _enqueued_names()
    assert len(names) >= 8, names  # the scan finds the real calls
    registered = _registered_tasks()
    assert {name: where for name, where in names.items() if name not in registered} == {}
    assert {name: where for name, where in names.items() if name not in task_routes()} == {}


def test_every_route_names_a_registered_task():
    assert set(task_routes()) - _registered_tasks() == set()


def test_an_unknown_name_is_refused_before_anything_is_sent(db, broker):
    with pytest.raises(UnknownTask, match="no route"):
        enqueue("workers.no_such_task", args=[1])
    assert broker.messages("default") == []


@pytest.mark.django_db(transaction=True)
def test_the_message_is_sent_on_commit_to_the_routed_queue(broker):
    with transaction.atomic():
        enqueue("workers.feed_refresh_request", args=[41])
        assert broker.messages("default") == []  # nothing leaves before the commit
    assert broker.messages("default") == [("workers.feed_refresh_request", [41], {})]
    assert broker.messages("gpu") == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_sends_nothing(broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("workers.feed_refresh_request", args=[41])
        raise RuntimeError("the write failed")
    assert broker.messages("default") == []


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_is_reported_to_the_caller_not_raised(broker_down):
    failures = []
    enqueue("workers.feed_refresh_request", args=[41], on_failure=failures.append)
    assert len(failures) == 1
