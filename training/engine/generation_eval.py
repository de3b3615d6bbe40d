"""How good are generated descriptions against real ones? ROUGE-L and embedding similarity. Plain Python."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from recommender.engine.llm.client import LLM
from recommender.engine.llm.prompts import MovieFacts, description_prompt
from recommender.engine.text.grounding import is_grounded, metadata_document, support_problem

_TOKEN = re.compile(r"\w+")


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 over lower-cased word tokens (longest common subsequence), 0..1."""
    a, b = _TOKEN.findall(candidate.lower()), _TOKEN.findall(reference.lower())
    if not a or not b:
        return 0.0
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[j - 1]))
        previous = current
    lcs = previous[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)


def evaluate_descriptions(
    llm: LLM, movies: Sequence[tuple[MovieFacts, str]], embedder, *, max_new_tokens: int = 96
) -> dict[str, float]:
    """Generate a description for each (facts without overview, real overview) and compare.

    rouge_l and embedding_cosine are means over all raw outputs; grounded is the share of outputs that
    pass the grounding check (no invented name, year or title, and about this movie's metadata); the
    *_kept variants score a rejected output as 0, because enrichment stores nothing for it: they
    measure the descriptions a writer actually delivers.
    """
    outputs = llm.generate([description_prompt(facts) for facts, _ in movies], max_new_tokens=max_new_tokens)
    references = [reference for _, reference in movies]
    vectors = embedder.encode(outputs + references)
    generated, real = vectors[: len(outputs)], vectors[len(outputs) :]
    rouge = np.asarray([rouge_l(out, ref) for out, ref in zip(outputs, references, strict=True)])
    cosine = np.sum(generated * real, axis=1)
    support = np.sum(generated * embedder.encode([metadata_document(facts) for facts, _ in movies]), axis=1)
    grounded = np.asarray(
        [is_grounded(out, facts) and not support_problem(float(s))
         for out, (facts, _), s in zip(outputs, movies, support, strict=True)]
    )  # fmt: skip
    return {
        "rouge_l": float(rouge.mean()),
        "embedding_cosine": float(cosine.mean()),
        "grounded": float(grounded.mean()),
        # What enrichment would store: a rejected (ungrounded) description is no description, scored 0.
        "rouge_l_kept": float(np.where(grounded, rouge, 0.0).mean()),
        "embedding_cosine_kept": float(np.where(grounded, cosine, 0.0).mean()),
        "movies": len(movies),
    }
