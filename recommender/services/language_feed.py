"""The language-aware order of a user's feed, written by the worker beside the CF order.

The serving re-ranker (a "reranker" model version) scores the user's top CF candidates with
their preference text, the movies they rated highly and, where configured, an LLM judgement.
Each item gets a reason built only from data: the user's own words that matched the movie best
and that its metadata bears out (engine/text/reason_check.py), and the highly rated movie it is
closest to. Any failure keeps the CF order and says why.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import numpy as np

from catalog.models import Movie, PreferenceSource
from recommender.engine.cf.data import Interactions
from recommender.engine.rerank.model import (
    LinearReranker,
    ServingRerankers,
    UserCandidates,
    candidate_features,
)
from recommender.engine.text.reason_check import CITE_MIN, co_liked_reason, phrase_support, rules_out
from recommender.models import ModelVersion, UserFeed
from recommender.selectors.movie_text import movie_texts
from recommender.services.language import item_genres, item_vectors, llm_judgements
from recommender.services.registry import serving_model

logger = logging.getLogger(__name__)

RERANK_CANDIDATES = 100
LIKED_RATING = 4.0
# A clause of the user's text is quoted for a movie only when their cosine is at least WORDS_MATCH and
# WORDS_ABOVE_MEAN standard deviations above that clause's mean over the user's candidates. MiniLM
# gives most movie documents a cosine around 0.3 with any sentence about movies, so a fixed bar alone
# quoted "violent crime thrillers" for a romantic comedy (one latest-small user: mean 0.33, that movie
# 0.32, real crime thrillers 0.5-0.6). Half a deviation, not one: when half the candidates truly match
# (a two-valued spread), mean + 1 std equals the matching value itself.
WORDS_MATCH = 0.25
WORDS_ABOVE_MEAN = 0.5
NEIGHBOUR_MATCH = 0.45  # cosine from which a highly rated movie counts as close (sharing a genre too)
CF_REASON = "Recommended from the ratings of people with tastes like yours."
POPULAR_REASON = "Popular with CineMatch members."


def serving_reranker() -> tuple[ModelVersion, ServingRerankers] | None:
    return serving_model("reranker")


def language_orders_fill(feeds: list[tuple[UserFeed, Interactions]], preferences: dict[int, tuple]) -> None:
    """Fill each unsaved feed's language-aware fields from its CF order, the user's ratings and their
    preference row ((text, source, updated_at) by user id); the caller saves the feeds."""
    serving = serving_reranker()
    for feed, ratings in feeds:
        text, source, preferences_as_of = preferences.get(feed.user_id, ("", "", None))
        fields = {"language_version": None, "language_movie_ids": [], "language_scores": [], "language_reasons": [],
                  "language_note": "", "preferences_as_of": preferences_as_of}  # fmt: skip
        if serving is None:
            fields["language_note"] = "no language re-ranker serves yet"
        else:
            version, rerankers = serving
            reranker = rerankers.for_user(has_ratings=feed.ratings_seen > 0)
            try:
                llm_top = int(version.parameters["llm_top"]) if "llm" in reranker.features else 0
                ids, scores, reasons = _language_order(feed, ratings, text, source, reranker, llm_top)
                fields.update(language_version=version, language_movie_ids=ids, language_scores=scores,
                              language_reasons=reasons)  # fmt: skip
            except Exception as exc:  # the CF order stays available; the reason is logged and stored
                logger.exception("language re-ranking failed for user %s; keeping the CF order", feed.user_id)
                fields["language_note"] = f"kept the CF order: {type(exc).__name__}: {exc}"[:255]
        for name, value in fields.items():
            setattr(feed, name, value)


def _language_order(
    feed: UserFeed, ratings: Interactions, text: str, source: str, reranker: LinearReranker, llm_top: int
):
    from recommender.services.embeddings import embedder

    item_ids = np.asarray(feed.movie_ids[:RERANK_CANDIDATES], dtype=np.int64)
    cf_scores = np.asarray(feed.scores[:RERANK_CANDIDATES], dtype=np.float64)
    liked_mask = ratings.ratings >= LIKED_RATING
    order = np.lexsort((-ratings.timestamps[liked_mask], -ratings.ratings[liked_mask]))
    liked_ids = ratings.item_ids[liked_mask][order][:30]
    liked_values = dict(zip(ratings.item_ids.tolist(), ratings.ratings.tolist(), strict=True))
    vectors = item_vectors(movie_ids=[*item_ids.tolist(), *liked_ids.tolist()])
    clauses = _clauses(text)
    clause_vectors = embedder().encode([text, *clauses]) if text else None
    counts = dict(Movie.objects.filter(id__in=item_ids.tolist()).values_list("id", "rating_count"))
    genres = item_genres(movie_ids=[*item_ids.tolist(), *ratings.item_ids.tolist()])
    # Words the user wrote weigh as a statement of what they want; a generated profile only restates
    # their favourites (see rerank.py on why these are two features).
    text_vector = None if clause_vectors is None else clause_vectors[0]
    written = source == PreferenceSource.MANUAL
    candidates = UserCandidates(
        item_ids=item_ids, cf_scores=cf_scores, item_vectors=vectors.of(item_ids),
        profile_vector=None if written else text_vector, stated_vector=text_vector if written else None,
        liked_item_ids=liked_ids, liked_vectors=vectors.of(liked_ids) if len(liked_ids) else None,
        rating_counts=np.asarray([counts.get(int(i), 0) for i in item_ids]),
        item_genres=genres.of(item_ids), genre_profile=genres.of(ratings.item_ids).sum(0),
    )  # fmt: skip
    if llm_top and text:  # a re-ranker fitted with the LLM judgement: judge the top candidates now
        judged = llm_judgements({feed.user_id: text}, {feed.user_id: item_ids[:llm_top]}).get(feed.user_id, [])
        column = np.full(len(item_ids), np.nan)
        column[: len(judged)] = judged
        candidates = replace(candidates, llm_scores=column)
    values, _ = candidate_features(candidates)
    scores = reranker.score(values)
    if not np.all(np.isfinite(scores)):
        raise ValueError("the re-ranker produced a non-finite score")
    ranked = np.lexsort((np.arange(len(scores)), -scores))
    co_liked = dict(zip(feed.movie_ids, feed.because_movie_ids, strict=True))  # the CF order's own reasons
    titles = dict(
        Movie.objects.filter(id__in=[*liked_ids.tolist(), *filter(None, co_liked.values())]).values_list("id", "title")
    )
    # A feed computed before any rating (ratings_seen 0) has the most-rated movies as candidates.
    fallback = POPULAR_REASON if feed.ratings_seen == 0 else CF_REASON
    clause_margin = _clause_margins(clause_vectors[1:], candidates.item_vectors) if clauses else None
    texts = movie_texts(movie_ids=item_ids.tolist()) if clauses else {}
    close = _close_loved_movies(candidates, genres.of(liked_ids))
    reasons = []
    for position in ranked.tolist():
        words = None
        if clause_margin is not None:
            words = _quotable_clause(clauses, clause_margin[:, position], texts.get(int(item_ids[position])))
        neighbour = None
        if close[position] >= 0:
            liked_id = int(liked_ids[close[position]])
            neighbour = (titles.get(liked_id), liked_values.get(liked_id))
        because = co_liked.get(int(item_ids[position]))
        co_rated = None
        if because and liked_values.get(because, 0.0) >= CITE_MIN:  # a rating lowered since is no reason
            co_rated = (titles.get(because), liked_values[because])
        reasons.append(language_reason(words, neighbour, co_rated, fallback=fallback))
    return item_ids[ranked].tolist(), [float(scores[p]) for p in ranked], reasons


def _close_loved_movies(candidates: UserCandidates, liked_genres: np.ndarray) -> np.ndarray:
    """Per candidate, the index of the loved movie its document is closest to among those sharing a
    genre with it, if the cosine reaches NEIGHBOUR_MATCH; -1 otherwise. Documents alone called
    Cliffhanger close to The Englishman Who Went Up a Hill But Came Down a Mountain (a mountain in both)
    and Beauty and the Beast close to Mary Shelley's Frankenstein: true cosines, but no reason a
    person would accept."""
    if candidates.liked_vectors is None or not len(candidates.liked_vectors):
        return np.full(len(candidates.item_ids), -1)
    similarity = candidates.item_vectors @ candidates.liked_vectors.T
    similarity = np.where(candidates.item_genres @ liked_genres.T > 0, similarity, -np.inf)
    best = similarity.argmax(axis=1)
    return np.where(similarity[np.arange(len(best)), best] >= NEIGHBOUR_MATCH, best, -1)


def _clause_margins(clause_vectors: np.ndarray, item_vectors: np.ndarray) -> np.ndarray:
    """(clauses, candidates): how far each cosine is above the bar for quoting (>= 0: quotable)."""
    similarity = clause_vectors @ item_vectors.T
    bar = np.maximum(WORDS_MATCH, similarity.mean(axis=1) + WORDS_ABOVE_MEAN * similarity.std(axis=1))
    return similarity - bar[:, None]


def _quotable_clause(clauses: list[str], margins: np.ndarray, movie) -> str | None:
    """The closest of the user's phrases that is above the quoting bar for this movie and true of it:
    it shares a genre, keyword or description term with the movie (reason_check.phrase_support)."""
    if movie is None:
        return None
    for best in np.argsort(-margins, kind="stable").tolist():
        if margins[best] < 0:
            return None
        if phrase_support(clauses[best], movie):
            return clauses[best]
    return None


def _clauses(text: str) -> list[str]:
    """The user's text cut into short phrases, so a reason can quote the part that matched. What they
    rule out ("no horror") is never quoted as a reason to watch something."""
    parts = re.split(r"[.;!?\n]+|,\s+|\s+but\s+|\s+and\s+", text)
    phrases = [" ".join(part.split())[:120] for part in parts if len(part.split()) >= 2]
    return [phrase for phrase in phrases if not rules_out(phrase)][:20]


def language_reason(
    words: str | None,
    neighbour: tuple[str | None, float | None] | None,
    co_rated: tuple[str | None, float | None] | None = None,
    *,
    fallback: str = CF_REASON,
) -> str:
    """A reason that states only facts: what the user wrote, how they rated a similar movie, or
    (failing both) the movie they rated that people who liked it also liked (the CF order's reason)."""
    said = f"you said “{words}”" if words else ""
    rated = ""
    if neighbour and neighbour[0] and neighbour[1] is not None:
        rated = f"you gave {neighbour[0]} {neighbour[1]:g} stars and this is close to it"
    if said and rated:
        return f"Because {said}, and {rated}."
    if said or rated:
        return f"Because {said or rated}."
    if co_rated and co_rated[0] and co_rated[1] is not None:
        return co_liked_reason(co_rated[0], co_rated[1])
    return fallback
