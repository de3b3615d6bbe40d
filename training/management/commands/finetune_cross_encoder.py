"""`python manage.py finetune_cross_encoder --requests DATASET --out DIR [--first-stage DIR] [--max-groups 2000]`

Trains the search cross-encoder (recommender/engine/narrative/cross_encoder.py) on a narrative data
set's train requests: per request one film that answers it and `--negatives` that do not, most of
them the first stage's best wrong answers among train-split movies (the near misses a re-ranker
exists to fix), one drawn at random. Only train-split movies appear. Measure it with
`evaluate_narrative --bi-encoder FIRST_STAGE --cross-encoder DIR`.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommender.engine.text.embedder import Embedder, default_model_path
from training.engine.cross_encoder import CrossEncoderConfig, train_cross_encoder
from training.management.progress import batch_progress
from training.services.cross_encoder_data import dataset_groups
from training.services.narrative_eval import EmbedderRetriever


class Command(BaseCommand):
    help = "Train the search cross-encoder on a narrative data set's train requests."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=Path, required=True, help="a build_narrative_dataset folder")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--first-stage", type=Path, help="embedder folder for hard negatives (default: base)")
        parser.add_argument("--max-groups", type=int, default=2000)
        parser.add_argument("--negatives", type=int, default=3)
        parser.add_argument("--epochs", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=4)
        parser.add_argument("--lr", type=float, default=3e-5)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, requests: Path, out: Path, first_stage: Path | None, seed: int, **options):
        if options["negatives"] < 1 or options["max_groups"] < 1:
            raise CommandError("--negatives and --max-groups must be at least 1")
        retriever = EmbedderRetriever("first stage", Embedder(first_stage) if first_stage else Embedder())
        self.stdout.write(f"ranking up to {options['max_groups']} train requests among the train-split movies ...")
        try:
            groups = dataset_groups(requests, retriever, max_groups=options["max_groups"],
                                    negatives=options["negatives"], seed=seed)  # fmt: skip
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        config = CrossEncoderConfig(epochs=options["epochs"], batch_size=options["batch_size"], lr=options["lr"],
                                    seed=seed)  # fmt: skip
        self.stdout.write(f"training on {len(groups)} groups of 1 answer + {options['negatives']} negatives")
        with batch_progress() as progress:
            train_cross_encoder(default_model_path(), groups, config, out, progress)
        self.stdout.write(self.style.SUCCESS(f"saved to {out}; measure with: evaluate_narrative --cross-encoder {out}"))
