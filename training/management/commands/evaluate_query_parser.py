"""`python manage.py evaluate_query_parser [--examples 20000] [--seed 42] [--handwritten FILE]`

Scores search-request parsers on the synthetic test split (templates, movies and people never seen
in training) and on the hand-written set (tests/recommender/data/handwritten_queries.jsonl), the
same way: intent macro-F1, micro F1 per entity type (titles count only when resolved to the right
catalog movie), valid-output rate, latency p50/p95 per request on this machine.

Rows: "baseline-rules" (gazetteer + keyword rules for the intent, nothing trained) and
"baseline" (gazetteer + the serving query_parser version's linear classifier on MiniLM vectors).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommender.engine.query.baseline import BaselineParser
from recommender.engine.query.gazetteer import Gazetteer
from recommender.engine.query.synth import Generator
from recommender.selectors.query_graph import catalog_graph
from recommender.services.query_parser import query_encoder
from recommender.services.registry import serving_model
from training.services.query_data import HANDWRITTEN, examples_rows, handwritten_rows, parser_scores

ENTITY_COLUMNS = ("titles", "people", "genres", "decades", "exclude_genres")


class Command(BaseCommand):
    help = "Evaluate the search-request parsers on the synthetic test split and the hand-written set."

    def add_arguments(self, parser):
        parser.add_argument("--examples", type=int, default=20000, help="size of the generated data set")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--handwritten", type=Path, default=HANDWRITTEN)

    def handle(self, *args, examples: int, seed: int, handwritten: Path, **options):
        graph = catalog_graph()
        if not graph.movies:
            raise CommandError("the catalog is empty; run import_bundled first")
        test = [example for example in Generator(graph, seed=seed).generate(examples) if example.split == "test"]
        sets = {"synthetic test": examples_rows(test), "hand-written": handwritten_rows(handwritten)}
        gazetteer, themes, encoder = Gazetteer.for_graph(graph), graph.themes(), query_encoder()
        parsers = {"baseline-rules": BaselineParser(gazetteer, None, encoder.encode, themes)}
        served = serving_model("query_parser")
        if served:
            parsers[f"baseline (query_parser v{served[0].pk})"] = BaselineParser(
                gazetteer, served[1], encoder.encode, themes
            )
        else:
            self.stdout.write("no query_parser version serves: train one with `manage.py train query_parser`")
        protocol = (f"[synthetic: generator seed {seed}, {examples} requests, test split {len(test)} (unseen "
                    f"templates, movies, people); hand-written: {len(sets['hand-written'])} requests; latency: "
                    f"one request at a time, up to 100, this machine]")  # fmt: skip
        header = f"{'parser':34} {'set':15} {'intent_f1':>9} " + " ".join(
            f"{c[:9] + '_f1':>12}" for c in ENTITY_COLUMNS
        )
        self.stdout.write(header + f" {'valid':>6} {'p50_ms':>7} {'p95_ms':>7}")
        for name, parser in parsers.items():
            for set_name, rows in sets.items():
                scores = parser_scores(parser.parse_many, rows)
                entities = " ".join(f"{scores['entities'][c]['f1']:12.4f}" for c in ENTITY_COLUMNS)
                latency = scores["latency_ms"]
                self.stdout.write(f"{name:34} {set_name:15} {scores['intent_f1']:9.4f} {entities} "
                                  f"{scores['valid']:6.3f} {latency['p50']:7.1f} {latency['p95']:7.1f}")  # fmt: skip
        self.stdout.write(protocol)
