"""`python manage.py evaluate_curec --protocol stratified --seed 42 [--json FILE]`

CURec's reward model against SVD and EASE, and its ablation without the pattern and reasons, on
one split of the ratings in the database, full ranking over every movie the user did not rate in
train. Prints the seed's metrics (Recall@5, NDCG@20) beside ours at k=10, fit time and scoring
cost per user, each row with its protocol. Patterns and reasons are written from the training
split only (recommender/engine/curec/patterns.py) and read through the serving embedder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from recommender.engine.curec.patterns import write_texts
from recommender.engine.curec.reward import CurecRewardModel, RewardConfig
from recommender.engine.evaluation import splits
from recommender.engine.evaluation.metrics import interaction_rows, ranking_metrics
from recommender.engine.evaluation.offline import evaluate_models
from recommender.engine.evaluation.splits import PROTOCOLS
from recommender.kinds import build_model
from recommender.selectors.movie_text import movie_texts
from recommender.services.data import catalog_movie_ids, ratings_interactions
from recommender.services.embeddings import embedder

AT = {"recall": (5, 10, 20), "ndcg": (10, 20), "hr": (10,)}


class Command(BaseCommand):
    help = "Evaluate the CURec reward model (and its no-reason ablation) against SVD and EASE."

    def add_arguments(self, parser):
        parser.add_argument("--protocol", choices=list(PROTOCOLS), default="stratified")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--epochs", type=int, default=RewardConfig.epochs)
        parser.add_argument("--json", dest="json_path", type=Path, help="metrics, top-20 lists and the split")

    def handle(self, *args, protocol: str, seed: int, epochs: int, json_path: Path | None, **options):
        if epochs < 1:
            raise CommandError("--epochs must be at least 1")
        data = ratings_interactions()
        if len(data) == 0:
            raise CommandError("there are no ratings; run `make run` (or import_bundled) first")
        train, test = splits.protocol_split(data, protocol, seed=seed)
        catalog = catalog_movie_ids()
        tag = f"[{protocol} seed={seed}, full ranking over {len(catalog)} movies]"
        self.stdout.write(f"protocol: {protocol} ({PROTOCOLS[protocol]}), seed {seed}; train {len(train)}, "
                          f"test {len(test)} ratings; relevant: every held-out rating")  # fmt: skip

        started = time.perf_counter()
        texts = write_texts(train, movie_texts())
        patterns, reasons, unique = _vectors(texts)
        self.stdout.write(f"texts: {len(texts.patterns)} patterns and {sum(map(len, texts.reasons.values()))} "
                          f"reasons ({unique} distinct) written and embedded in "
                          f"{time.perf_counter() - started:.0f} s, from train only")  # fmt: skip
        config = RewardConfig(epochs=epochs, seed=seed)
        models = {
            "svd": build_model("svd"),
            "ease": build_model("ease"),
            "curec": CurecRewardModel(config).with_texts(patterns, reasons),
            "curec-no-reasons": CurecRewardModel(RewardConfig(epochs=epochs, seed=seed, use_reasons=False)),
        }
        results = {}
        for name, model in models.items():
            self.stdout.write(f"fitting and ranking {name}...")
            results.update(evaluate_models({name: model}, train, test, k=20, catalog_item_ids=catalog))
            for metric, ks in AT.items():
                for k in ks:
                    results[name]["metrics"][f"{metric}@{k}"] = ranking_metrics(results[name]["topk"], test, k)[metric]
        self._print(results, tag)
        if json_path:
            _write_json(json_path, results, train, test, protocol, seed, texts)
            self.stdout.write(f"json: {json_path}")

    def _print(self, results: dict, tag: str) -> None:
        columns = [f"{metric}@{k}" for metric, ks in AT.items() for k in ks]
        self.stdout.write(f"{'model':<18}" + "".join(f"{c:>11}" for c in columns)
                          + f"{'fit s':>9}{'ms/user p50':>13}{'p95':>7}  protocol")  # fmt: skip
        for name, result in results.items():
            m = result["metrics"]
            cells = "".join(f"{m[c]:>11.4f}" for c in columns)
            self.stdout.write(f"{name:<18}{cells}{m['fit_seconds']:>9.1f}{m['score_ms_p50']:>13.1f}"
                              f"{m['score_ms_p95']:>7.1f}  {tag}")  # fmt: skip
        curec = results["curec"]["metrics"]["ndcg@20"]
        for other in ("svd", "curec-no-reasons", "ease"):
            theirs = results[other]["metrics"]["ndcg@20"]
            verdict = "beats" if curec > theirs else "does not beat"
            self.stdout.write(f"curec {verdict} {other} on NDCG@20: {curec:.4f} vs {theirs:.4f} "
                              f"({curec / theirs:.2f}x) {tag}")  # fmt: skip
        self.stdout.write("without chronological correction: not run (the correction stage is not built yet)")


def _vectors(texts) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], int]:
    """Each distinct text embedded once: patterns by user, (reasons, dim) matrices by movie."""
    distinct = sorted({*texts.patterns.values(), *(t for reasons in texts.reasons.values() for t in reasons)})
    vectors = dict(zip(distinct, embedder().encode(distinct, batch_size=128), strict=True))
    patterns = {user: vectors[text] for user, text in texts.patterns.items()}
    reasons = {movie: np.stack([vectors[t] for t in found]) for movie, found in texts.reasons.items() if found}
    return patterns, reasons, len(distinct)


def _write_json(path: Path, results, train, test, protocol: str, seed: int, texts) -> None:
    document = {
        "protocol": {"name": protocol, "seed": seed, "k": 20, "candidates": "all movies not rated in train"},
        "split": {"train": interaction_rows(train), "test": interaction_rows(test)},
        "models": {
            name: {
                "metrics": {m: float(v) for m, v in r["metrics"].items()},
                "topk": {str(user): items for user, items in r["topk"].items()},
            }
            for name, r in results.items()
        },  # fmt: skip
        "patterns": {str(user): text for user, text in texts.patterns.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
