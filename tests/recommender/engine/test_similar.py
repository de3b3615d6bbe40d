"""The "more like this" blend: co-likes lead, meaning breaks ties and serves movies nobody co-liked."""

import numpy as np

from recommender.engine.cf.data import Interactions
from recommender.engine.evaluation.similar import evaluate_similar, seeds_and_targets
from recommender.engine.similar import MIN_SHARED_LIKERS, blend_neighbours, co_like_scores


def test_co_like_scores_need_enough_shared_likers_and_damp_what_everyone_rates():
    scores = co_like_scores({1: 10, 2: 10, 3: MIN_SHARED_LIKERS - 1}, likers=20, rated={1: 20, 2: 500, 3: 5})
    assert set(scores) == {1, 2}  # two shared likers are chance
    assert scores[1] > scores[2]  # the same count means more for a movie few people rate
    assert scores[1] == 10 / np.sqrt(20 * 20)
    assert co_like_scores({1: 10}, likers=0, rated={1: 10}) == {}


def test_blend_puts_co_liked_movies_first_and_orders_the_rest_by_meaning():
    meaning = {1: 0.9, 2: 0.3, 3: 0.5, 4: 0.6}  # 1 shares a title word; 2 and 3 share an audience
    co_like = {2: 0.4, 3: 0.2}
    neighbours = blend_neighbours(meaning, co_like, {2: 12, 3: 5}, k=4, weight=1.0)
    assert [n.movie_id for n in neighbours] == [2, 3, 1, 4]
    assert [n.shared_likers for n in neighbours] == [12, 5, 0, 0]
    assert [n.movie_id for n in blend_neighbours(meaning, co_like, {2: 12, 3: 5}, k=2, weight=0.0)] == [1, 4]


def test_a_movie_nobody_co_liked_still_gets_its_look_alikes():
    neighbours = blend_neighbours({5: 0.2, 6: 0.8}, {}, {}, k=2, weight=0.9)
    assert [n.movie_id for n in neighbours] == [6, 5] and all(n.shared_likers == 0 for n in neighbours)


def _interactions(rows):
    return Interactions.from_rows([(user, item, rating, n) for n, (user, item, rating) in enumerate(rows)])


def test_the_seed_is_the_best_rated_train_movie_and_targets_are_test_likes():
    train = _interactions([(1, 10, 5.0), (1, 11, 4.0), (2, 10, 3.0), (3, 12, 4.5)])
    test = _interactions([(1, 20, 4.0), (1, 21, 2.0), (2, 20, 5.0), (3, 21, 3.0)])
    assert seeds_and_targets(train, test) == {1: (10, {20})}  # 2 liked nothing in train; 3 nothing in test


def test_co_likes_find_what_the_same_people_liked_where_meaning_cannot():
    # Movies 1..4: the people who like 1 like 2 (users 7..11 say so in train); 3 looks like 1 (nearly
    # the same vector) but nobody who liked 1 liked it; everyone rated 4. Users 1..6 hold out a like of 2.
    rows = [(user, 1, 5.0) for user in range(1, 12)] + [(user, 2, 4.5) for user in range(7, 12)]
    rows += [(user, 2, 4.0) for user in range(1, 7)] + [(user, 3, 4.0) for user in range(20, 25)]
    rows += [(user, 4, 4.0) for user in range(1, 25)]
    data = _interactions(rows)
    held_out = (data.user_ids <= 6) & (data.item_ids == 2)
    train, test = data.take(~held_out), data.take(held_out)
    vectors = np.asarray([[1.0, 0.0], [0.0, 1.0], [1.0, 0.01], [0.5, 0.5]], dtype=np.float32)
    results = evaluate_similar(train, test, np.asarray([1, 2, 3, 4]), vectors, [0.0, 1.0], k=1)
    assert results["weight 1"]["hr"] == 1.0 and results["weight 0"]["hr"] == 0.0
