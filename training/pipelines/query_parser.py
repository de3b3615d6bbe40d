"""The "query_parser" training run: the baseline parser's intent classifier, fitted and judged on
synthetic requests generated from the catalog (recommender/engine/query/synth.py).

Protocol: `examples` requests with `seed`, split by template, movie and person; the classifier is
fitted on the train split's MiniLM vectors (the bundled MiniLM, whichever embedder serves search)
and measured on the validation split with the gazetteer for entities. Gate: intent macro-F1 not
worse than the serving version's. The test split and the hand-written set are for
`manage.py evaluate_query_parser`, never for fitting or choosing.
"""

from __future__ import annotations

import json
from pathlib import Path

from recommender.engine.query.baseline import BaselineParser, IntentClassifier
from recommender.engine.query.gazetteer import Gazetteer
from recommender.engine.query.synth import Generator, manifest
from recommender.models import ModelVersion, TrainingRun
from recommender.selectors.query_graph import catalog_graph
from recommender.services.query_parser import query_encoder
from recommender.services.registry import model_version_publish
from training.services.gate import promotion_gate
from training.services.query_data import examples_rows, parser_scores


class ParserArtifact:
    def __init__(self, classifier: IntentClassifier, described: dict) -> None:
        self.classifier, self.described = classifier, described

    def save(self, folder: Path) -> None:
        self.classifier.save(folder)
        (folder / "manifest.json").write_text(json.dumps(self.described, indent=2))


def check_parameters(parameters: dict) -> None:
    if not 200 <= int(parameters["examples"]) <= 200_000:
        raise ValueError("examples must be between 200 and 200,000")
    if float(parameters["c"]) <= 0:
        raise ValueError("c (inverse regularisation) must be > 0")


def train(run: TrainingRun, reporter) -> tuple[dict, ModelVersion | None]:
    p = run.parameters
    reporter.step(2, "reading the catalog graph")
    graph = catalog_graph()
    if not graph.movies:
        raise ValueError("the catalog is empty; import data first")
    examples = Generator(graph, seed=p["seed"]).generate(p["examples"])
    train_split = [example for example in examples if example.split == "train"]
    validation = [example for example in examples if example.split == "validation"]
    reporter.step(10, f"{len(examples)} synthetic requests (seed {p['seed']}): {len(train_split)} train, "
                      f"{len(validation)} validation; encoding with MiniLM")  # fmt: skip
    encoder = query_encoder()
    texts = [example.text for example in train_split]

    def encoded(done: int) -> None:
        if done == len(texts) or done % 2048 < 64:  # about every 2,000 requests
            reporter.step(10 + int(60 * done / len(texts)), f"encoded {done}/{len(texts)}")

    vectors = encoder.encode(texts, progress=encoded)
    classifier = IntentClassifier().fit(vectors, [example.labels["intent"] for example in train_split], c=p["c"])
    reporter.step(75, "measuring on the validation split")
    parser = BaselineParser(Gazetteer.for_graph(graph), classifier, encoder.encode, graph.themes())
    scores = parser_scores(parser.parse_many, examples_rows(validation))
    metrics = {"intent_f1": round(scores["intent_f1"], 5)}
    metrics |= {f"{kind}_f1": round(value["f1"], 5) for kind, value in scores["entities"].items()}
    protocol = {"name": "synthetic requests split by template, movie and person", "seed": p["seed"],
                "examples": len(examples), "train": len(train_split), "validation": len(validation),
                "encoder": "bundled MiniLM (all-MiniLM-L6-v2)"}  # fmt: skip
    passed, reason = promotion_gate(kind=run.kind, candidate=metrics)
    reporter.step(90, f"validation {metrics}; gate: {'pass' if passed else 'refused'} ({reason})")
    run_metrics = {"validation": metrics, "protocol": protocol, "gate": {"passed": passed, "reason": reason}}
    if not passed:
        return run_metrics, None
    artifact = ParserArtifact(classifier, {**manifest(examples, p["seed"]), "protocol": protocol})
    version = model_version_publish(kind=run.kind, parameters=p, metrics=run_metrics, model=artifact)
    return run_metrics, version
