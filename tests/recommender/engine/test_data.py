from __future__ import annotations

import numpy as np
import pytest

from recommender.engine.cf.data import IdIndex, Interactions


def test_interactions_coerce_dtypes_and_accept_rows_with_or_without_timestamps():
    with_time = Interactions.from_rows([(1, 10, 4.5, 100), (2, 11, 3, 200)])
    without = Interactions.from_rows([(1, 10, 4.5), (2, 11, 3)])
    assert with_time.user_ids.dtype == np.int64 and with_time.ratings.dtype == np.float32
    assert with_time.timestamps.tolist() == [100, 200] and without.timestamps.tolist() == [0, 0]
    assert len(Interactions.from_rows([])) == 0


def test_interactions_reject_misaligned_arrays():
    with pytest.raises(ValueError, match="same length"):
        Interactions.from_arrays([1, 2], [10], [4.0, 3.0])


@pytest.mark.parametrize("bad", [0.0, 5.5, -1.0])
def test_interactions_reject_ratings_outside_half_to_five(bad):
    with pytest.raises(ValueError, match="0.5..5"):
        Interactions.from_arrays([1], [10], [bad])


def test_interactions_reject_fractional_ids():
    with pytest.raises(ValueError, match="integers"):
        Interactions.from_arrays([1.5], [10], [4.0])


def test_deduplicated_keeps_the_latest_rating_of_a_user_item_pair():
    data = Interactions.from_rows([(1, 10, 2.0, 5), (1, 10, 4.0, 9), (1, 11, 3.0, 1), (1, 10, 1.0, 7)])
    deduped = data.deduplicated()
    assert sorted(zip(deduped.item_ids.tolist(), deduped.ratings.tolist(), strict=True)) == [(10, 4.0), (11, 3.0)]


def test_items_by_user_groups_item_ids():
    data = Interactions.from_rows([(2, 20, 4.0), (1, 10, 4.0), (2, 21, 4.0)])
    assert {user: items.tolist() for user, items in data.items_by_user().items()} == {1: [10], 2: [20, 21]}


def test_id_index_maps_raw_ids_to_sorted_positions_and_unknowns_to_minus_one():
    index = IdIndex([30, 10, 20, 10])
    assert index.ids.tolist() == [10, 20, 30] and len(index) == 3
    assert index.index_of([20, 99, 10, 5]).tolist() == [1, -1, 0, -1]
    assert index.index(30) == 2 and index.index(31) == -1
    assert 20 in index and 99 not in index and "x" not in index
    assert index.id_of([2, 0]).tolist() == [30, 10]
    assert IdIndex([]).index_of([1]).tolist() == [-1]
