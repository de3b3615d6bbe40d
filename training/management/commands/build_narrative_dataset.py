"""`python manage.py build_narrative_dataset [--themes 4000] [--users 400] [--seed 42]`

The free-text search data set (training/services/narrative_data.py): theme requests composed from
the catalog's genres, keywords and decades, and narrative requests the language model writes from
users' favourite films (LLM_API_BASE when set, else the local model), each kept only with the films
that best explain it by the local model's likelihood. Movies and users are split train/validation/
test by a hash of the seed. Written under var/datasets/narrative/ with manifest.json.

On 2 CPU cores the narrative part takes about 5-15 s per user (writing, then one forward pass per
liked film); --users 0 builds theme requests only, in seconds.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from training.services.narrative_data import narrative_dataset_build


class Command(BaseCommand):
    help = "Build the free-text (theme and narrative) search data set."

    def add_arguments(self, parser):
        parser.add_argument("--themes", type=int, default=4000, help="theme requests in train (others pro rata)")
        parser.add_argument("--users", type=int, default=400, help="users to write a narrative request for")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, themes: int, users: int, seed: int, **options):
        if not 0 <= themes <= 100_000 or not 0 <= users <= 100_000:
            raise CommandError("--themes and --users must be between 0 and 100,000")
        bars: dict[str, tqdm] = {}

        def progress(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage) or bars.setdefault(stage, tqdm(desc=stage, unit="request", total=total))
            bar.update(done - bar.n)

        folder, described = narrative_dataset_build(seed=seed, themes=themes, users=users, progress=progress)
        for bar in bars.values():
            bar.close()
        for name, count in described["per_split_and_kind"].items():
            self.stdout.write(f"  {name}: {count} requests")
        self.stdout.write(f"  corpus per split: {described['corpus_movies']}; narrative: {described['narrative']}")
        self.stdout.write(self.style.SUCCESS(f"written to {folder} (manifest.json describes it)"))
