"""`python manage.py build_query_dataset [--examples 20000] [--seed 42] [--paraphrase 0.1] [--out DIR]`

Synthetic search requests generated from the catalog (recommender/engine/query/synth.py), written
as train/validation/test JSON Lines with manifest.json (generator version, seed, counts per intent
and entity type, the templates of each split) under var/datasets/query/ unless --out is given.
`--paraphrase F` also has the teacher LLM (LLM_API_BASE when set, else the local model) rewrite a
share F of the train split, keeping rewrites whose labels still hold (engine/query/paraphrase.py).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from training.services.query_data import query_dataset_build


class Command(BaseCommand):
    help = "Build the synthetic query-parser data set from the catalog."

    def add_arguments(self, parser):
        parser.add_argument("--examples", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--out", type=Path, default=None, help="folder to write (default under var/datasets/query)")
        parser.add_argument("--paraphrase", type=float, default=0.0, help="share of train requests to paraphrase")

    def handle(self, *args, examples: int, seed: int, out: Path | None, paraphrase: float, **options):
        if not 200 <= examples <= 200_000:
            raise CommandError("--examples must be between 200 and 200,000")
        if not 0 <= paraphrase <= 1:
            raise CommandError("--paraphrase is a share of the train split, between 0 and 1")
        self.stdout.write(f"generating {examples} requests from the catalog (seed {seed}) ...")
        with tqdm(desc="paraphrasing", unit="request", disable=paraphrase == 0) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            folder, described = query_dataset_build(
                count=examples, seed=seed, folder=out, paraphrase=paraphrase, progress=progress
            )
        if "paraphrase" in described:
            stats = described["paraphrase"]
            self.stdout.write(f"  paraphrases by {stats['teacher']}: {stats['kept']} of {stats['asked']} kept; "
                              f"refused: {stats['refused']}")  # fmt: skip
        for split, counts in described["counts"].items():
            templates = len(described["templates"][split])
            self.stdout.write(f"  {split}: {counts.get('examples', 0)} requests, rec {counts.get('intent:rec', 0)}, "
                              f"non_rec {counts.get('intent:non_rec', 0)}, {templates} templates")  # fmt: skip
        self.stdout.write(self.style.SUCCESS(f"written to {folder} (manifest.json describes it)"))
