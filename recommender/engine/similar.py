"""More like this: a movie's neighbours by what it is about and by the people who liked it. Numpy only.

Two signals, blended:
- meaning: the cosine of the movies' text embeddings. It finds look-alikes even for a movie nobody
  rated, but shared title words fool it when a movie has no description (Heat -> City Heat, Red Heat,
  Body Heat);
- co-likes: how much the people who liked this movie also liked the other, n_both / sqrt(n_liked *
  n_rated_other). It finds what the same audience enjoys (Heat -> Casino, The Usual Suspects), and
  needs ratings.

Candidates are the nearest of each signal; every candidate gets both scores, and the blend
(1 - weight) * meaning + weight * co-like orders them. `manage.py evaluate_similar` measures the
weight on a validation split carved from the training ratings (and prints the ablations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LIKED = 4.0  # a rating at least this high means "liked" here, as in the reasons that cite a rating
MIN_SHARED_LIKERS = 3  # fewer shared likers than this is chance: no co-like score, no "liked by" reason
# The best of 0, 0.5, 0.75, 0.9 and 1 on validation in `manage.py evaluate_similar` (latest-small,
# seed 42; the README has the table): co-likes lead, meaning breaks their near-ties and serves movies
# too few people liked.
CO_LIKE_WEIGHT = 0.9


@dataclass(frozen=True)
class Neighbour:
    movie_id: int
    score: float  # the blend
    meaning: float  # cosine of the text embeddings
    co_like: float  # 0 when fewer than MIN_SHARED_LIKERS people liked both
    shared_likers: int


def co_like_scores(shared: dict[int, int], likers: int, rated: dict[int, int]) -> dict[int, float]:
    """{movie id: n_both / sqrt(likers * n_rated)} for movies at least MIN_SHARED_LIKERS people liked
    along with this one. `shared` counts the likers of this movie who liked each other movie;
    `rated` is each other movie's number of ratings (it damps what everyone rates)."""
    if likers <= 0:
        return {}
    return {
        movie_id: count / np.sqrt(likers * max(rated.get(movie_id, count), count))
        for movie_id, count in shared.items()
        if count >= MIN_SHARED_LIKERS
    }


def blend_neighbours(
    meaning: dict[int, float],
    co_like: dict[int, float],
    shared: dict[int, int],
    k: int,
    weight: float = CO_LIKE_WEIGHT,
) -> list[Neighbour]:
    """The k best candidates by the blend. `meaning` must hold every candidate's cosine (co-liked
    ones too, where the movie has an embedding); a candidate missing from `co_like` scores 0 there."""
    candidates = set(meaning) | set(co_like)
    neighbours = [
        Neighbour(
            movie_id=movie_id,
            score=(1.0 - weight) * meaning.get(movie_id, 0.0) + weight * co_like.get(movie_id, 0.0),
            meaning=meaning.get(movie_id, 0.0),
            co_like=co_like.get(movie_id, 0.0),
            shared_likers=shared.get(movie_id, 0) if movie_id in co_like else 0,
        )
        for movie_id in candidates
    ]
    # Ties (at weight 1, every candidate nobody co-liked) go to the closer meaning: a movie without
    # ratings still gets its look-alikes.
    neighbours.sort(key=lambda n: (-n.score, -n.meaning, n.movie_id))
    return neighbours[:k]
