"""Preference profiles: a person's favourite movies -> a short paragraph in their voice about their taste.

Plain Python (no Django): callers pass the ratings and the movie facts explicitly, so an
evaluation harness can build profiles from TRAINING ratings only and nothing here reads a database.

The model's text is cleaned (one paragraph, no cut-off last sentence), checked against the facts
of ALL the favourites (grounding.py: a name, year or title the facts lack is rejected), retried
once with sampling, and replaced by a deterministic template built only from those facts when
it is still rejected. Either way the result is grounded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from recommender.engine.llm.client import LLM
from recommender.engine.llm.prompts import MAX_PREFERENCE_CHARS, MovieFacts, preference_profile_prompt
from recommender.engine.text.grounding import facts_text, grounding_problems

FAVOURITES = 8
MIN_FAVOURITE_RATING = 4.0
RETRY_TEMPERATURE = 0.8
MAX_NEW_TOKENS = 80
MIN_PROFILE_CHARS = 20

# How the text was made (the second element of every result).
FROM_MODEL = "model"
FROM_MODEL_RETRY = "model-retry"
FROM_TEMPLATE = "template"
NO_FAVOURITES = "no-favourites"

Rated = tuple[int, float, int]  # (item_id, rating, timestamp in seconds)


def favourite_items(
    ratings: Iterable[Rated], n: int = FAVOURITES, *, min_rating: float = MIN_FAVOURITE_RATING
) -> list[int]:
    """Up to `n` item ids: highest rated first, then most recent, then lowest id (deterministic).

    Only ratings >= `min_rating` count (pass 0 to take the best of whatever was rated). An item
    rated twice counts once, with its best (then latest) rating.
    """
    best: dict[int, tuple[float, int]] = {}
    for item_id, rating, timestamp in ratings:
        if float(rating) < min_rating:
            continue
        key = (float(rating), int(timestamp))
        if int(item_id) not in best or key > best[int(item_id)]:
            best[int(item_id)] = key
    ordered = sorted(best.items(), key=lambda pair: (-pair[1][0], -pair[1][1], pair[0]))
    return [item_id for item_id, _ in ordered[: max(n, 0)]]


def favourites_by_user(
    interactions, n: int = FAVOURITES, *, min_rating: float = MIN_FAVOURITE_RATING
) -> dict[int, list[int]]:
    """favourite_items for every user of an `Interactions` (e.g. the train side of a split)."""
    rows: dict[int, list[Rated]] = {}
    for user_id, item_id, rating, timestamp in zip(
        interactions.user_ids.tolist(), interactions.item_ids.tolist(),
        interactions.ratings.tolist(), interactions.timestamps.tolist(), strict=True,
    ):  # fmt: skip
        rows.setdefault(user_id, []).append((item_id, rating, timestamp))
    return {user_id: favourite_items(rated, n, min_rating=min_rating) for user_id, rated in rows.items()}


# --- cleaning and checking ------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*(?=\s|$)")
_LEAD_IN = re.compile(r"^(?:sure[,!.]?\s*|here(?: is|'s)[^:\n]*:\s*|answer:\s*|profile:\s*)", re.IGNORECASE)


def profile_clean(text: str, *, max_chars: int = MAX_PREFERENCE_CHARS) -> str:
    """One paragraph of whole sentences: the first paragraph, whitespace collapsed, lead-ins and
    wrapping quotes removed, a cut-off last sentence dropped, at most `max_chars` characters."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    if not paragraphs:
        return ""
    cleaned = " ".join(paragraphs[0].replace("*", "").split())
    cleaned = _LEAD_IN.sub("", cleaned).strip()
    if len(cleaned) > 1 and cleaned[0] in "\"“'" and cleaned[-1] in "\"”'":
        cleaned = cleaned[1:-1].strip()
    cleaned = cleaned[:max_chars]
    ends = [match.end() for match in _SENTENCE_END.finditer(cleaned)]
    return cleaned[: ends[-1]].strip() if ends else ""


def _decade(year: int | None) -> str:
    return f"{year // 10 * 10}s" if year else ""


def favourites_known_text(favourites: Sequence[MovieFacts]) -> list[str]:
    """Everything a profile may mention: the facts of every favourite, their labels and decades."""
    return [part for f in favourites for part in (facts_text(f), f.label, _decade(f.year))]


