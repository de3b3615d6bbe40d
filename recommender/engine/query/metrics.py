"""How well a parser reads requests: intent macro-F1, and micro precision/recall/F1 per entity type.

Gold labels and predictions are compared as sets per example: titles by catalog movie id (so a
title counts only when it was resolved to the right movie, remakes included), people by folded
name, genres and decades as they are, constraints by their phrases.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from recommender.engine.query.schema import INTENTS, ParsedQuery
from recommender.engine.query.words import fold

ENTITY_TYPES = ("titles", "people", "genres", "decades", "exclude_genres", "ask")


def gold_sets(labels: dict) -> dict[str, set]:
    """A data set row's labels as comparable sets (titles need "id"; resolve them first for hand-written rows)."""
    constraints = labels.get("constraints") or {}
    return {
        "titles": {title["id"] for title in labels.get("titles", [])},
        "people": {fold(person["name"]) for person in labels.get("people", [])},
        "genres": set(labels.get("genres", [])),
        "decades": set(labels.get("decades", [])),
        "exclude_genres": set(constraints.get("exclude_genres", labels.get("exclude_genres", []))),
        "ask": {labels["ask"]} if labels.get("ask") else set(),
    }


def predicted_sets(parse: ParsedQuery) -> dict[str, set]:
    return {
        "titles": {title.id for title in parse.titles},
        "people": {fold(person.name) for person in parse.people},
        "genres": set(parse.genres),
        "decades": set(parse.decades),
        "exclude_genres": set(parse.constraints.exclude_genres),
        "ask": {parse.ask} if parse.ask else set(),
    }


def intent_macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for intent in INTENTS:
        tp = sum(g == p == intent for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == intent != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == intent != p for g, p in zip(gold, predicted, strict=True))
        scores.append(_f1(tp, fp, fn))
    return float(np.mean(scores))


def entity_scores(gold: Iterable[dict[str, set]], predicted: Iterable[dict[str, set]]) -> dict[str, dict]:
    """Per type: micro precision, recall, F1 and the number of gold entities (support). A type the
    gold rows do not label at all (the hand-written set has no "ask") scores None, not a perfect 1."""
    counts = {kind: [0, 0, 0] for kind in ENTITY_TYPES}
    labelled: set[str] = set()
    for gold_row, predicted_row in zip(gold, predicted, strict=True):
        for kind in ENTITY_TYPES:
            if kind not in gold_row:
                continue
            labelled.add(kind)
            g, p = gold_row[kind], predicted_row[kind]
            counts[kind][0] += len(g & p)
            counts[kind][1] += len(p - g)
            counts[kind][2] += len(g - p)
    scores = {}
    for kind, (tp, fp, fn) in counts.items():
        if kind not in labelled:
            scores[kind] = {"precision": None, "recall": None, "f1": None, "support": 0}
            continue
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        scores[kind] = {"precision": precision, "recall": recall, "f1": _f1(tp, fp, fn), "support": tp + fn}
    return scores


def parse_f1(metrics: dict) -> float:
    """One number for a parser, the promotion gate's: the mean of intent macro-F1 and each entity
    type's F1 (metrics as `{"intent_f1": .., "titles_f1": .., ...}`)."""
    values = [metrics["intent_f1"], *(metrics[f"{kind}_f1"] for kind in ENTITY_TYPES)]
    return float(np.mean(values))


def _f1(tp: int, fp: int, fn: int) -> float:
    return 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)
