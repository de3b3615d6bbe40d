"""CoRatings: the liked movie a feed's reason cites, read off who liked what."""

from __future__ import annotations

import numpy as np

from recommender.engine.cf.data import Interactions
from recommender.engine.cf.explain import CoRatings


def likes(pairs: list[tuple[int, int]], value: float = 5.0) -> Interactions:
    users, items = zip(*pairs, strict=True)
    n = len(pairs)
    return Interactions(np.array(users), np.array(items), np.full(n, value, dtype=np.float32), np.zeros(n))


# Movie 1 (the candidate) is liked by users 1-4. Three of them also liked movie 10, one liked movie 20;
# users 5-8 liked movie 30 and never movie 1.
TABLE = likes([(1, 1), (2, 1), (3, 1), (4, 1), (1, 10), (2, 10), (3, 10), (4, 20), (5, 30), (6, 30), (7, 30),
               (8, 30), (5, 40), (6, 40)])  # fmt: skip


def test_the_cited_movie_is_the_liked_one_most_co_liked_with_the_candidate():
    table = CoRatings(TABLE)
    assert table.because([10, 20], [1]) == [10]
    assert table.because([20, 30], [1]) == [20]  # one shared fan is still a reason


def test_no_shared_fan_unknown_movies_and_no_liked_movies_cite_nothing():
    table = CoRatings(TABLE)
    assert table.because([30], [1]) == [None]  # liked, but no one liked both
    assert table.because([10], [999]) == [None]  # a candidate no one rated
    assert table.because([], [1, 10]) == [None, None]
    assert table.because([998], [1]) == [None]  # a liked movie no one else rated


def test_ratings_below_liked_do_not_link_movies():
    lukewarm = TABLE.concat(likes([(9, 1), (9, 50)], value=3.0))
    assert CoRatings(lukewarm).because([50], [1]) == [None]


def test_only_the_nearest_neighbours_are_looked_up():
    """The table keeps each movie's nearest few: a liked movie further away cites nothing."""
    table = CoRatings(TABLE, neighbours=1)
    assert table.because([10], [1]) == [10]
    assert table.because([20], [1]) == [None]


def test_each_candidate_gets_its_own_reason_in_order():
    table = CoRatings(TABLE)
    assert table.because([10, 30], [30, 1, 999, 40]) == [None, 10, None, 30]
