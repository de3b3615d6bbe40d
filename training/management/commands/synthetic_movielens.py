"""`python manage.py synthetic_movielens --ratings 1M [--seed 42] [--out DIR]`

A MovieLens folder shaped like the official ml-25m at any size (training/engine/synthetic/movielens.py),
in the official CSV layout, for the scale benchmark: import it with `manage.py import_movielens DIR`.
Written under var/datasets/synthetic-movielens/<size>-seed<seed>/ unless --out is given. It needs
no database and touches none.
"""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from training.engine.synthetic.movielens import parse_size, write_synthetic_movielens

MAX_RATINGS = 30_000_000


class Command(BaseCommand):
    help = "Write a synthetic MovieLens folder shaped like ml-25m (movies.csv, ratings.csv)."
    requires_system_checks = []  # no database needed

    def add_arguments(self, parser):
        parser.add_argument("--ratings", default="1M", help="how many ratings: 100k, 1M, 10M, 25M (default 1M)")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--out", type=Path, default=None)

    def handle(self, *args, ratings: str, seed: int, out: Path | None, **options):
        try:
            count = parse_size(ratings)
        except ValueError as exc:
            raise CommandError(f"--ratings {exc}") from exc
        if count > MAX_RATINGS:
            raise CommandError(f"--ratings: at most {MAX_RATINGS:,} (ml-25m has 25,000,095)")
        folder = out or settings.VAR_DIR / "datasets" / "synthetic-movielens" / f"{ratings.lower()}-seed{seed}"
        started = time.perf_counter()
        shape = write_synthetic_movielens(folder, count, seed=seed, progress=lambda line: self.stdout.write(line))
        self.stdout.write(
            self.style.SUCCESS(
                f"wrote {shape.ratings:,} ratings by {shape.users:,} users of {shape.movies:,} movies "
                f"to {folder} in {time.perf_counter() - started:.0f} s"
            )  # fmt: skip
        )
