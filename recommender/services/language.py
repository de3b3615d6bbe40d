"""ORM rows -> inputs of the language-aware re-ranker: movie vectors, preference texts, LLM judgements."""

from __future__ import annotations

import numpy as np

from catalog.models import Genre, Movie
from recommender.engine.cf.data import Interactions
from recommender.engine.llm.profiles import (
    favourites_by_user,
    intent_statement,
    profile_template,
    profiles_from_favourites,
)
from recommender.engine.llm.prompts import enjoy_judgement_prompt
from recommender.engine.rerank.offline import ItemVectors, liked_items
from recommender.engine.text.embedder import DIMENSIONS
from recommender.models import MovieEmbedding
from recommender.selectors.movie_text import movie_facts
from recommender.services import llm as llm_service

JUDGE_CHOICES = ("Yes", "No")


def item_vectors(*, movie_ids=None) -> ItemVectors:
    """Stored document embeddings (all, or these movies) as one matrix."""
    rows = MovieEmbedding.objects.all() if movie_ids is None else MovieEmbedding.objects.filter(movie_id__in=movie_ids)
    pairs = list(rows.values_list("movie_id", "vector"))
    if not pairs:
        return ItemVectors.from_rows([], np.zeros((0, DIMENSIONS), dtype=np.float32))
    ids, vectors = zip(*pairs, strict=True)
    return ItemVectors.from_rows(ids, np.vstack(vectors))


def item_genres(*, movie_ids=None) -> ItemVectors:
    """A 0/1 row per movie (all, or these), one column per genre in id order: genre_affinity's input.

    Every genre of the catalog gets a column, so rows read for different movies line up."""
    genre_ids = Genre.objects.order_by("id").values_list("id", flat=True)
    columns = {genre_id: column for column, genre_id in enumerate(genre_ids)}
    links = Movie.genres.through.objects.all()
    if movie_ids is not None:
        links = links.filter(movie_id__in=list(movie_ids))
    pairs = list(links.values_list("movie_id", "genre_id"))
    ids = np.unique(np.asarray([movie for movie, _ in pairs], dtype=np.int64))
    matrix = np.zeros((len(ids), len(columns)), dtype=np.float32)
    if pairs:
        rows = np.searchsorted(ids, [movie for movie, _ in pairs])
        matrix[rows, [columns[genre] for _, genre in pairs]] = 1.0
    return ItemVectors.from_rows(ids, matrix)


def generated_profiles(ratings: Interactions, *, use_llm: bool) -> dict[int, str]:
    """A preference text per user, written from their favourites among `ratings` only.

    With use_llm the generator writes them (grounded, template fallback); without, the template does:
    the same facts, no model, seconds for every user.
    """
    favourites = favourites_by_user(ratings)
    facts = movie_facts(movie_ids=sorted({i for items in favourites.values() for i in items}))
    users = sorted(favourites)
    lists = [[facts[i] for i in favourites[user] if i in facts] for user in users]
    if use_llm:
        texts = [text for text, _ in profiles_from_favourites(llm_service.generator(), lists)]
    else:
        texts = [profile_template(items) if items else "" for items in lists]
    return {user: text for user, text in zip(users, texts, strict=True) if text}


def intent_statements(held: Interactions) -> dict[int, str]:
    """Per user, a simulated "what I want next" statement from the held-out movies they rated >= 4.0.

    Only for fitting and measuring how far the feed follows written words (see rerank_eval): the
    statements describe held-out movies on purpose.
    """
    wanted = liked_items(held, limit=10**9)
    facts = movie_facts(movie_ids=sorted({int(i) for items in wanted.values() for i in items}))
    texts = {user: intent_statement([facts[i] for i in items.tolist() if i in facts]) for user, items in wanted.items()}
    return {user: text for user, text in texts.items() if text}


def llm_judgements(texts: dict[int, str], asked: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """log P(Yes) - log P(No) that each user would enjoy each asked movie: one forward pass per prompt."""
    facts = movie_facts(movie_ids=sorted({int(i) for items in asked.values() for i in items}))
    conversations, owners = [], []
    for user, items in asked.items():
        if not texts.get(user):
            continue
        for item in items.tolist():
            conversations.append(enjoy_judgement_prompt(texts[user], facts[item]))
            owners.append(user)
    if not conversations:
        return {}
    logprobs = llm_service.generator().choice_logprobs(conversations, list(JUDGE_CHOICES))
    margins = logprobs[:, 0] - logprobs[:, 1]
    out: dict[int, list[float]] = {}
    for user, margin in zip(owners, margins.tolist(), strict=True):
        out.setdefault(user, []).append(margin)
    return {user: np.asarray(values) for user, values in out.items()}
