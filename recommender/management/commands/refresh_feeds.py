"""`python manage.py refresh_feeds`: write every user's feed with the serving feed model, now.

What a promotion queues on the worker (workers.feed_refresh_all), run in this process with
progress: for an operator after an import, and for the scale benchmark (make bench-scale).
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender.services.feeds import feed_refresh_all
from recommender.services.registry import serving_model


class Command(BaseCommand):
    help = "Refresh every user's feed with the serving feed model (FEED_MODEL_KIND)."

    def handle(self, *args, **options):
        serving = serving_model(settings.FEED_MODEL_KIND)
        if serving is None:
            raise CommandError(f"no {settings.FEED_MODEL_KIND} version serves: `manage.py train "
                               f"{settings.FEED_MODEL_KIND}` first")  # fmt: skip
        started = time.perf_counter()
        with tqdm(desc="feeds", unit="user") as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            written = feed_refresh_all(version_id=serving[0].pk, progress=progress)
        seconds = time.perf_counter() - started
        self.stdout.write(f"wrote {written} feeds in {seconds:.0f} s ({written / max(seconds, 1e-9):.1f} per second)")
