"""Grounded description enrichment: an LLM describes movies from their metadata, and only
descriptions that pass the grounding check are kept.

Resumable and idempotent: a movie is done for a (model, prompt version) once it has a row, accepted
or rejected, so an interrupted run continues with the movies that have none, and a new enricher
or prompt makes every movie pending again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from catalog.models import Movie
from recommender.engine.llm.prompts import PROMPT_VERSION, MovieFacts, description_prompt
from recommender.engine.text.grounding import grounding_problems, metadata_document, support_problem
from recommender.models import MovieDescription
from recommender.selectors.movie_text import movie_facts
from recommender.services import llm as llm_service
from recommender.services.embeddings import embedder, embeddings_refresh
from workers.dispatch import enqueue

logger = logging.getLogger(__name__)

MAX_NEW_TOKENS = 96
RETRY_TEMPERATURE = 0.8  # a greedy retry would repeat the same invention; a sampled one may not


def descriptions_pending(*, model_name: str, include_with_overview: bool = False, movie_ids=None) -> list[int]:
    """Movies without a description row from this model and prompt, most-rated first."""
    movies = Movie.objects.all() if movie_ids is None else Movie.objects.filter(id__in=movie_ids)
    if not include_with_overview and movie_ids is None:
        movies = movies.filter(overview="")
    done = MovieDescription.objects.filter(model_name=model_name, prompt_version=PROMPT_VERSION)
    return list(
        movies.exclude(id__in=done.values("movie_id")).order_by("-rating_count", "id").values_list("id", flat=True)
    )


@dataclass(frozen=True)
class EnrichmentResult:
    attempted: int
    accepted: int
    rejected: int
    seconds: float

    @property
    def per_minute(self) -> float:
        return self.attempted / self.seconds * 60 if self.seconds else 0.0


def descriptions_enrich(
    *, movie_ids: list[int], batch_size: int = 8, max_attempts: int = 2, progress=None
) -> EnrichmentResult:
    """Describe these movies; keep grounded descriptions, record rejections with their reason.

    Each batch is committed on its own, so a stop loses at most one batch of work.
    """
    started = time.perf_counter()
    llm = llm_service.enricher()
    facts = movie_facts(movie_ids=movie_ids)
    ordered = [movie_id for movie_id in movie_ids if movie_id in facts]
    accepted = rejected = 0
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        outcomes = _describe(llm, [facts[movie_id] for movie_id in batch], max_attempts)
        MovieDescription.objects.bulk_create(
            [
                MovieDescription(
                    movie_id=movie_id,
                    text=text,
                    accepted=bool(text),
                    rejected_reason=reason[:255],
                    model_name=llm.name,
                    prompt_version=PROMPT_VERSION,
                    attempts=attempts,
                )  # fmt: skip
                for movie_id, (text, reason, attempts) in zip(batch, outcomes, strict=True)
            ],
            update_conflicts=True,
            unique_fields=["movie"],
            update_fields=[
                "text",
                "accepted",
                "rejected_reason",
                "model_name",
                "prompt_version",
                "attempts",
                "created_at",
            ],  # fmt: skip
        )
        accepted += sum(1 for text, _, _ in outcomes if text)
        rejected += sum(1 for text, _, _ in outcomes if not text)
        if progress:
            progress(start + len(batch), len(ordered))
    return EnrichmentResult(len(ordered), accepted, rejected, time.perf_counter() - started)


def _describe(llm, facts: list[MovieFacts], max_attempts: int) -> list[tuple[str, str, int]]:
    """(text or "", rejection reason, attempts) per movie; only failed ones are tried again."""
    results: list[tuple[str, str, int]] = [("", "not attempted", 0)] * len(facts)
    pending = list(range(len(facts)))
    for attempt in range(1, max_attempts + 1):
        temperature = 0.0 if attempt == 1 else RETRY_TEMPERATURE
        outputs = llm.generate(
            [description_prompt(facts[i]) for i in pending], max_new_tokens=MAX_NEW_TOKENS, temperature=temperature
        )
        texts = [_clean(output) for output in outputs]
        support = _support(texts, [facts[index] for index in pending])
        still_pending = []
        for index, text, cosine in zip(pending, texts, support, strict=True):
            problems = grounding_problems(text, facts[index]) if text else ["empty output"]
            if not problems and support_problem(cosine):
                problems = [support_problem(cosine)]
            if problems:
                results[index] = ("", "; ".join(problems), attempt)
                still_pending.append(index)
            else:
                results[index] = (text, "", attempt)
        pending = still_pending
        if not pending:
            break
    return results


def _support(texts: list[str], facts: list[MovieFacts]) -> list[float]:
    """Cosine of each text to its movie's metadata document (the serving embedder)."""
    vectors = embedder().encode([*texts, *(metadata_document(f) for f in facts)])
    return [float(v) for v in (vectors[: len(texts)] * vectors[len(texts) :]).sum(axis=1)]


def _clean(output: str) -> str:
    """One paragraph; a sentence cut off by the token limit is dropped rather than shown half."""
    text = " ".join(output.split())
    if text and text[-1] not in ".!?\"'”":
        cut = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
        text = text[: cut + 1] if cut > 0 else ""
    return text


def descriptions_enrich_next(
    *, chunk: int, movie_ids: list[int] | None = None, include_with_overview: bool = False
) -> tuple[EnrichmentResult, int]:
    """Describe the next `chunk` pending movies and re-embed those that got a description.

    Returns the result and how many movies are still pending after it.
    """
    model_name = llm_service.enricher().name
    pending = descriptions_pending(
        model_name=model_name, include_with_overview=include_with_overview, movie_ids=movie_ids
    )
    result = descriptions_enrich(movie_ids=pending[:chunk])
    described = list(
        MovieDescription.objects.filter(movie_id__in=pending[:chunk], accepted=True).values_list("movie_id", flat=True)
    )
    if described:
        embeddings_refresh(movie_ids=described)
    logger.info(
        "enrichment: %s described, %s rejected, %.1f movies/min, %s pending",
        result.accepted, result.rejected, result.per_minute, len(pending) - result.attempted,
    )  # fmt: skip
    return result, len(pending) - result.attempted


def descriptions_follow_promotion(version) -> None:
    """After-promotion hook of the enricher kind: the new writer redoes the pending descriptions
    (its name differs, so every movie without an overview is pending again), chunk by chunk."""
    enqueue("workers.descriptions_enrich")
