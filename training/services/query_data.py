"""Query-parser data: the synthetic data set written as files with its manifest, the hand-written
set read with its titles resolved to catalog ids, and one scoring routine for any parser."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
from django.conf import settings

from catalog.models import Movie
from recommender.engine.query.metrics import entity_scores, gold_sets, intent_macro_f1, predicted_sets
from recommender.engine.query.schema import ParsedQuery
from recommender.engine.query.synth import GENERATOR_VERSION, SPLITS, Example, Generator, manifest
from recommender.selectors.query_graph import catalog_graph

HANDWRITTEN = Path(settings.BASE_DIR) / "tests" / "recommender" / "data" / "handwritten_queries.jsonl"


def query_dataset_folder(*, count: int, seed: int) -> Path:
    return Path(settings.VAR_DIR) / "datasets" / "query" / f"v{GENERATOR_VERSION}-seed{seed}-n{count}"


def query_dataset_build(*, count: int, seed: int, folder: Path | None = None) -> tuple[Path, dict]:
    """Generate and write train/validation/test JSON Lines plus manifest.json; returns (folder, manifest).

    Files are written under a temporary name and renamed, so a folder that exists is complete."""
    folder = folder or query_dataset_folder(count=count, seed=seed)
    examples = Generator(catalog_graph(), seed=seed).generate(count)
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        with open(partial / f"{split}.jsonl", "w") as out:
            for example in examples:
                if example.split == split:
                    out.write(json.dumps(example.to_json()) + "\n")
    described = {**manifest(examples, seed), "catalog_movies": Movie.objects.count()}
    (partial / "manifest.json").write_text(json.dumps(described, indent=2))
    if folder.exists():
        shutil.rmtree(folder)
    partial.rename(folder)
    return folder, described


def query_dataset_read(folder: Path, split: str) -> list[Example]:
    with open(folder / f"{split}.jsonl") as lines:
        return [Example(**json.loads(line)) for line in lines]


def handwritten_rows(path: Path = HANDWRITTEN) -> list[tuple[str, str, dict]]:
    """(text, intent, gold sets) for the hand-written set; titles resolved by exact title and year.
    A title the catalog lacks is an error: the set must match the bundled data."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    wanted = {(title["title"], title["year"]) for row in rows for title in row["titles"]}
    ids = {}
    for movie_id, title, year in Movie.objects.filter(title__in={t for t, _ in wanted}).values_list(
        "id", "title", "year"
    ):
        ids[(title, year)] = movie_id
    missing = sorted(wanted - ids.keys(), key=str)
    if missing:
        raise ValueError(f"hand-written titles not in the catalog: {missing[:5]}")
    out = []
    for row in rows:
        labels = {**row, "titles": [{"id": ids[(t["title"], t["year"])]} for t in row["titles"]]}
        out.append((row["q"], row["intent"], gold_sets(labels)))
    return out


def examples_rows(examples: list[Example]) -> list[tuple[str, str, dict]]:
    return [(example.text, example.labels["intent"], gold_sets(example.labels)) for example in examples]


def parser_scores(parse_many, rows: list[tuple[str, str, dict]], *, batch_size: int = 64) -> dict:
    """Intent macro-F1, entity P/R/F1 per type, valid-output rate, and per-request latency (p50/p95,
    each request timed alone on a sample of up to 100 rows, after one warm-up)."""
    texts = [text for text, _, _ in rows]
    parses = []
    for start in range(0, len(texts), batch_size):
        parses += parse_many(texts[start : start + batch_size])
    scores = {
        "intent_f1": intent_macro_f1([intent for _, intent, _ in rows], [parse.intent for parse in parses]),
        "entities": entity_scores([gold for _, _, gold in rows], [predicted_sets(parse) for parse in parses]),
        "valid": sum(_valid(parse) for parse in parses) / max(len(parses), 1),
        "rows": len(rows),
    }
    sample = texts[:: max(1, len(texts) // 100)][:100]
    parse_many(sample[:1])
    timings = []
    for text in sample:
        started = time.perf_counter()
        parse_many([text])
        timings.append((time.perf_counter() - started) * 1000)
    scores["latency_ms"] = {"p50": float(np.percentile(timings, 50)), "p95": float(np.percentile(timings, 95))}
    return scores


def _valid(parse: ParsedQuery) -> bool:
    """Does the parse survive the contract's checks unchanged (schema.ParsedQuery.from_labels)?"""
    try:
        return ParsedQuery.from_labels(parse.to_dict(), parse.titles) == parse
    except ValueError:
        return False
