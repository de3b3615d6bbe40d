"""`python manage.py refresh_feeds [--processes N]`: write every user's feed with the serving feed
model, now, with progress.

What a promotion queues on the workers (workers.feed_refresh_all, split into chunk tasks), run
from this command instead: for an operator after an import, and for the scale benchmark (make
bench-scale). With --processes N the chunks are shared by N processes, as N workers would share them.
"""

import multiprocessing
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from tqdm import tqdm

from recommender.services.feeds import feed_refresh_user_chunks, feed_refresh_users, recent_co_ratings
from recommender.services.registry import serving_model


def _refresh_chunk(job: tuple[int, list[int]]) -> tuple[int, int]:
    """(feeds written, users in the chunk)."""
    version_id, user_ids = job
    return feed_refresh_users(version_id=version_id, user_ids=user_ids), len(user_ids)


class Command(BaseCommand):
    help = "Refresh every user's feed with the serving feed model (FEED_MODEL_KIND)."

    def add_arguments(self, parser):
        parser.add_argument("--processes", type=int, default=1, help="processes sharing the chunks (default 1)")

    def handle(self, *args, processes: int, **options):
        if not 1 <= processes <= 64:
            raise CommandError("--processes must be between 1 and 64")
        serving = serving_model(settings.FEED_MODEL_KIND)
        if serving is None:
            raise CommandError(f"no {settings.FEED_MODEL_KIND} version serves: `manage.py train "
                               f"{settings.FEED_MODEL_KIND}` first")  # fmt: skip
        started = time.perf_counter()
        chunks = feed_refresh_user_chunks()
        jobs = [(serving[0].pk, chunk) for chunk in chunks]
        table = recent_co_ratings(serving[0].pk)  # built once, before the fork: the processes share it
        self.stdout.write(f"co-like table for the reasons: {len(table.item_ids):,} movies in "
                          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        written = 0
        with tqdm(total=sum(map(len, chunks)), desc="feeds", unit="user") as bar:
            if processes == 1:
                results = map(_refresh_chunk, jobs)
            else:
                connections.close_all()  # each forked process opens its own connection
                pool = multiprocessing.get_context("fork").Pool(processes)
                results = pool.imap_unordered(_refresh_chunk, jobs)
            for count, users in results:
                written += count
                bar.update(users)
            if processes > 1:
                pool.close()
                pool.join()
        seconds = time.perf_counter() - started
        self.stdout.write(f"wrote {written} feeds in {seconds:.0f} s ({written / max(seconds, 1e-9):.1f} per second) "
                          f"with {processes} process(es)")  # fmt: skip
