"""`python manage.py embed [--queue]`: embed every movie whose text changed, with progress.

Runs here by default; `--queue` hands it to a worker on queue "gpu" (as `make run` does).
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender.services.embeddings import embeddings_refresh
from workers.dispatch import enqueue


class Command(BaseCommand):
    help = "Compute sentence embeddings of movies for similar movies and semantic search."

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="store_true", help="let a worker do it (queue gpu)")

    def handle(self, *args, queue: bool, **options):
        if queue:
            failures = []
            enqueue("workers.embeddings_refresh", on_failure=failures.append)
            if failures:
                raise CommandError(f"could not queue the embedding job: {failures[0]}")
            self.stdout.write("queued: a worker embeds the movies whose text changed (see var/log/celery-gpu.log)")
            return
        with tqdm(desc="embedding", unit="movie") as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            result = embeddings_refresh(progress=progress)
        self.stdout.write(
            f"checked {result.checked} movies, embedded {result.embedded} in {result.seconds:.1f} s "
            f"({result.per_minute:.0f} movies/minute)"
        )
