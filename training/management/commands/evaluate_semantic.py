"""`python manage.py evaluate_semantic [--fraction 0.2] [--seed 42] [--k 10] [--model PATH ...]`

Measures embedders on held-out movies: each overview must find its own movie among the held-out
movies' metadata documents (see recommender/engine/evaluation/semantic.py for the protocol). "base" is
the bundled all-MiniLM-L6-v2; each --model adds a local sentence-transformers folder (for
example a fine-tuned one) measured on the same held-out movies.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommender.engine.evaluation.semantic import evaluate_embedder, held_out
from recommender.engine.text.embedder import Embedder
from recommender.selectors.movie_text import movie_texts


class Command(BaseCommand):
    help = "Evaluate text embedders on held-out movies: Recall@k, NDCG@k, related-pair cosine."

    def add_arguments(self, parser):
        parser.add_argument("--fraction", type=float, default=0.2, help="share of movies held out")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--model", type=Path, action="append", default=[], help="another model folder")

    def handle(self, *args, fraction: float, seed: int, k: int, model: list[Path], **options):
        if not 0 < fraction <= 1 or k < 1:
            raise CommandError("--fraction must be in (0, 1] and --k at least 1")
        texts = movie_texts()
        with_overview = [movie_id for movie_id, text in texts.items() if text.description]
        chosen = held_out(with_overview, fraction=fraction, seed=seed)
        if len(chosen) < 2:
            raise CommandError("fewer than two held-out movies have an overview; import data first")
        subset = {movie_id: texts[movie_id] for movie_id in chosen}
        protocol = (f"{len(chosen)} held-out movies ({fraction:.0%} of the {len(with_overview)} with an "
                    f"overview, seed {seed}); query = overview, corpus = those movies' metadata without "
                    f"overview; k={k}")  # fmt: skip
        self.stdout.write(f"protocol: {protocol}")
        self.stdout.write(
            f"{'model':<40}{'recall@' + str(k):>11}{'ndcg@' + str(k):>10}{'cos related':>13}{'cos random':>12}"
        )
        for name, embedder in [("base (all-MiniLM-L6-v2)", Embedder())] + [
            (str(p), Embedder(p, name=str(p))) for p in model
        ]:
            result = evaluate_embedder(embedder, subset, k=k, seed=seed)
            self.stdout.write(
                f"{name[-40:]:<40}{result.recall:>11.4f}{result.ndcg:>10.4f}{result.related_cosine:>13.4f}"
                f"{result.unrelated_cosine:>12.4f}  [held-out seed={seed} k={k}]"
            )
