"""`python manage.py enrich [--limit N] [--movie ID ...] [--all] [--queue]`

Writes grounded descriptions for movies that have no overview (most-rated first) with the serving
enricher, keeps only those that pass the grounding check, re-embeds the movies that got one, and
prints movies per minute. Interrupt it any time: the next run continues where this one stopped.
`--queue` hands the work to the gpu-queue worker in chunks (as `make run` does).
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.models import Movie
from recommender.models import MovieDescription
from recommender.services import llm as llm_service
from recommender.services.embeddings import embeddings_refresh
from recommender.services.enrichment import descriptions_enrich, descriptions_pending
from workers.dispatch import enqueue


class Command(BaseCommand):
    help = "Write grounded LLM descriptions for movies without an overview."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="describe at most this many movies")
        parser.add_argument("--movie", type=int, action="append", dest="movie_ids", help="a movie id (repeatable)")
        parser.add_argument("--all", action="store_true", help="also movies that have an overview")
        parser.add_argument("--batch-size", type=int, default=8)
        parser.add_argument("--queue", action="store_true", help="let the gpu-queue worker do it, in chunks")

    def handle(self, *args, limit, movie_ids, all: bool, batch_size: int, queue: bool, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if movie_ids:
            missing = set(movie_ids) - set(Movie.objects.filter(id__in=movie_ids).values_list("id", flat=True))
            if missing:
                raise CommandError(f"no movie with id {sorted(missing)}")
        if queue:
            failures = []
            enqueue("workers.descriptions_enrich", kwargs={"movie_ids": movie_ids}, on_failure=failures.append)
            if failures:
                raise CommandError(f"could not queue the description job: {failures[0]}")
            self.stdout.write("queued: the gpu worker describes pending movies in chunks (see var/log/celery-gpu.log)")
            return
        name = llm_service.enricher().name
        pending = descriptions_pending(model_name=name, include_with_overview=all, movie_ids=movie_ids)[:limit]
        self.stdout.write(f"writer: {name}; {len(pending)} movies to describe")
        with tqdm(total=len(pending), desc="describing", unit="movie") as bar:

            def progress(done: int, total: int) -> None:
                bar.update(done - bar.n)

            result = descriptions_enrich(movie_ids=pending, batch_size=batch_size, progress=progress)
        embedded = embeddings_refresh(movie_ids=pending) if result.accepted else None
        total = MovieDescription.objects.filter(accepted=True).count()
        self.stdout.write(
            f"described {result.accepted} of {result.attempted} movies ({result.rejected} rejected by the grounding "
            f"check) in {result.seconds:.0f} s: {result.per_minute:.1f} movies/minute"
            + (f"; re-embedded {embedded.embedded}" if embedded else "")
        )
        self.stdout.write(f"movies with a grounded description: {total}")
