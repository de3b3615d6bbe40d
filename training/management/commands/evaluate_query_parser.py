"""`python manage.py evaluate_query_parser [--examples 20000] [--seed 42] [--llm-sample N] [--json FILE]`

Scores search-request parsers on the synthetic test split (templates, movies and people never seen
in training) and on the hand-written set (tests/recommender/data/handwritten_queries.jsonl), the
same way: intent macro-F1, micro F1 per entity type (titles count only when resolved to the right
catalog movie), valid-output rate, latency p50/p95 per request on this machine.

Rows, one run, same requests (the ablation of each language component):
  baseline-rules       gazetteer + lexicon + keyword rules for the intent: no model at all
  baseline             the same entities + the serving version's linear intent classifier on MiniLM
  base few-shot        the untuned local instruction model, prompted with instructions and examples
  fine-tuned           the serving version's LoRA adapter on that model, as served
The two language-model rows fall back to the baseline when an answer is unusable (counted in
"valid"). The untuned model is slow with its long prompt: it reads `--llm-sample` requests per set.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommender.engine.query.baseline import BaselineParser
from recommender.engine.query.gazetteer import Gazetteer
from recommender.engine.query.llm_parser import LLMParser
from recommender.engine.query.metrics import ENTITY_TYPES
from recommender.engine.query.synth import Generator
from recommender.selectors.query_graph import catalog_graph
from recommender.services import llm as llm_service
from recommender.services.query_parser import query_encoder
from recommender.services.registry import serving_model
from training.services.query_data import HANDWRITTEN, examples_rows, handwritten_rows, parser_scores


class Command(BaseCommand):
    help = "Evaluate the search-request parsers on the synthetic test split and the hand-written set."

    def add_arguments(self, parser):
        parser.add_argument("--examples", type=int, default=20000, help="size of the generated data set")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--handwritten", type=Path, default=HANDWRITTEN)
        parser.add_argument("--llm-sample", type=int, default=300,
                            help="requests per set for the untuned model (its few-shot prompt is long)")  # fmt: skip
        parser.add_argument("--no-llm", action="store_true", help="only the baselines")
        parser.add_argument("--latency-requests", type=int, default=100, help="requests timed one by one per row")
        parser.add_argument("--json", type=Path, help="also write every score here")

    def handle(self, *args, examples: int, seed: int, handwritten: Path, llm_sample: int, no_llm: bool, **options):
        import torch

        graph = catalog_graph()
        if not graph.movies:
            raise CommandError("the catalog is empty; run import_bundled first")
        test = [example for example in Generator(graph, seed=seed).generate(examples) if example.split == "test"]
        sets = {"synthetic test": examples_rows(test), "hand-written": handwritten_rows(handwritten)}
        parsers = self._parsers(graph, no_llm)
        header = f"{'parser':30} {'set':15} {'rows':>5} {'intent_f1':>9} " + " ".join(
            f"{kind[:8]:>8}" for kind in ENTITY_TYPES
        )
        self.stdout.write(header + f" {'valid':>6} {'p50_ms':>7} {'p95_ms':>7}")
        results = {}
        for name, (parser, sampled) in parsers.items():
            for set_name, rows in sets.items():
                chosen = rows[:: max(1, len(rows) // llm_sample)][:llm_sample] if sampled else rows
                scores = parser_scores(parser, chosen, latency_requests=options["latency_requests"])
                results[f"{name} / {set_name}"] = scores
                entities = " ".join(_cell(scores["entities"][kind]["f1"]) for kind in ENTITY_TYPES)
                latency = scores["latency_ms"]
                self.stdout.write(f"{name:30} {set_name:15} {len(chosen):5d} {scores['intent_f1']:9.4f} {entities} "
                                  f"{scores['valid']:6.3f} {latency['p50']:7.1f} {latency['p95']:7.1f}")  # fmt: skip
        self.stdout.write(
            f"[synthetic: generator seed {seed}, {examples} requests, test split {len(test)} (unseen templates, "
            f"movies, people); hand-written: {len(sets['hand-written'])} requests written by people, not from the "
            "templates, ask labelled by hand from its definitions; entity columns: micro F1, titles by catalog id; "
            "valid: answers used (LLM) or parses unchanged by the contract (baselines); latency: one request at a "
            f"time, no cache, up to {options['latency_requests']} requests, this machine, float32 LLM weights, "
            f"{torch.get_num_threads()} torch thread(s)]"
        )
        if options["json"]:
            options["json"].write_text(json.dumps(results, indent=2))

    def _parsers(self, graph, no_llm: bool) -> dict:
        """name -> (parser, whether it reads only a sample)."""
        gazetteer, themes, encoder = Gazetteer.for_graph(graph), graph.themes(), query_encoder()
        parsers = {"baseline-rules": (BaselineParser(gazetteer, None, encoder.encode, themes), False)}
        served = serving_model("query_parser")
        if not served:
            self.stdout.write("no query_parser version serves: train one with `manage.py train query_parser`")
            return parsers
        version, files = served
        baseline = BaselineParser(gazetteer, files.classifier, encoder.encode, themes)
        parsers[f"baseline (v{version.pk})"] = (baseline, False)
        if no_llm:
            return parsers
        base = llm_service.llm_base_path()
        untuned = llm_service.local_llm()
        parsers[f"base few-shot ({base.name})"] = (LLMParser(untuned, gazetteer, baseline, few_shot=True), True)
        if files.adapter is not None:
            tuned = llm_service.local_llm(files.adapter, name_suffix=f"+v{version.pk}")
            parsers[f"fine-tuned (v{version.pk})"] = (LLMParser(tuned, gazetteer, baseline), False)
        else:
            self.stdout.write(f"query_parser v{version.pk} has no LoRA adapter (a baseline-only run)")
        return parsers


def _cell(value: float | None) -> str:
    return f"{'n/a':>8}" if value is None else f"{value:8.4f}"
