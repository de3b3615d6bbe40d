"""The external peers (implicit, cornac) behind our model contract find the same blocks ours do."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.engine.cf.peers import PEER_CLASSES, build_peer
from tests.recommender.engine.conftest import GROUP_A_USERS, GROUP_B_USERS, group_items


@pytest.fixture(scope="module")
def liked(block_data):
    # Peers read every rating as interest (binary implicit feedback): give them the liked ones only.
    return block_data.take(block_data.ratings >= 4.0)


@pytest.mark.parametrize("name", sorted(PEER_CLASSES))
def test_peer_recommends_each_users_own_block(liked, name):
    # Small data: more factors than the blocks need, defaults otherwise (cornac's EASE has no factors).
    model = build_peer(name, {"factors": 8, "iterations": 30, "learning_rate": 0.05}).fit(liked)
    in_block = []
    for user in (*GROUP_A_USERS, *GROUP_B_USERS):
        top = [item for item, _ in model.recommend(user, k=5)]
        assert len(top) == 5 and not set(top) & set(model.seen_item_ids(user).tolist())
        in_block.append(np.mean([item in group_items(user) for item in top]))
    assert np.mean(in_block) >= 0.9


def test_peer_gives_popularity_to_someone_it_never_saw(liked):
    model = build_peer("implicit-als", {"factors": 8}).fit(liked)
    assert np.array_equal(model.score(12345), model.fallback_scores())