def profile_problems(text: str, favourites: Sequence[MovieFacts]) -> list[str]:
    """Why `text` is not an acceptable profile for these favourites (empty list: it is)."""
    if len(text) < MIN_PROFILE_CHARS:
        return ["no complete sentence of a useful length"]
    if not favourites:
        return ["no favourites to ground the text"]
    return grounding_problems(text, favourites[0], also_allowed=favourites_known_text(favourites))


# --- the fallback template ------------------------------------------------------------------


def _joined(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _most_common(values: Iterable[str], k: int) -> list[str]:
    counts = Counter(value.strip() for value in values if value and value.strip())
    return [value for value, _ in sorted(counts.items(), key=lambda pair: -pair[1])[:k]]  # stable: first seen wins ties


def profile_template(favourites: Sequence[MovieFacts]) -> str:
    """A deterministic profile built only from the favourites' facts (always grounded).

    "I love Crime and Thriller movies, especially Heat and Ronin; I like stories about bank robbery and heist."
    """
    if not favourites:
        return ""
    genres = _most_common((g for f in favourites for g in f.genres if g != "(no genres listed)"), 2)
    titles = list(dict.fromkeys(f.title for f in favourites))[:3]
    keywords = _most_common((k.lower() for f in favourites for k in f.keywords[:6]), 3)
    directors = [d for d, n in Counter(d for f in favourites for d in f.directors[:1]).most_common(1) if n > 1]
    if genres:
        text = f"I love {_joined(genres)} movies, especially {_joined(titles)}"
    else:
        text = f"I love movies like {_joined(titles)}"
    if keywords:
        text += f"; I like stories about {_joined(keywords)}"
    if directors:
        text += f". I enjoy films by {directors[0]}"
    return text[: MAX_PREFERENCE_CHARS - 1] + "."


def intent_statement(wanted: Sequence[MovieFacts]) -> str:
    """What a person might type about the movies they want next, made from those movies' genres
    and keywords only: no title, name or year, because people describe a mood more than a list.

    "I'm in the mood for Crime and Thriller movies, something about heist, betrayal and revenge."
    Used to fit how far the feed should follow written words (rerank_eval): the statement is
    built from movies the person went on to rate highly, as if they had said what they wanted.
    """
    genres = _most_common((g for f in wanted for g in f.genres if g != "(no genres listed)"), 2)
    keywords = _most_common((k.lower() for f in wanted for k in f.keywords[:6]), 3)
    if not genres and not keywords:
        return ""
    text = f"I'm in the mood for {_joined(genres)} movies" if genres else "I'm in the mood for movies"
    if keywords:
        text += f", something about {_joined(keywords)}"
    return text + "."


# --- generation -----------------------------------------------------------------------------


def profiles_from_favourites(
    llm: LLM, favourite_lists: Sequence[Sequence[MovieFacts]], *, max_new_tokens: int = MAX_NEW_TOKENS
) -> list[tuple[str, str]]:
    """(text, source_detail) per list of favourites, in order; the model runs batched over all lists.

    source_detail is "model" (first greedy answer accepted), "model-retry" (the sampled retry
    accepted), "template" (both rejected: the deterministic template) or "no-favourites" ("").
    """
    results: list[tuple[str, str] | None] = [None] * len(favourite_lists)
    pending = []
    for index, favourites in enumerate(favourite_lists):
        if favourites:
            pending.append(index)
        else:
            results[index] = ("", NO_FAVOURITES)
    for temperature, detail in ((0.0, FROM_MODEL), (RETRY_TEMPERATURE, FROM_MODEL_RETRY)):
        if not pending:
            break
        conversations = [preference_profile_prompt(list(favourite_lists[index])) for index in pending]
        outputs = llm.generate(conversations, max_new_tokens=max_new_tokens, temperature=temperature)
        rejected = []
        for index, output in zip(pending, outputs, strict=True):
            text = profile_clean(output)
            if profile_problems(text, favourite_lists[index]):
                rejected.append(index)
            else:
                results[index] = (text, detail)
        pending = rejected
    for index in pending:
        results[index] = (profile_template(favourite_lists[index]), FROM_TEMPLATE)
    return results  # type: ignore[return-value]


def profile_from_favourites(
    llm: LLM, favourites: Sequence[MovieFacts], *, max_new_tokens: int = MAX_NEW_TOKENS
) -> tuple[str, str]:
    """One person's profile: (text, source_detail); see profiles_from_favourites."""
    return profiles_from_favourites(llm, [favourites], max_new_tokens=max_new_tokens)[0]
