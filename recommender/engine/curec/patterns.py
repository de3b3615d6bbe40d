"""CURec's texts: each user's interest pattern and, for each movie, reasons from the people who chose it.

The seed has its aligned LLM write both. This writer states the same facts from the training
ratings and the movies' metadata, so every sentence is true by construction and costs nothing to
produce: a pattern names what a user's liked movies have in common (genres, themes, decades, what
they watch lately); a movie's reasons name what sets its likers apart from everyone (the genres and
themes over-represented among them, by lift) and what the movie itself is. The reward model reads
them through the serving embedder; an LLM writer (the aligned model on a GPU worker, or a
configured large model) can replace this one behind the same shape.

Plain numpy, no Django: movies come in as MovieText.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from recommender.engine.cf.data import Interactions
from recommender.engine.text.documents import MovieText

LIKED = 4.0
RECENT = 5  # a user's latest liked movies say what they watch "lately"
MIN_LIKERS = 3  # fewer likers say nothing about the kind of people who pick a movie


@dataclass(frozen=True)
class CurecTexts:
    patterns: dict[int, str]  # user id -> interest pattern
    reasons: dict[int, list[str]]  # movie id -> reasons, most telling first


def write_texts(train: Interactions, movies: dict[int, MovieText], *, max_reasons: int = 3) -> CurecTexts:
    """Patterns for every user in `train` and reasons for every movie in `movies`, from `train` only."""
    liked = train.take(train.ratings >= LIKED)
    by_user: dict[int, list[tuple[int, int]]] = {}
    for user, item, stamp in zip(liked.user_ids.tolist(), liked.item_ids.tolist(), liked.timestamps.tolist(),
                                 strict=True):  # fmt: skip
        by_user.setdefault(user, []).append((stamp, item))
    genre_share = _shares(Counter(g for item in liked.item_ids.tolist() for g in _genres(movies, item)))
    keyword_share = _shares(Counter(w for item in liked.item_ids.tolist() for w in _keywords(movies, item)))
    patterns, user_genres, user_keywords = {}, {}, {}
    for user in np.unique(train.user_ids).tolist():
        history = [item for _, item in sorted(by_user.get(user, []))]
        genres = Counter(g for item in history for g in _genres(movies, item))
        keywords = Counter(w for item in history for w in _keywords(movies, item))
        user_genres[user], user_keywords[user] = genres, keywords
        patterns[user] = _pattern(history, genres, keywords, movies)
    likers: dict[int, list[int]] = {}
    for user, items in by_user.items():
        for _, item in items:
            likers.setdefault(item, []).append(user)
    reasons = {}
    for movie_id, movie in movies.items():
        people = likers.get(movie_id, [])
        found = []
        if len(people) >= MIN_LIKERS:
            genres = _distinctive(sum((user_genres[u] for u in people), Counter()), genre_share, skip=movie.genres)
            themes = _distinctive(sum((user_keywords[u] for u in people), Counter()), keyword_share, skip=())
            if genres:
                found.append(f"Picked by people who love {_join([g.lower() for g in genres[:2]])} films.")
            if themes:
                found.append(f"Picked by people drawn to stories of {_join(themes[:3])}.")
        found.append(_about(movie))
        reasons[movie_id] = found[:max_reasons]
    return CurecTexts(patterns, reasons)


def _pattern(history: list[int], genres: Counter, keywords: Counter, movies: dict[int, MovieText]) -> str:
    if not history:
        return "Has not loved any movie yet."
    parts = [f"Loves {_join([g.lower() for g, _ in genres.most_common(3)])} films"] if genres else ["Loves films"]
    themes = [word for word, count in keywords.most_common(4) if count >= 2]
    if themes:
        parts.append(f"often about {_join(themes[:3])}")
    decades = Counter(movies[item].year // 10 * 10 for item in history if item in movies and movies[item].year)
    if decades:
        parts.append(f"mostly from the {decades.most_common(1)[0][0]}s")
    recent = Counter(g for item in history[-RECENT:] for g in _genres(movies, item))
    if recent:
        parts.append(f"lately watching {_join([g.lower() for g, _ in recent.most_common(2)])}")
    return "; ".join(parts) + "."


def _about(movie: MovieText) -> str:
    kind = _join([g.lower() for g in movie.genres[:3]]) if movie.genres else "feature"
    themes = [keyword for keyword in movie.keywords[:3]]
    return f"A {kind} film" + (f" about {_join(themes)}." if themes else ".")


def _distinctive(counts: Counter, shares: dict[str, float], *, skip) -> list[str]:
    """Terms over-represented among these people compared with everyone (lift > 1.2), most first."""
    total = sum(counts.values()) or 1
    lifted = [(count / total / shares[term], term) for term, count in counts.items()
              if term not in skip and term in shares and count >= 3]  # fmt: skip
    return [term for lift, term in sorted(lifted, reverse=True) if lift > 1.2]


def _shares(counts: Counter) -> dict[str, float]:
    total = sum(counts.values()) or 1
    return {term: count / total for term, count in counts.items()}


def _genres(movies: dict[int, MovieText], item: int) -> list[str]:
    movie = movies.get(item)
    return [genre for genre in movie.genres if genre != "(no genres listed)"] if movie else []


def _keywords(movies: dict[int, MovieText], item: int) -> list[str]:
    movie = movies.get(item)
    return movie.keywords[:8] if movie else []


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
