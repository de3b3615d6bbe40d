"""`python manage.py evaluate --protocol stratified --seed 42 --k 10 [--models ...] [--json FILE]`

Fits each model on the train part of a split of the ratings in the database and ranks, for
every test user, all movies they did not rate in train (full ranking). Prints each number with
its protocol, writes a PNG plot, and with --json the metrics, every test user's top-k and the
split itself, so anyone can recompute the numbers.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommender.engine.cf import MODEL_CLASSES
from recommender.engine.evaluation import splits
from recommender.engine.evaluation.offline import evaluate_models
from recommender.kinds import build_model
from recommender.services.data import catalog_movie_ids, ratings_interactions
from training.engine.plots import metrics_bar_chart

PROTOCOLS = {
    "stratified": "per-user random 75/25 split of ratings",
    "temporal": "each user's last 20% of ratings by time held out",
    "loo": "each user's most recent rating >= 4.0 held out",
}
SHOWN = ["ndcg", "hr", "recall", "map", "cum_hr", "coverage", "rmse", "mae", "fit_seconds"]


def _surprise_rmse(algo, test) -> float:
    """Surprise's own accuracy module on the same test ratings: the yardstick for our numpy serving."""
    from surprise import accuracy

    testset = list(zip(test.user_ids.tolist(), test.item_ids.tolist(), test.ratings.tolist(), strict=True))
    return float(accuracy.rmse(algo.test(testset), verbose=False))


class Command(BaseCommand):
    help = "Evaluate recommenders on a protocol split of the ratings, with full ranking."

    def add_arguments(self, parser):
        parser.add_argument("--protocol", choices=sorted(PROTOCOLS), default="stratified")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--models", nargs="+", default=["popularity", "svd", "svdpp", "ease"],
                            choices=sorted(MODEL_CLASSES), metavar="MODEL")  # fmt: skip
        parser.add_argument("--json", dest="json_path", type=Path, help="write metrics, top-k lists and the split here")
        parser.add_argument("--plot", type=Path, help="PNG path (default: var/reports/evaluate-<protocol>.png)")

    def handle(self, *args, protocol, seed, k, models, json_path: Path | None, plot: Path | None, **options):
        if k < 1:
            raise CommandError("--k must be at least 1")
        data = ratings_interactions()
        if len(data) == 0:
            raise CommandError("there are no ratings; run `make run` (or import_bundled) first")
        if protocol == "stratified":
            train, test = splits.stratified_split(data, test_fraction=0.25, seed=seed)
        elif protocol == "temporal":
            train, test = splits.temporal_split(data, test_fraction=0.2)
        else:
            train, test = splits.loo_split(data, min_rating=4.0)
        catalog = catalog_movie_ids()
        described = (f"{protocol} ({PROTOCOLS[protocol]}), seed {seed}, k={k}, full ranking over {len(catalog)} "
                     f"movies; {len(data)} ratings by {len(set(data.user_ids.tolist()))} users in the database; "
                     f"train {len(train)}, test {len(test)}")  # fmt: skip
        self.stdout.write(f"protocol: {described}")

        results = {}
        for name in models:
            self.stdout.write(f"fitting and ranking {name} ...")
            model = build_model(name)
            results.update(evaluate_models({name: model}, train, test, k=k, catalog_item_ids=catalog))
            if getattr(model, "trained_algo", None) is not None:
                results[name]["metrics"]["rmse_surprise"] = _surprise_rmse(model.trained_algo, test)
        self._print_table(results, protocol, seed, k)

        plot = plot or settings.VAR_DIR / "reports" / f"evaluate-{protocol}-seed{seed}-k{k}.png"
        plot.parent.mkdir(parents=True, exist_ok=True)
        plot.write_bytes(metrics_bar_chart({n: r["metrics"] for n, r in results.items()}, f"{protocol}, seed {seed}"))
        self.stdout.write(f"plot: {plot}")
        if json_path:
            self._write_json(json_path, results, train, test, protocol, seed, k, described)
            self.stdout.write(f"json: {json_path}")

    def _print_table(self, results, protocol, seed, k) -> None:
        tag = f"[{protocol} seed={seed} k={k}]"
        for name, result in results.items():
            if "rmse_surprise" in result["metrics"]:
                ours, theirs = result["metrics"]["rmse"], result["metrics"]["rmse_surprise"]
                self.stdout.write(f"{name}: RMSE {ours:.4f} from the exported factors, {theirs:.4f} from "
                                  f"surprise.accuracy.rmse on the same model and test split {tag}")  # fmt: skip
        at_k = {"ndcg", "hr", "recall", "map", "cum_hr"}
        header = f"{'model':<12}" + "".join(f"{name + (f'@{k}' if name in at_k else ''):>12}" for name in SHOWN)
        self.stdout.write(header + "  protocol")
        for name, result in results.items():
            metrics = result["metrics"]
            cells = "".join(f"{metrics[m]:>12.4f}" if m in metrics else f"{'-':>12}" for m in SHOWN)
            self.stdout.write(f"{name:<12}{cells}  {tag}")
        feed = settings.FEED_MODEL_KIND
        if feed in results and "svd" in results and results["svd"]["metrics"]["ndcg"] > 0:
            ratio = results[feed]["metrics"]["ndcg"] / results["svd"]["metrics"]["ndcg"]
            self.stdout.write(f"feed model ({feed}) NDCG@{k} is {ratio:.1f}x SVD's {tag}")

    def _write_json(self, path: Path, results, train, test, protocol, seed, k, described) -> None:
        def rows(part):
            return [
                [int(u), int(i), float(r)] for u, i, r in zip(part.user_ids, part.item_ids, part.ratings, strict=True)
            ]

        document = {
            "protocol": {
                "name": protocol,
                "seed": seed,
                "k": k,
                "description": described,
                "candidates": "all movies not rated in train",
            },
            "split": {"train": rows(train), "test": rows(test)},
            "models": {
                name: {
                    "metrics": {m: float(v) for m, v in result["metrics"].items()},
                    "topk": {str(user): items for user, items in result["topk"].items()},
                }
                for name, result in results.items()
            },
            "feed_model": settings.FEED_MODEL_KIND,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document))
