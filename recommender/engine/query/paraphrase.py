"""Optional paraphrases of synthetic requests by a teacher LLM, kept only when their labels still hold.

Templates give correct labels but a fixed set of phrasings; a large model (an OpenAI-compatible
server the operator runs) rewrites some training requests the way other people would type them.
A rewrite is kept only if every labelled span (titles, people, themes, plot, less/more words) is
still in it word for word, the genre words and decades still read the same through the lexicon,
and it is one line of allowed length; otherwise the template's request stays alone. The labels
are never rewritten, so a kept paraphrase is as true as the request it came from.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable

from recommender.engine.llm.client import LLM
from recommender.engine.query.lexicon import decades_in, genres_in
from recommender.engine.query.schema import MAX_QUERY_CHARS
from recommender.engine.query.synth import Example
from recommender.engine.query.words import fold

SYSTEM = (
    "Rewrite a movie-site search request the way a different person might type it. Keep its meaning. "
    "Keep every phrase listed under 'keep' exactly as written. Answer with the rewritten request only."
)
BATCH = 16


def spans_of(labels: dict) -> list[str]:
    constraints = labels["constraints"]
    spans = [title.get("span") or title["title"] for title in labels["titles"]]
    spans += [person.get("span") or person["name"] for person in labels["people"]]
    return (
        spans
        + labels["themes"]
        + ([labels["plot"]] if labels.get("plot") else [])
        + constraints["less"]
        + constraints["more"]
    )


def rewrite_refusal(example: Example, rewrite: str) -> str:
    """Why a rewrite cannot keep the example's labels ("" when it can)."""
    text = " ".join(rewrite.strip().strip('"').split())
    if not text or "\n" in rewrite.strip() or len(text) > MAX_QUERY_CHARS:
        return "empty, several lines or too long"
    if fold(text) == fold(example.text):
        return "unchanged"
    folded = f" {fold(text)} "
    if any(f" {fold(span)} " not in folded for span in spans_of(example.labels)):
        return "a labelled phrase was changed"
    wanted, excluded = genres_in(text)
    labels = example.labels
    if set(labels["genres"]) - set(wanted) or set(labels["constraints"]["exclude_genres"]) - set(excluded):
        return "a genre reads differently"
    if set(labels["decades"]) - set(decades_in(text)):
        return "a decade reads differently"
    if re.search(r"\b(rewrite|request|keep)\b", fold(text)):
        return "talks about the task"
    return ""


def paraphrased(
    llm: LLM, examples: list[Example], *, fraction: float, seed: int, progress: Callable[[int, int], None] | None = None
) -> tuple[list[Example], dict]:
    """(kept paraphrases, stats) for a `fraction` of `examples` chosen with `seed`; the originals stay."""
    rng = random.Random(seed)
    chosen = [example for example in examples if rng.random() < fraction]
    kept: list[Example] = []
    refused: Counter = Counter()
    for start in range(0, len(chosen), BATCH):
        batch = chosen[start : start + BATCH]
        prompts = [[{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"request: {e.text}\nkeep: {'; '.join(spans_of(e.labels)) or '-'}"}]
                   for e in batch]  # fmt: skip
        for example, rewrite in zip(batch, llm.generate(prompts, max_new_tokens=80), strict=True):
            reason = rewrite_refusal(example, rewrite)
            if reason:
                refused[reason] += 1
                continue
            text = " ".join(rewrite.strip().strip('"').split())
            kept.append(
                Example(text, example.labels, f"{example.template}~paraphrase", example.split, example.movie_ids)
            )
        if progress:
            progress(min(start + BATCH, len(chosen)), len(chosen))
    stats = {"teacher": llm.name, "asked": len(chosen), "kept": len(kept), "refused": dict(refused.most_common())}
    return kept, stats
