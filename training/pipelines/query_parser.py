"""The "query_parser" training run: the search box's parser, trained on synthetic requests generated
from the catalog (recommender/engine/query/synth.py) and judged on their validation split.

Two parsers come out of one run, because the second needs the first:
1. the baseline: a linear intent classifier on MiniLM vectors of the train split, with the gazetteer
   and lexicon for entities. It is the fallback whenever the language model's answer is unusable.
2. with `method` "lora" (the default): the local instruction model LoRA-tuned on q_proj, v_proj and
   o_proj to answer each train request in the line format (engine/query/llm_parser.py); QLoRA
   (4-bit NF4 base) when `quantize_4bit` is set, which needs CUDA, or when CUDA is present and a
   larger `base_model` folder is given.

Protocol: `examples` requests with `seed`, split by template, movie and person; `eval_examples`
of the validation split score the candidate, its baseline and the serving version alike (the
data set changes with the catalog and the generator, so the serving version is measured again,
not read from its record). Gate: parse_f1 (the mean of intent macro-F1 and the entity F1s) better
than the serving version's. The test split and the hand-written set are for
`manage.py evaluate_query_parser`, never for fitting or choosing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from recommender.engine.llm.client import LocalLLM
from recommender.engine.query.artifact import ADAPTER
from recommender.engine.query.baseline import BaselineParser, IntentClassifier
from recommender.engine.query.gazetteer import Gazetteer
from recommender.engine.query.llm_parser import LLMParser, answer_for, conversation
from recommender.engine.query.metrics import parse_f1
from recommender.engine.query.synth import manifest
from recommender.models import ModelVersion, TrainingRun
from recommender.selectors.query_graph import catalog_graph
from recommender.services import llm as llm_service
from recommender.services.query_parser import query_encoder, serving_parser
from recommender.services.registry import model_version_publish, serving_model
from training.engine.lora_sft import LoraConfig, sft_lora
from training.engine.plots import loss_curve_png
from training.services.gate import promotion_gate
from training.services.query_data import examples_rows, parser_scores, query_examples

METHODS = ("lora", "baseline")


class ParserArtifact:
    def __init__(self, classifier: IntentClassifier, adapter: Path | None, described: dict) -> None:
        self.classifier, self.adapter, self.described = classifier, adapter, described

    def save(self, folder: Path) -> None:
        self.classifier.save(folder)
        if self.adapter is not None:
            shutil.copytree(self.adapter, folder / ADAPTER)
        (folder / "manifest.json").write_text(json.dumps(self.described, indent=2))


def check_parameters(parameters: dict) -> None:
    if parameters["method"] not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if not 200 <= int(parameters["examples"]) <= 200_000:
        raise ValueError("examples must be between 200 and 200,000")
    if not 10 <= int(parameters["eval_examples"]) <= 20_000:
        raise ValueError("eval_examples must be between 10 and 20,000")
    if not 0 <= float(parameters["paraphrase"]) <= 1:
        raise ValueError("paraphrase is a share of the train split, between 0 and 1")
    if float(parameters["c"]) <= 0:
        raise ValueError("c (inverse regularisation) must be > 0")
    LoraConfig(
        steps=parameters["steps"], batch_size=parameters["batch_size"], lr=parameters["lr"], rank=parameters["rank"]
    )  # fmt: skip  (its own checks)
    if parameters["base_model"] and not Path(parameters["base_model"]).is_dir():
        raise ValueError(f"base_model {parameters['base_model']!r} is not a folder on this machine")


def train(run: TrainingRun, reporter) -> tuple[dict, ModelVersion | None]:
    p = run.parameters
    reporter.step(2, "reading the catalog graph")
    graph = catalog_graph()
    if not graph.movies:
        raise ValueError("the catalog is empty; import data first")

    def paraphrasing(done: int, total: int) -> None:
        reporter.step(3, f"teacher paraphrases: {done}/{total}")

    examples, paraphrase_stats = query_examples(count=p["examples"], seed=p["seed"], paraphrase=p["paraphrase"],
                                                graph=graph, progress=paraphrasing)  # fmt: skip
    train_split = [example for example in examples if example.split == "train"]
    validation = [example for example in examples if example.split == "validation"][: p["eval_examples"]]
    reporter.step(5, f"{len(examples)} synthetic requests (seed {p['seed']}): {len(train_split)} train; "
                     f"encoding them with MiniLM for the baseline")  # fmt: skip
    encoder = query_encoder()
    texts = [example.text for example in train_split]

    def encoded(done: int) -> None:
        if done == len(texts) or done % 2048 < 64:  # about every 2,000 requests
            reporter.step(5 + int(20 * done / len(texts)), f"encoded {done}/{len(texts)}")

    vectors = encoder.encode(texts, progress=encoded)
    classifier = IntentClassifier().fit(vectors, [example.labels["intent"] for example in train_split], c=p["c"])
    gazetteer = Gazetteer.for_graph(graph)
    baseline = BaselineParser(gazetteer, classifier, encoder.encode, graph.themes())
    rows = examples_rows(validation)
    measured = {"baseline": _scored(baseline, rows)}
    reporter.step(28, f"baseline on {len(rows)} validation requests: {_format(measured['baseline'])}")
    candidate, adapter, plot = measured["baseline"], None, None
    protocol = {"name": "synthetic requests split by template, movie and person", "seed": p["seed"],
                "examples": len(examples), "train": len(train_split), "validation": len(rows),
                "encoder": "bundled MiniLM (all-MiniLM-L6-v2)", "method": p["method"], **paraphrase_stats}  # fmt: skip
    with tempfile.TemporaryDirectory(dir=settings.MODEL_DIR) as scratch:
        if p["method"] == "lora":
            base = Path(p["base_model"]) if p["base_model"] else llm_service.llm_base_path()
            adapter, losses, config = _fine_tune(p, base, train_split, Path(scratch) / ADAPTER, reporter)
            plot = loss_curve_png(losses, f"query_parser run {run.pk}: LoRA on {base.name}, {config.steps} steps")
            llm = LocalLLM(base, adapter_path=adapter, name=f"{base.name}+run-{run.pk}",
                           batch_size=settings.LLM_BATCH_SIZE)  # fmt: skip
            reporter.step(82, "measuring the fine-tuned parser on the validation split")
            candidate = measured["fine-tuned"] = _scored(LLMParser(llm, gazetteer, baseline), rows)
            protocol |= {"base_model": base.name, "lora": {"steps": config.steps, "batch_size": config.batch_size,
                         "lr": config.lr, "rank": config.rank, "qlora": config.quantize_4bit},
                         "final_loss": round(sum(losses[-20:]) / len(losses[-20:]), 4)}  # fmt: skip
        serving = _serving_scores(rows)
        baselines = {"the serving parser": serving} if serving else {}
        passed, reason = promotion_gate(kind=run.kind, candidate=candidate, measured=baselines)
        reporter.step(92, f"candidate: {_format(candidate)}; gate: {'pass' if passed else 'refused'} ({reason})")
        run_metrics = {"validation": candidate, "measured": {**measured, **baselines}, "protocol": protocol,
                       "gate": {"passed": passed, "reason": reason}}  # fmt: skip
        if not passed:
            return run_metrics, None
        described = {**manifest(examples, p["seed"]), "protocol": protocol,
                     "base_model": protocol.get("base_model", "")}  # fmt: skip
        artifact = ParserArtifact(classifier, adapter, described)
        version = model_version_publish(kind=run.kind, parameters=p, metrics=run_metrics, model=artifact,
                                        plot_png=plot)  # fmt: skip
    return run_metrics, version


def _fine_tune(p: dict, base: Path, train_split, output: Path, reporter):
    import torch

    quantize = bool(p["quantize_4bit"]) or (torch.cuda.is_available() and bool(p["base_model"]))
    config = LoraConfig(steps=p["steps"], batch_size=p["batch_size"], lr=p["lr"], rank=p["rank"],
                        alpha=2 * p["rank"], max_length=128, quantize_4bit=quantize, seed=p["seed"],
                        schedule="cosine")  # fmt: skip
    pairs = [(conversation(example.text), answer_for(example.labels)) for example in train_split]
    losses: list[float] = []

    def progress(step: int, total: int, loss: float) -> None:
        losses.append(loss)
        if step == total or step % max(1, total // 25) == 0:
            recent = losses[-max(1, total // 25) :]
            reporter.step(30 + int(50 * step / total), f"{'QLoRA' if quantize else 'LoRA'} step {step}/{total}, "
                                                       f"loss {sum(recent) / len(recent):.3f}")  # fmt: skip

    reporter.step(30, f"{'QLoRA' if quantize else 'LoRA'} on {base.name}: {config.steps} steps of {config.batch_size} "
                      f"from {len(pairs)} requests")  # fmt: skip
    return sft_lora(base, pairs, config, output, progress), losses, config


def _scored(parser, rows) -> dict:
    scores = parser_scores(parser, rows, latency=False)
    entities = {f"{kind}_f1": value["f1"] for kind, value in scores["entities"].items()}
    metrics = {"intent_f1": scores["intent_f1"], **entities, "valid": scores["valid"]}
    metrics["parse_f1"] = parse_f1(metrics)
    return {name: round(value, 5) for name, value in metrics.items()}


def _serving_scores(rows) -> dict | None:
    """The serving version's parser on the same rows, or None when no version serves yet."""
    if serving_model("query_parser") is None:
        return None
    return _scored(serving_parser()[0], rows)


def _format(metrics: dict) -> str:
    return ", ".join(f"{name} {value:.4f}" for name, value in metrics.items())
