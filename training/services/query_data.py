"""Query-parser data: the synthetic data set written as files with its manifest, the hand-written
set read with its titles resolved to catalog ids, and one scoring routine for any parser."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from django.conf import settings

from catalog.models import Movie
from recommender.engine.query.graph import CatalogGraph
from recommender.engine.query.metrics import entity_scores, gold_sets, intent_macro_f1, predicted_sets
from recommender.engine.query.paraphrase import paraphrased
from recommender.engine.query.schema import ParsedQuery
from recommender.engine.query.synth import GENERATOR_VERSION, SPLITS, Example, Generator, manifest
from recommender.selectors.query_graph import catalog_graph
from recommender.services import llm as llm_service
from training.services.datasets import dataset_folder_write, movie_ids_by_title_year

HANDWRITTEN = Path(settings.BASE_DIR) / "tests" / "recommender" / "data" / "handwritten_queries.jsonl"


def query_dataset_folder(*, count: int, seed: int, paraphrase: float = 0.0) -> Path:
    name = f"v{GENERATOR_VERSION}-seed{seed}-n{count}" + (f"-p{paraphrase:g}" if paraphrase > 0 else "")
    return Path(settings.VAR_DIR) / "datasets" / "query" / name


def query_examples(
    *, count: int, seed: int, paraphrase: float = 0.0, graph: CatalogGraph | None = None, progress=None
) -> tuple[list[Example], dict]:
    """The synthetic requests of this catalog, plus (with `paraphrase` > 0) that share of the train
    split rewritten by the teacher LLM and kept when its labels still hold; returns (examples, stats)."""
    examples = Generator(graph or catalog_graph(), seed=seed).generate(count)
    if paraphrase <= 0:
        return examples, {}
    train = [example for example in examples if example.split == "train"]
    kept, stats = paraphrased(llm_service.generator(), train, fraction=paraphrase, seed=seed, progress=progress)
    return examples + kept, {"paraphrase": {"fraction": paraphrase, **stats}}


def query_dataset_build(
    *, count: int, seed: int, folder: Path | None = None, paraphrase: float = 0.0, progress=None
) -> tuple[Path, dict]:
    """Generate and write train/validation/test JSON Lines plus manifest.json; returns (folder, manifest).

    Files are written under a temporary name and renamed, so a folder that exists is complete."""
    folder = folder or query_dataset_folder(count=count, seed=seed, paraphrase=paraphrase)
    examples, paraphrase_stats = query_examples(count=count, seed=seed, paraphrase=paraphrase, progress=progress)
    described = {**manifest(examples, seed), **paraphrase_stats, "catalog_movies": Movie.objects.count()}
    dataset_folder_write(folder, examples, SPLITS, described)
    return folder, described


def query_dataset_read(folder: Path, split: str) -> list[Example]:
    with open(folder / f"{split}.jsonl") as lines:
        return [Example(**json.loads(line)) for line in lines]


def handwritten_rows(path: Path = HANDWRITTEN) -> list[tuple[str, str, dict]]:
    """(text, intent, gold sets) for the hand-written set; titles resolved by exact title and year.
    A title the catalog lacks is an error: the set must match the bundled data."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    ids = movie_ids_by_title_year({(title["title"], title["year"]) for row in rows for title in row["titles"]})
    out = []
    for row in rows:
        labels = {**row, "titles": [{"id": ids[(t["title"], t["year"])]} for t in row["titles"]]}
        gold = gold_sets(labels)
        if "ask" not in row:  # the set predates the ask label: not scored on it
            del gold["ask"]
        out.append((row["q"], row["intent"], gold))
    return out


def examples_rows(examples: list[Example]) -> list[tuple[str, str, dict]]:
    return [(example.text, example.labels["intent"], gold_sets(example.labels)) for example in examples]


def parser_scores(
    parser, rows: list[tuple[str, str, dict]], *, batch_size: int = 64, latency: bool = True,
    latency_requests: int = 100,
) -> dict:  # fmt: skip
    """Intent macro-F1, entity P/R/F1 per type, valid-output rate, and (with `latency`) per-request
    latency p50/p95, each request timed alone on a sample of up to `latency_requests` rows after one warm-up.

    "valid" is, for a language-model parser, the share of answers it could use (the rest went to
    its fallback); for the baseline, the share of parses that pass the contract's checks unchanged."""
    texts = [text for text, _, _ in rows]
    parses, valid = [], []
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        if hasattr(parser, "read_many"):
            readings = parser.read_many(batch)
            parses += [reading.parse for reading in readings]
            valid += [not reading.error for reading in readings]
        else:
            found = parser.parse_many(batch)
            parses += found
            valid += [_valid(parse) for parse in found]
    scores = {
        "intent_f1": intent_macro_f1([intent for _, intent, _ in rows], [parse.intent for parse in parses]),
        "entities": entity_scores([gold for _, _, gold in rows], [predicted_sets(parse) for parse in parses]),
        "valid": sum(valid) / max(len(valid), 1),
        "rows": len(rows),
    }
    if latency:
        step = max(1, len(texts) // latency_requests)
        scores["latency_ms"] = parse_latency(parser, texts[::step][:latency_requests])
    return scores


def parse_latency(parser, texts: list[str]) -> dict[str, float]:
    """p50/p95 milliseconds of parsing one request at a time (no cache), after one warm-up."""
    parser.parse_many(texts[:1])
    timings = []
    for text in texts:
        started = time.perf_counter()
        parser.parse_many([text])
        timings.append((time.perf_counter() - started) * 1000)
    return {"p50": float(np.percentile(timings, 50)), "p95": float(np.percentile(timings, 95)), "n": len(timings)}


def _valid(parse: ParsedQuery) -> bool:
    """Does the parse survive the contract's checks unchanged (schema.ParsedQuery.from_labels)?"""
    try:
        return ParsedQuery.from_labels(parse.to_dict(), parse.titles) == parse
    except ValueError:
        return False
