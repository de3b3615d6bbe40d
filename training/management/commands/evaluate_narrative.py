"""`python manage.py evaluate_narrative [--dataset DIR] [--split test] [--bi-encoder DIR ...] [--served]`

Free-text retrievers on the same requests, one run:
  full-text search     Postgres ts_rank_cd over each movie's document (recommender/selectors/fulltext.py)
  base embedder        the bundled all-MiniLM-L6-v2
  serving embedder     the promoted "embedder" version, when there is one
  --bi-encoder DIR     any sentence-transformers folder (a candidate, before it is promoted)
  --cross-encoder DIR  the last embedder row's top --top-n re-ordered by this cross-encoder
  --pipeline           the fused pipeline as served: last embedder + full text fused, the cross-encoder
                       (when given) on the top --top-n, blended with quality priors by weights fitted
                       on the VALIDATION split and the hand-written DEVELOPMENT set (so report it on
                       test), with and without the cross-encoder
  served search        (--served, hand-written set only) the whole search box as served: parse, route, rank;
                       --served-only skips everything else (a quick look while diagnosing);
                       --feedback-weights 0,0.5,1 scores it once per collaborative-feedback weight
                       (settings.SEARCH_FEEDBACK_WEIGHT), the grid its served value was chosen from
  --handwritten development  score the hand-written DEVELOPMENT set instead of the test set (for
                       diagnosis and fitting; the test set is only ever scored)
  --likelihood-ablation  the narrative requests of every split scored by full text and the base
                       embedder (neither trained on them) against the films the likelihood filter
                       kept, the films the writer was shown, and random liked films (no filter)

Synthetic: the data set's requests of one split (theme and narrative), each ranked among that
split's movies only, movies no trained model saw: NDCG@10, MAP@100, MRR, Recall@100, P@10.
Hand-written (tests/recommender/data/narrative_requests.jsonl): 40 requests written by hand against
the whole catalog: precision@10 of theme and narrative requests over the films judged acceptable,
and for famous plots the share whose film is in the top 10.
"""

import argparse
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from recommender.engine.evaluation.retrieval import METRICS
from recommender.engine.narrative.cross_encoder import CrossEncoder
from recommender.engine.text.embedder import Embedder
from recommender.models import MovieEmbedding
from recommender.selectors.search import search_run
from recommender.services.embeddings import embedder_source
from training.engine.synthetic.retrieval_set import SPLITS, movies_by_split
from training.services.narrative_data import latest_narrative_dataset, narrative_dataset_read
from training.services.narrative_eval import (
    HANDWRITTEN_DEV,
    HANDWRITTEN_NARRATIVE,
    CrossEncoderRetriever,
    EmbedderRetriever,
    FulltextRetriever,
    PipelineRetriever,
    fit_pipeline_weights,
    handwritten_requests,
    handwritten_scores,
    likelihood_filter_ablation,
    synthetic_scores,
)

HANDWRITTEN_SETS = {"test": HANDWRITTEN_NARRATIVE, "development": HANDWRITTEN_DEV}


