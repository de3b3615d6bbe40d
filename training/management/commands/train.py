"""`python manage.py train KIND [--param NAME=VALUE ...] [--queue]`: what the admin's Retrain does.

By default the run executes here, with a progress bar; `--queue` hands it to a worker instead.
After a promotion of the feed's model kind, a worker refreshes every user's feed.
"""

import json
import socket

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender.kinds import KINDS
from recommender.models import ModelVersion, TrainingRun
from training.services.runs import training_run_create, training_run_execute, training_runs_reap_stale


def _parse_param(raw: str) -> tuple[str, object]:
    name, separator, value = raw.partition("=")
    if not separator or not name:
        raise CommandError(f"--param {raw!r}: use NAME=VALUE, e.g. --param lam=250")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


class Command(BaseCommand):
    help = "Train a model kind, evaluate it, and promote it if it passes the gate."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))  # every registered kind
        parser.add_argument("--param", action="append", default=[], help="override a default, NAME=VALUE")
        parser.add_argument("--queue", action="store_true", help="queue it for a Celery worker instead")
        parser.add_argument("--if-missing", action="store_true", help="do nothing if a version of KIND serves")

    def handle(self, *args, kind: str, param: list[str], queue: bool, if_missing: bool, **options):
        if if_missing and ModelVersion.objects.filter(kind=kind, is_serving=True).exists():
            self.stdout.write(f"{kind}: a version serves already; nothing to do")
            return
        training_runs_reap_stale()  # a run whose worker died is failed first, so it does not block this one
        pending = TrainingRun.objects.filter(kind=kind, status__in=["queued", "running"]).first()
        if if_missing and pending is not None:
            self.stdout.write(f"{kind}: {pending} is on its way; nothing to do")
            return
        try:
            run = training_run_create(kind=kind, parameters=dict(map(_parse_param, param)), dispatch=queue)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if queue:
            self.stdout.write(f"queued {run} on queue {KINDS[kind].queue!r}; follow it in the admin (Training runs)")
            return
        with tqdm(total=100, desc=f"{kind} run #{run.pk}", unit="%") as bar:

            def echo(progress: int, message: str) -> None:
                bar.update(progress - bar.n)
                bar.write(message)

            run = training_run_execute(run_id=run.pk, worker=f"{socket.gethostname()} (manage.py train)", echo=echo)
        if run.status != "succeeded":
            raise CommandError(f"{run} failed:\n{run.log_tail[-1500:]}")
        gate = run.metrics.get("gate", {})
        self.stdout.write(
            self.style.SUCCESS(f"{run}: {'promoted' if run.promoted else 'not promoted'} ({gate.get('reason')})")
        )
