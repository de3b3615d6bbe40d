"""`python manage.py finetune_embedder --out DIR [--epochs 1] [--max-pairs 2000] [--requests DATASET] ...`

Fine-tunes the embedder contrastively on (overview -> metadata) pairs of movies that are NOT
held out, then measures base and fine-tuned on the held-out movies with the protocol of
`evaluate_semantic`. With `--requests DATASET` (a folder of build_narrative_dataset) it trains the
search bi-encoder instead: the data set's train requests against the documents of the films that
answer them, with hard negatives, plus overview pairs of train-split movies; measure it with
`evaluate_narrative --bi-encoder DIR` (test requests rank only movies of the test split).

An experiment: nothing is registered or served. To train, gate and promote
through the model registry instead (starting from the serving embedder, re-embedding every movie
after a promotion), run `manage.py train embedder [--param max_pairs=2000 ...] [--queue]`.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommender.engine.evaluation.semantic import evaluate_embedder, held_out
from recommender.engine.text.embedder import Embedder, default_model_path
from recommender.selectors.movie_text import movie_texts
from training.engine.contrastive import ContrastiveConfig, contrastive_examples, fine_tune
from training.management.progress import batch_progress
from training.services.narrative_data import bi_encoder_examples


class Command(BaseCommand):
    help = "Contrastive fine-tuning of the sentence embedder, evaluated base against fine-tuned."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True, help="folder for the fine-tuned model")
        parser.add_argument("--epochs", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=16)
        parser.add_argument("--lr", type=float, default=2e-5)
        parser.add_argument("--max-pairs", type=int, default=2000)
        parser.add_argument("--max-seq-length", type=int, default=128)
        parser.add_argument("--fraction", type=float, default=0.2, help="share of movies held out for evaluation")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--no-hard-negatives", action="store_true", help="in-batch negatives only")
        parser.add_argument("--requests", type=Path, help="train on this narrative data set's train requests")
        parser.add_argument("--per-request", type=int, default=2, help="positives drawn per request (--requests)")

    def handle(self, *args, out: Path, fraction: float, seed: int, **options):
        try:
            config = ContrastiveConfig(
                epochs=options["epochs"], batch_size=options["batch_size"], lr=options["lr"],
                max_pairs=options["max_pairs"], max_seq_length=options["max_seq_length"], seed=seed,
                hard_negatives=not options["no_hard_negatives"],
            )  # fmt: skip
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        texts = movie_texts()
        if options["requests"]:
            return self._requests(options["requests"], texts, config, out, options["per_request"])
        evaluation = set(held_out([i for i, t in texts.items() if t.description], fraction=fraction, seed=seed))
        pairs = contrastive_examples(texts, exclude=evaluation, config=config)
        if len(pairs) < 2 or len(evaluation) < 2:
            raise CommandError("too few movies with an overview to train and evaluate; import data first")
        triplets = sum(len(example) == 3 for example in pairs)
        self.stdout.write(f"training on {len(pairs)} pairs ({triplets} with a hard negative); "
                          f"{len(evaluation)} held-out movies never seen in training")  # fmt: skip
        with batch_progress() as progress:
            fine_tune(default_model_path(), pairs, config, out, progress)
        held = {movie_id: texts[movie_id] for movie_id in sorted(evaluation)}
        self.stdout.write(f"protocol: {len(held)} held-out movies, seed {seed}; query = overview, corpus = "
                          f"those movies' metadata without overview; k=10")  # fmt: skip
        for name, embedder in (("base", Embedder()), ("fine-tuned", Embedder(out, name=str(out)))):
            result = evaluate_embedder(embedder, held, k=10, seed=seed)
            self.stdout.write(
                f"{name:<12} recall@10 {result.recall:.4f}  ndcg@10 {result.ndcg:.4f}  "
                f"cos related {result.related_cosine:.4f}  cos random {result.unrelated_cosine:.4f}"
            )

    def _requests(self, dataset: Path, texts: dict, config: ContrastiveConfig, out: Path, per_request: int) -> None:
        examples, requests = bi_encoder_examples(dataset, texts, config, per_request=per_request)
        triplets = sum(len(example) == 3 for example in examples)
        self.stdout.write(f"training on {len(examples)} examples from {requests} train requests and "
                          f"train-split overviews ({triplets} with a hard negative); other splits unused")  # fmt: skip
        with batch_progress() as progress:
            fine_tune(default_model_path(), examples, config, out, progress)
        self.stdout.write(self.style.SUCCESS(f"saved to {out}; measure with: evaluate_narrative --bi-encoder {out}"))
