from __future__ import annotations

import numpy as np

from recommender.engine.cf.data import Interactions
from recommender.engine.evaluation.splits import (
    item_stratified_split,
    loo_split,
    random_loo_split,
    stratified_split,
    temporal_split,
    users_sample,
    validation_split,
)


def _rows(data: Interactions) -> set[tuple[int, int]]:
    return set(zip(data.user_ids.tolist(), data.item_ids.tolist(), strict=True))


def _data() -> Interactions:
    rng = np.random.default_rng(3)
    rows = [(user, item, 4.0, int(rng.integers(1_000_000))) for user in range(1, 11) for item in range(user * 4)]
    rows.append((99, 1, 5.0, 1))  # a user with a single rating
    return Interactions.from_rows(rows)


def test_stratified_split_is_deterministic_per_seed_and_per_user_75_25():
    data = _data()
    train, test = stratified_split(data, 0.25, seed=42)
    again_train, again_test = stratified_split(data, 0.25, seed=42)
    assert _rows(train) == _rows(again_train) and _rows(test) == _rows(again_test)
    assert _rows(train) | _rows(test) == _rows(data) and not _rows(train) & _rows(test)
    for user in range(1, 11):
        n = 4 * user
        assert (test.user_ids == user).sum() == n // 4  # 4k ratings -> exactly k held out
    assert _rows(stratified_split(data, 0.25, seed=7)[1]) != _rows(test)


def test_stratified_split_of_a_user_does_not_depend_on_other_users_or_row_order():
    data = _data()
    _, test = stratified_split(data, seed=1)
    only_user_5 = data.take(data.user_ids == 5)
    reversed_rows = only_user_5.take(np.arange(len(only_user_5))[::-1])
    _, test_alone = stratified_split(reversed_rows, seed=1)
    assert _rows(test_alone) == {row for row in _rows(test) if row[0] == 5}


def test_stratified_split_keeps_users_with_one_rating_in_train_and_never_empties_a_users_train():
    data = Interactions.from_rows([(1, 1, 4.0), (2, 1, 4.0), (2, 2, 3.0)])
    train, test = stratified_split(data, 0.9, seed=0)
    assert (1, 1) in _rows(train)
    assert (train.user_ids == 2).sum() == 1 and (test.user_ids == 2).sum() == 1


def test_temporal_split_holds_out_each_users_latest_fifth():
    rows = [(1, item, 3.0, ts) for item, ts in zip(range(10), [5, 1, 9, 3, 7, 2, 8, 4, 6, 10], strict=True)]
    train, test = temporal_split(Interactions.from_rows(rows), 0.2)
    assert sorted(test.timestamps.tolist()) == [9, 10]
    assert len(train) == 8


def test_loo_holds_out_latest_high_rating():
    data = Interactions.from_rows(
        [
            (1, 10, 5.0, 1),
            (1, 11, 4.0, 2),  # latest rating >= 4: held out
            (1, 12, 2.0, 3),  # later but low: stays in train
            (2, 20, 3.0, 1),  # no rating >= 4: user 2 is train-only
            (2, 21, 3.5, 2),
        ]
    )
    train, test = loo_split(data, min_rating=4.0)
    assert _rows(test) == {(1, 11)}
    assert _rows(train) == {(1, 10), (1, 12), (2, 20), (2, 21)}


def test_validation_split_is_carved_from_train_only():
    train, test = stratified_split(_data(), seed=42)
    fit_train, validation = validation_split(train, "stratified", seed=1)
    assert _rows(fit_train) | _rows(validation) == _rows(train)
    assert not _rows(validation) & _rows(test)
    loo_fit, loo_validation = validation_split(train, "loo")
    assert len(loo_validation) == len(np.unique(train.user_ids[train.ratings >= 4.0]))


def test_seed_hit_rate_split_holds_out_one_rating_per_user_whatever_its_value():
    rows = [(user, item, 0.5 + (item % 10) / 2, item) for user in range(1, 41) for item in range(user % 7 + 2)]
    rows.append((99, 1, 5.0, 1))  # one rating: nothing to rank from, so never held out
    data = Interactions.from_rows(rows)
    train, test = random_loo_split(data, seed=42)
    assert sorted(test.user_ids.tolist()) == list(range(1, 41))
    assert _rows(train) | _rows(test) == _rows(data) and not _rows(train) & _rows(test)
    assert test.ratings.min() < 4.0  # low ratings are held out too: the seed's "any value"
    assert _rows(random_loo_split(data, seed=42)[1]) == _rows(test)
    assert _rows(random_loo_split(data, seed=7)[1]) != _rows(test)
    assert (train.user_ids == 99).sum() == 1


def test_seed_ndcg_split_holds_out_a_quarter_of_each_items_ratings():
    rows = [(user, item, 4.0) for item in range(1, 9) for user in range(item * 4)]
    rows.append((1000, 50, 3.0))  # an item rated once stays in train
    data = Interactions.from_rows(rows)
    train, test = item_stratified_split(data, 0.25, seed=42)
    assert _rows(train) | _rows(test) == _rows(data) and not _rows(train) & _rows(test)
    for item in range(1, 9):
        assert (test.item_ids == item).sum() == item  # 4n ratings -> n held out, per item
    assert (1000, 50) in _rows(train)
    assert _rows(item_stratified_split(data, 0.25, seed=7)[1]) != _rows(test)


def test_users_sample_keeps_whole_users_the_same_ones_every_run_whoever_else_is_there():
    data = _data()  # 11 users
    assert users_sample(data, 11, seed=5) is data
    sample = users_sample(data, 4, seed=5)
    kept = set(sample.unique_users().tolist())
    assert len(kept) == 4
    for user in kept:  # every row of a kept user, none of the others
        assert (sample.user_ids == user).sum() == (data.user_ids == user).sum()
    assert _rows(users_sample(data, 4, seed=5)) == _rows(sample)
    assert set(users_sample(data, 4, seed=6).unique_users().tolist()) != kept
    # A user's inclusion depends on its own hash only: adding users never evicts one that ranks ahead.
    more = data.concat(Interactions.from_rows([(user, 1, 3.0, 1) for user in range(200, 260)]))
    larger = set(users_sample(more, 4 + 60, seed=5).unique_users().tolist())
    assert kept <= larger
