"""Tiny synthetic data with a block structure a correct model must find.

30 users x 40 items. Users 1..15 ("group A") love items 101..120 and dislike a few of 121..140;
users 16..30 ("group B") the other way round. Each user rates 12 of their 20 in-group items
(4.0..5.0) and 4 out-group items (1.0), so every user has 8 unseen in-group items to be recommended.
"""

from __future__ import annotations

import numpy as np
import pytest

from recommender.engine.cf import EASE, EASEConfig, Popularity, SurpriseSVD, SurpriseSVDpp, SVDConfig, SVDppConfig
from recommender.engine.cf.data import Interactions

N_OUT = 4  # out-group ratings per user: the negative signal rating-trained SVD needs
GROUP_A_USERS = list(range(1, 16))
GROUP_B_USERS = list(range(16, 31))
GROUP_A_ITEMS = list(range(101, 121))
GROUP_B_ITEMS = list(range(121, 141))


def group_items(user_id: int) -> set[int]:
    return set(GROUP_A_ITEMS if user_id in GROUP_A_USERS else GROUP_B_ITEMS)


def make_block_data(seed: int = 0) -> Interactions:
    rng = np.random.default_rng(seed)
    rows = []
    for user in GROUP_A_USERS + GROUP_B_USERS:
        own = np.array(GROUP_A_ITEMS if user in GROUP_A_USERS else GROUP_B_ITEMS)
        other = np.array(GROUP_B_ITEMS if user in GROUP_A_USERS else GROUP_A_ITEMS)
        for t, item in enumerate(rng.choice(own, 12, replace=False)):
            rows.append((user, int(item), float(rng.choice([4.0, 4.5, 5.0])), 1000 * user + t))
        for t, item in enumerate(rng.choice(other, N_OUT, replace=False)):
            rows.append((user, int(item), 1.0, 1000 * user + 50 + t))
    return Interactions.from_rows(rows)


@pytest.fixture(scope="session")
def block_data() -> Interactions:
    return make_block_data()


# Small, fast configurations that still learn the blocks (tiny data needs more epochs than 20).
MODEL_FACTORIES = {
    "popularity": lambda: Popularity(),
    # fold_in_reg 1: the default 10 is tuned for MovieLens; a 5-rating fold-in here needs a lighter ridge.
    "svd": lambda: SurpriseSVD(SVDConfig(factors=8, epochs=100, lr=0.01, reg=0.1, seed=0, fold_in_reg=1.0)),
    "svdpp": lambda: SurpriseSVDpp(SVDppConfig(factors=8, epochs=60, lr=0.01, seed=0)),
    # Rating-weighted: binary EASE would (rightly) read the 1.0 out-group ratings as interest.
    "ease": lambda: EASE(EASEConfig(lam=100.0, weighting="rating")),
}
PERSONAL = ["svd", "svdpp", "ease"]


@pytest.fixture(scope="session")
def fitted(block_data):
    """One fitted instance per model kind, shared: fitting is the slow part and the tests only read."""
    return {name: factory().fit(block_data) for name, factory in MODEL_FACTORIES.items()}
