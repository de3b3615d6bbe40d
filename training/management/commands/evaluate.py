"""`python manage.py evaluate --protocol stratified --seed 42 --k 10 [--models ...] [--json FILE]`

Fits each model on the train part of a split of the ratings in the database and ranks, for
every test user, all movies they did not rate in train (full ranking). Prints each number with
its protocol, writes a PNG plot, and with --json the metrics, every test user's top-k and the
split itself, so anyone can recompute the numbers.
"""

import json
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommender.engine.cf import MODEL_CLASSES
from recommender.engine.cf.peers import PEER_CLASSES, PEER_GRIDS, build_peer
from recommender.engine.evaluation import splits
from recommender.engine.evaluation.metrics import HIT_RATE_N, hit_rates, interaction_rows
from recommender.engine.evaluation.offline import evaluate_models
from recommender.engine.evaluation.splits import PROTOCOLS, SEED_REPORTED
from recommender.kinds import build_model
from recommender.services.data import catalog_movie_ids, ratings_interactions
from training.engine.plots import metrics_bar_chart
from training.management.tables import hit_rate_lines, ratio_lines, seed_reported_line
from training.pipelines.cf import GATE_SEED

SHOWN = ["ndcg", "hr", "recall", "map", "cum_hr", "coverage", "rmse", "mae", "fit_seconds"]
# What `--tune` tries for our kinds (the serving defaults first); peers bring their own grids.
OUR_GRIDS = {"ease": [{}, {"lam": 200.0}, {"lam": 300.0}, {"lam": 800.0}, {"lam": 300.0, "min_item_count": 1}]}
ALL_MODELS = sorted({*MODEL_CLASSES, *PEER_CLASSES})


def _build(name: str, parameters: dict | None = None):
    return build_peer(name, parameters) if name in PEER_CLASSES else build_model(name, parameters)


def _surprise_rmse(algo, test) -> float:
    """Surprise's own accuracy module on the same test ratings: the yardstick for our numpy serving."""
    from surprise import accuracy

    testset = list(zip(test.user_ids.tolist(), test.item_ids.tolist(), test.ratings.tolist(), strict=True))
    return float(accuracy.rmse(algo.test(testset), verbose=False))