class Command(BaseCommand):
    help = "Evaluate free-text retrievers on held-out synthetic requests and the hand-written set."

    def add_arguments(self, parser):
        parser.add_argument("--dataset", type=Path, help="a folder built by build_narrative_dataset (default: newest)")
        parser.add_argument("--split", choices=SPLITS[1:], default="test")
        parser.add_argument("--bi-encoder", type=Path, action="append", default=[], help="extra embedder folder(s)")
        parser.add_argument("--cross-encoder", type=Path, help="a cross-encoder folder to re-rank with")
        parser.add_argument("--top-n", type=int, default=20, help="candidates the cross-encoder re-ranks")
        parser.add_argument("--pipeline", action="store_true",
                            help="also the fused pipeline (weights fitted on the validation split)")  # fmt: skip
        parser.add_argument("--served", action="store_true", help="also the served search box on the hand-written set")
        parser.add_argument("--served-only", action="store_true", help="only the served search box, hand-written set")
        parser.add_argument("--feedback-weights", type=_weights, default=None,
                            help="served search once per collaborative-feedback weight, e.g. 0,0.5,1")  # fmt: skip
        parser.add_argument("--handwritten", choices=list(HANDWRITTEN_SETS), default="test",
                            help="which hand-written set to score (default: test)")  # fmt: skip
        parser.add_argument("--likelihood-ablation", action="store_true",
                            help="only the likelihood filter's ablation on the narrative requests")  # fmt: skip
        parser.add_argument("--json", type=Path, help="also write every score here")

    def handle(self, *args, dataset: Path | None, split: str, bi_encoder: list[Path], served: bool, **options):
        set_name = options["handwritten"]
        handwritten = handwritten_requests(HANDWRITTEN_SETS[set_name])
        if options["served_only"]:
            self._handwritten_table(
                _served_searches(options["feedback_weights"]), handwritten, set_name, options["json"]
            )
            return
        dataset = dataset or _newest_dataset()
        manifest = json.loads((dataset / "manifest.json").read_text())
        embedded = list(MovieEmbedding.objects.order_by("movie_id").values_list("movie_id", flat=True))
        if not embedded:
            raise CommandError("no movie is embedded yet: run `manage.py embed` first (the documents live there)")
        corpora = movies_by_split(embedded, seed=manifest["seed"])
        if options["likelihood_ablation"]:
            return self._likelihood_ablation(dataset, corpora, options["json"])
        examples = narrative_dataset_read(dataset, split)
        retrievers = [FulltextRetriever(), EmbedderRetriever("base embedder (MiniLM)", Embedder())]
        serving_path, serving_name = embedder_source()
        if serving_path is not None:
            retrievers.append(EmbedderRetriever(f"serving embedder ({serving_name})", Embedder(serving_path)))
        retrievers += [
            EmbedderRetriever(f"bi-encoder {path.name}", Embedder(path, name=str(path))) for path in bi_encoder
        ]
        dense = retrievers[-1]
        scorer = CrossEncoder(options["cross_encoder"]) if options["cross_encoder"] else None
        if scorer is not None:
            name = f"{dense.name[:18]} + cross-encoder@{options['top_n']}"
            retrievers.append(CrossEncoderRetriever(name, dense, scorer, top_n=options["top_n"]))
        if options["pipeline"]:
            validation = narrative_dataset_read(dataset, "validation")
            development = handwritten_requests(HANDWRITTEN_DEV)
            for cross in [None, scorer] if scorer is not None else [None]:
                pipeline = PipelineRetriever(f"fused{' + cross' if cross else ''} + priors", dense, cross,
                                             top_n=options["top_n"])  # fmt: skip
                pipeline.weights, fitted = fit_pipeline_weights(
                    pipeline, validation, corpora["validation"], development, embedded
                )
                self.stdout.write(f"{pipeline.name}: weights fitted on {len(validation)} synthetic validation and "
                                  f"{len(development)} hand-written development requests: {pipeline.weights} "
                                  f"(NDCG@10 {fitted})")  # fmt: skip
                retrievers.append(pipeline)

        results = {"dataset": str(dataset), "split": split, "synthetic": {}, "handwritten": {}}
        self.stdout.write(f"{'retriever':38} {'requests':8} " + " ".join(f"{m:>10}" for m in METRICS))
        for retriever in retrievers:
            scores = synthetic_scores(retriever, examples, corpora)
            results["synthetic"][retriever.name] = scores
            for kind in ("theme", "narrative", "all"):
                if kind in scores:
                    row = scores[kind]
                    self.stdout.write(f"{retriever.name[:30] + ' / ' + kind:38} {row['requests']:8d} "
                                      + " ".join(f"{row[m]:10.4f}" for m in METRICS))  # fmt: skip
        self.stdout.write(
            f"[synthetic: {dataset.name}, {split} split; each request ranked among its split's {len(corpora[split])} "
            f"embedded movies (no trained model saw them); relevant: theme = movies carrying every trait, narrative "
            f"= the user's liked films kept by the likelihood filter; depth 100]\n"
        )
        if served:
            retrievers += _served_searches(options["feedback_weights"])
        results["handwritten"] = self._handwritten_table(retrievers, handwritten, set_name)
        if options["json"]:
            options["json"].write_text(json.dumps(results, indent=2))

    def _handwritten_table(
        self, retrievers: list, handwritten: list, set_name: str, json_path: Path | None = None
    ) -> dict:
        embedded = list(MovieEmbedding.objects.order_by("movie_id").values_list("movie_id", flat=True))
        results = {}
        self.stdout.write(f"{'retriever':38} {'theme P@10':>10} {'narr. P@10':>10} {'plot top10':>10}")
        for retriever in retrievers:
            scores = handwritten_scores(retriever, handwritten, embedded)
            results[retriever.name] = scores
            self.stdout.write(f"{retriever.name[:38]:38} {scores.get('theme', 0):10.3f} "
                              f"{scores.get('narrative', 0):10.3f} {scores.get('plot', 0):10.3f}")  # fmt: skip
        counts = {kind: sum(r.kind == kind for r in handwritten) for kind in ("theme", "narrative", "plot")}
        self.stdout.write(f"[hand-written {set_name} set: {counts} requests against "
                          f"all {len(embedded)} embedded movies; P@10 over the films judged acceptable for each "
                          "request; for plots, the share whose film is in the top 10]")  # fmt: skip
        if json_path:
            json_path.write_text(json.dumps(results, indent=2))
        return results

    def _likelihood_ablation(self, dataset: Path, corpora: dict, json_path: Path | None) -> None:
        examples = [example for split in SPLITS for example in narrative_dataset_read(dataset, split)]
        count = sum(example.kind == "narrative" for example in examples)
        results = {}
        self.stdout.write(f"{'retriever / relevant set':52} " + " ".join(f"{m:>10}" for m in METRICS))
        for retriever in [FulltextRetriever(), EmbedderRetriever("base embedder (MiniLM)", Embedder())]:
            results[retriever.name] = likelihood_filter_ablation(retriever, examples, corpora)
            for name, row in results[retriever.name].items():
                self.stdout.write(
                    f"{retriever.name[:24] + ' / ' + name:52} " + " ".join(f"{row[m]:10.4f}" for m in METRICS)
                )
        self.stdout.write(
            f"[{dataset.name}: the {count} narrative requests of all splits, each ranked among its split's movies by "
            "retrievers that never trained on them; relevant: the same number of films (3) of the user's liked "
            "candidates, chosen three ways; random draw seeded 0]"
        )
        if json_path:
            json_path.write_text(json.dumps(results, indent=2))


