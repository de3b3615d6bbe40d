"""LLM-written "more like this" reasons, generated in the background and cached per movie pair.

The page shows the metadata template reason until the LLM's sentence exists. A sentence is kept
only when it passes the grounding check against both movies' facts; otherwise the template stays.
"""

from __future__ import annotations

import logging
import re

from django.core.cache import cache

from recommender.engine.llm.prompts import PROMPT_VERSION, similar_reason_prompt
from recommender.engine.text.documents import NOT_THEMES, MovieText
from recommender.engine.text.grounding import facts_text, grounding_problems
from recommender.models import SimilarReason
from recommender.selectors.movie_text import movie_facts, movie_texts
from recommender.services import llm as llm_service
from workers.dispatch import enqueue

logger = logging.getLogger(__name__)

QUEUED_FOR_S = 24 * 3600  # one background attempt per movie a day, however often its page is seen
MAX_WORDS = 40


def similar_reasons_cached(*, movie_id: int, other_ids: list[int]) -> dict[int, str]:
    """Stored LLM reasons for these pairs (those not generated yet are absent)."""
    rows = SimilarReason.objects.filter(movie_id=movie_id, other_id__in=other_ids, prompt_version=PROMPT_VERSION)
    return dict(rows.values_list("other_id", "text"))


def similar_reasons_request(*, user, movie_id: int, other_ids: list[int]) -> bool:
    """Queue generation of the missing reasons once (a no-op while an earlier request is pending).

    Only for signed-in people: an anonymous crawler walking every movie page would otherwise queue
    a language job per movie. Everyone sees the template reasons meanwhile."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not other_ids or not cache.add(f"similar-reasons:{movie_id}", 1, QUEUED_FOR_S):
        return False
    # A lost message is only logged: the page works with template reasons, and a view a day later asks again.
    enqueue("workers.similar_reasons", args=[movie_id, other_ids])
    return True


def similar_reasons_generate(*, movie_id: int, other_ids: list[int]) -> int:
    """Write grounded reasons for the pairs that have none; returns how many were stored."""
    cached = similar_reasons_cached(movie_id=movie_id, other_ids=other_ids)
    missing = [other for other in other_ids if other not in cached]
    facts = movie_facts(movie_ids=[movie_id, *missing])
    texts = movie_texts(movie_ids=[movie_id, *missing])
    shared = {other: shared_metadata(texts[movie_id], texts[other]) or "nothing in their metadata"
              for other in missing if other in texts}  # fmt: skip
    if movie_id not in facts:
        return 0
    liked = facts[movie_id]
    pairs = [(other, facts[other]) for other in missing if other in facts]
    llm = llm_service.generator()
    outputs = llm.generate([similar_reason_prompt(liked, f, shared.get(o, "")) for o, f in pairs], max_new_tokens=48)
    stored = 0
    for (other, suggested), output in zip(pairs, outputs, strict=True):
        sentence = reason_sentence(liked.title, suggested.title, output)
        known = [facts_text(liked)]
        problems = grounding_problems(sentence, suggested, also_allowed=known) if sentence else ["empty output"]
        if problems:
            logger.info("reason %s -> %s rejected: %s", movie_id, other, "; ".join(problems))
            continue
        SimilarReason.objects.update_or_create(
            movie_id=movie_id, other_id=other,
            defaults={"text": sentence, "model_name": llm.name, "prompt_version": PROMPT_VERSION},
        )  # fmt: skip
        stored += 1
    return stored


def reason_sentence(liked_title: str, suggested_title: str, continuation: str) -> str:
    """The prompt's opening plus the model's continuation, as one sentence, or "" if unusable."""
    words = " ".join(continuation.split())
    words = re.split(r"(?<=[.!?])\s", words, maxsplit=1)[0].rstrip(".!? ")
    if not words or len(words.split()) > MAX_WORDS or "\n" in words:
        return ""
    words = re.sub(r"^(?:for its|its)\s+", "", words, flags=re.IGNORECASE)
    return f"If you enjoyed {liked_title}, you might love {suggested_title} for its {words}."


def similar_reason(movie, text: MovieText, other, other_text: MovieText) -> str:
    """The template reason: one sentence that claims only what both movies' metadata share. With
    nothing shared it claims only what holds: close descriptions where both have one, else nothing."""
    shared = shared_metadata(text, other_text)
    if shared:
        return f"If you enjoyed {movie}, you might love {other} for {shared}."
    if text.description and other_text.description:
        return f"If you enjoyed {movie}, you might love {other}: their stories are told in much the same terms."
    return f"If you enjoyed {movie}, you might also try {other}."


def co_liked_reason(movie, text: MovieText, other, other_text: MovieText, shared_likers: int) -> str:
    """The audience reason: how many people liked both (counted from ratings of 4 stars or more),
    and what the two movies' metadata share, if anything."""
    sentence = f"{shared_likers} people who liked {movie} also liked {other}."
    genres, directors, keywords = _in_common(text, other_text)
    common = ([_join(genres)] if genres else []) + ([f"directed by {_join(directors)}"] if directors else [])
    common += [f"about {_join(keywords)}"] if keywords else []
    return sentence + (f" In common: {'; '.join(common)}." if common else "")


def _in_common(text: MovieText, other_text: MovieText) -> tuple[list[str], list[str], list[str]]:
    """The genres (lower case, up to 3), directors and keywords (up to 3) both movies have."""
    genres = [genre.lower() for genre in other_text.genres if genre in text.genres][:3]
    directors = [name for name in other_text.directors if name in text.directors]
    keywords = [word for word in other_text.keywords if word in text.keywords and word not in NOT_THEMES][:3]
    return genres, directors, keywords


def shared_metadata(text: MovieText, other_text: MovieText) -> str:
    """What both movies' metadata share, as a phrase ("its crime and thriller streak; ..."), or ""."""
    genres, directors, keywords = _in_common(text, other_text)
    shared = [f"its {_join(genres)} streak"] if genres else []
    shared += [f"the same director, {_join(directors)}"] if directors else []
    shared += [f"shared themes ({_join(keywords)})"] if keywords else []
    return _join(shared, separator="; ") if shared else ""


def _join(items: list[str], separator: str = ", ") -> str:
    """'a', 'a and b', 'a, b, and c' (or with '; ' between parts that hold commas themselves)."""
    if len(items) == 1:
        return items[0]
    last = " and " if len(items) == 2 else f"{separator.rstrip()} and "
    return separator.join(items[:-1]) + last + items[-1]