class Command(BaseCommand):
    help = "Evaluate recommenders (ours and external peers) on a protocol split of the ratings, with full ranking."

    def add_arguments(self, parser):
        parser.add_argument("--protocol", choices=list(PROTOCOLS), default="stratified")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--models", nargs="+", default=["popularity", "svd", "svdpp", "ease"],
                            choices=ALL_MODELS, metavar="MODEL")  # fmt: skip
        parser.add_argument("--peers", action="store_true", help=f"also run the external peers {sorted(PEER_CLASSES)}")
        parser.add_argument("--tune", action="store_true",
                            help="pick each model's parameters from a small grid on a validation split carved from "
                                 "train (same protocol, another seed); the test split is never looked at")  # fmt: skip
        parser.add_argument("--json", dest="json_path", type=Path, help="write metrics, top-k lists and the split here")
        parser.add_argument("--plot", type=Path, help="PNG path (default: var/reports/evaluate-<protocol>.png)")

    def handle(self, *args, protocol, seed, k, models, peers, tune, json_path: Path | None, plot: Path | None, **opts):
        if k < 1:
            raise CommandError("--k must be at least 1")
        if protocol == "seed-hr" and k < max(HIT_RATE_N):
            raise CommandError(f"--protocol seed-hr reports hit rates up to N={max(HIT_RATE_N)}: use --k >= 10")
        data = ratings_interactions()
        if len(data) == 0:
            raise CommandError("there are no ratings; run `make run` (or import_bundled) first")
        models = list(dict.fromkeys([*models, *(sorted(PEER_CLASSES) if peers else [])]))
        train, test = splits.protocol_split(data, protocol, seed=seed)
        catalog = catalog_movie_ids()
        described = (f"{protocol} ({PROTOCOLS[protocol]}), seed {seed}, k={k}, full ranking over {len(catalog)} "
                     f"movies; {len(data)} ratings by {len(set(data.user_ids.tolist()))} users in the database; "
                     f"train {len(train)}, test {len(test)}"
                     + (f"; parameters picked on a {protocol} validation split of train (seed {GATE_SEED})"
                        if tune else ""))  # fmt: skip
        self.stdout.write(f"protocol: {described}")

        results, chosen = {}, {}
        for name in models:
            chosen[name] = self._tuned(name, train, protocol, k, catalog) if tune else {}
            self.stdout.write(f"fitting and ranking {name} {chosen[name] or ''}...")
            model = _build(name, chosen[name])
            try:
                results.update(evaluate_models({name: model}, train, test, k=k, catalog_item_ids=catalog))
            except RuntimeError as exc:  # an optional peer that is not installed
                raise CommandError(str(exc)) from exc
            if getattr(model, "trained_algo", None) is not None:
                results[name]["metrics"]["rmse_surprise"] = _surprise_rmse(model.trained_algo, test)
            if protocol == "seed-hr":
                results[name]["metrics"].update(hit_rates(results[name]["topk"], test))
        self._print_table(results, protocol, seed, k)
        if tune:
            self.stdout.write("parameters: " + "; ".join(f"{n} {p or 'defaults'}" for n, p in chosen.items()))

        plot = plot or settings.VAR_DIR / "reports" / f"evaluate-{protocol}-seed{seed}-k{k}.png"
        plot.parent.mkdir(parents=True, exist_ok=True)
        plot.write_bytes(metrics_bar_chart({n: r["metrics"] for n, r in results.items()}, f"{protocol}, seed {seed}"))
        self.stdout.write(f"plot: {plot}")
        if json_path:
            self._write_json(json_path, results, train, test, protocol, seed, k, described, chosen)
            self.stdout.write(f"json: {json_path}")

    def _tuned(self, name: str, train, protocol: str, k: int, catalog) -> dict:
        """The grid entry with the best validation NDCG@k; ties keep the earlier (default) one."""
        grid = PEER_GRIDS.get(name) or OUR_GRIDS.get(name) or [{}]
        if len(grid) == 1:
            return grid[0]
        fit_train, validation = splits.validation_split(train, protocol, seed=GATE_SEED)
        scores = []
        for parameters in grid:
            evaluated = evaluate_models({name: _build(name, parameters)}, fit_train, validation, k=k,
                                        catalog_item_ids=catalog)  # fmt: skip
            scores.append(evaluated[name]["metrics"]["ndcg"])
            self.stdout.write(f"  validation {name} {parameters or 'defaults'}: NDCG@{k} {scores[-1]:.4f}")
        return grid[int(np.argmax(scores))]

    def _print_table(self, results, protocol, seed, k) -> None:
        tag = f"[{protocol} seed={seed} k={k}]"
        for name, result in results.items():
            if "rmse_surprise" in result["metrics"]:
                ours, theirs = result["metrics"]["rmse"], result["metrics"]["rmse_surprise"]
                self.stdout.write(f"{name}: RMSE {ours:.4f} from the exported factors, {theirs:.4f} from "
                                  f"surprise.accuracy.rmse on the same model and test split {tag}")  # fmt: skip
        at_k = {"ndcg", "hr", "recall", "map", "cum_hr"}
        header = f"{'model':<14}" + "".join(f"{name + (f'@{k}' if name in at_k else ''):>12}" for name in SHOWN)
        self.stdout.write(header + "  protocol")
        for name, result in results.items():
            metrics = result["metrics"]
            cells = "".join(f"{metrics[m]:>12.4f}" if m in metrics else f"{'-':>12}" for m in SHOWN)
            self.stdout.write(f"{name:<14}{cells}  {tag}")
        if protocol == "seed-hr":
            self.stdout.write("\n".join(hit_rate_lines(results, tag, 14)))
        feed = settings.FEED_MODEL_KIND
        shown = set(results) if protocol in SEED_REPORTED else {feed}
        for line in [*ratio_lines(results, k, tag, shown=shown, feed=feed), *seed_reported_line(protocol)]:
            self.stdout.write(line)

    def _write_json(self, path: Path, results, train, test, protocol, seed, k, described, chosen) -> None:
        document = {
            "protocol": {
                "name": protocol,
                "seed": seed,
                "k": k,
                "description": described,
                "candidates": "all movies not rated in train",
            },
            "split": {"train": interaction_rows(train), "test": interaction_rows(test)},
            "models": {
                name: {
                    "parameters": chosen.get(name, {}),
                    "metrics": {m: float(v) for m, v in result["metrics"].items()},
                    "topk": {str(user): items for user, items in result["topk"].items()},
                }
                for name, result in results.items()
            },
            "feed_model": settings.FEED_MODEL_KIND,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document))
