"""`python manage.py evaluate_similar [--seed 42] [--k 10] [--weights 0,0.25,0.5,0.75,0.9,1]`

"More like this" measured offline (protocol: recommender/engine/evaluation/similar.py): for each
user, the neighbours of their best-rated train movie against the movies they liked in test.
Weight 0 is meaning alone (the text embeddings), 1 is co-likes alone; the weight with the best
hit rate on a validation split carved from train is the one to serve (CO_LIKE_WEIGHT), and its
test row is the number to quote. Stratified 75/25 split per user; co-likes from train only.
"""

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from recommender.engine.evaluation.similar import evaluate_similar
from recommender.engine.evaluation.splits import protocol_split, validation_split
from recommender.engine.similar import CO_LIKE_WEIGHT, LIKED
from recommender.models import MovieEmbedding
from recommender.services.data import ratings_interactions

VALIDATION_SEED = 20240101  # as the promotion gates carve theirs


class Command(BaseCommand):
    help = "Evaluate 'more like this' (meaning, co-likes and their blends) on held-out likes."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--weights", default="0,0.25,0.5,0.75,0.9,1", help="co-like weights to compare")

    def handle(self, *args, seed: int, k: int, weights: str, **options):
        try:
            grid = [float(value) for value in weights.split(",") if value.strip()]
        except ValueError as exc:
            raise CommandError("--weights takes numbers between 0 and 1, e.g. 0,0.5,1") from exc
        if not grid or not all(0 <= weight <= 1 for weight in grid) or not 1 <= k <= 100:
            raise CommandError("--weights must be between 0 and 1 and --k between 1 and 100")
        rows = list(MovieEmbedding.objects.order_by("movie_id").values_list("movie_id", "vector"))
        data = ratings_interactions()
        if not rows or len(data) == 0:
            raise CommandError("needs ratings and movie embeddings: import data and run manage.py embed")
        movie_ids = np.asarray([movie_id for movie_id, _ in rows], dtype=np.int64)
        vectors = np.asarray([vector for _, vector in rows], dtype=np.float32)
        train, test = protocol_split(data, "stratified", seed=seed)
        fit, validation = validation_split(train, seed=VALIDATION_SEED)
        self.stdout.write(f"protocol: stratified 75/25 per user (seed {seed}); validation carved from train (seed "
                          f"{VALIDATION_SEED}); seed movie = each user's best-rated train movie; hits = test movies "
                          f"rated {LIKED}+; the user's train movies left out; k={k}; {len(movie_ids):,} embedded "
                          f"movies")  # fmt: skip
        on_validation = evaluate_similar(fit, validation, movie_ids, vectors, grid, k=k)
        on_test = evaluate_similar(train, test, movie_ids, vectors, grid, k=k)
        chosen = max((name for name in on_validation if name.startswith("weight")),
                     key=lambda name: (on_validation[name]["hr"], on_validation[name]["precision"]))  # fmt: skip
        self.stdout.write(f"{'variant':<34}{'val HR@k':>10}{'val P@k':>9}{'test HR@k':>11}{'test P@k':>10}{'users':>7}")
        for name, metrics in on_test.items():
            mark = "  <- best on validation" if name == chosen else ""
            mark += "  (served)" if name == f"weight {CO_LIKE_WEIGHT:g}" else ""
            valid = on_validation[name]
            self.stdout.write(f"{name:<34}{valid['hr']:>10.3f}{valid['precision']:>9.3f}{metrics['hr']:>11.3f}"
                              f"{metrics['precision']:>10.3f}{metrics['users']:>7}{mark}")  # fmt: skip
        self.stdout.write("weight 0 = meaning alone (MiniLM embeddings); weight 1 = co-likes alone")