class _ServedSearch:
    """The search box as served (parse, route, rank), top 10 for an anonymous visitor; with
    `feedback_weight`, that collaborative-feedback weight instead of the configured one."""

    def __init__(self, feedback_weight: float | None = None):
        self.feedback_weight = feedback_weight
        self.name = "served search (GET /api/v1/search/)"
        if feedback_weight is not None:
            self.name = f"served search, feedback weight {feedback_weight:g}"

    def rank(self, queries: list[str], corpus: list[int], depth: int = 10) -> list[list[int]]:
        weight = settings.SEARCH_FEEDBACK_WEIGHT if self.feedback_weight is None else self.feedback_weight
        with override_settings(SEARCH_FEEDBACK_WEIGHT=weight):
            return [[hit.movie.pk for hit in search_run(user=AnonymousUser(), query=q, k=depth).hits] for q in queries]


def _served_searches(feedback_weights: list[float] | None) -> list[_ServedSearch]:
    return [_ServedSearch(weight) for weight in feedback_weights] if feedback_weights else [_ServedSearch()]


def _weights(text: str) -> list[float]:
    try:
        weights = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers like 0,0.5,1, got {text!r}") from None
    if not weights or any(weight < 0 for weight in weights):
        raise argparse.ArgumentTypeError("weights must be numbers of 0 or more")
    return weights


def _newest_dataset() -> Path:
    folder = latest_narrative_dataset()
    if folder is None:
        raise CommandError("no narrative data set yet: run `manage.py build_narrative_dataset` first")
    return folder
