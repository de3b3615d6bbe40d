"""`python manage.py build_query_dataset [--examples 20000] [--seed 42] [--out DIR]`

Synthetic search requests generated from the catalog (recommender/engine/query/synth.py), written
as train/validation/test JSON Lines with manifest.json (generator version, seed, counts per intent
and entity type, the templates of each split) under var/datasets/query/ unless --out is given.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from training.services.query_data import query_dataset_build


class Command(BaseCommand):
    help = "Build the synthetic query-parser data set from the catalog."

    def add_arguments(self, parser):
        parser.add_argument("--examples", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--out", type=Path, default=None, help="folder to write (default under var/datasets/query)")

    def handle(self, *args, examples: int, seed: int, out: Path | None, **options):
        if not 200 <= examples <= 200_000:
            raise CommandError("--examples must be between 200 and 200,000")
        self.stdout.write(f"generating {examples} requests from the catalog (seed {seed}) ...")
        folder, described = query_dataset_build(count=examples, seed=seed, folder=out)
        for split, counts in described["counts"].items():
            templates = len(described["templates"][split])
            self.stdout.write(f"  {split}: {counts.get('examples', 0)} requests, rec {counts.get('intent:rec', 0)}, "
                              f"non_rec {counts.get('intent:non_rec', 0)}, {templates} templates")  # fmt: skip
        self.stdout.write(self.style.SUCCESS(f"written to {folder} (manifest.json describes it)"))
