"""Evaluation protocols: which of each user's ratings are held out. All deterministic.

Every split returns (train, test) Interactions and never shares a row between them. Randomness
comes from a hash of (seed, user, item), not from a shuffled generator, so a user's split does
not change when other users are added, removed or reordered.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from recommender.engine.cf.data import Interactions

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _hash_keys(seed: int, user_ids: np.ndarray, item_ids: np.ndarray) -> np.ndarray:
    """A pseudo-random uint64 per (seed, user, item): splitmix64 over a combined key."""
    with np.errstate(over="ignore"):
        x = (user_ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ item_ids.astype(np.uint64)
        x = x + np.uint64(seed & 0xFFFFFFFFFFFFFFFF) * np.uint64(0xBF58476D1CE4E5B9)
        for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
            x = (x ^ (x >> np.uint64(shift))) * np.uint64(mult)
        return (x ^ (x >> np.uint64(31))) & _MASK64


def _rank_within_user(user_ids: np.ndarray, *sort_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row: its 0-based rank among its user's rows, and the user's row count.

    sort_keys are in np.lexsort order (the last one is the most significant after the user);
    the row position breaks remaining ties, so ranks are always a permutation.
    """
    order = np.lexsort((np.arange(len(user_ids)), *sort_keys, user_ids))
    sorted_users = user_ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    counts = np.diff(np.r_[starts, len(order)])
    group = np.repeat(np.arange(len(starts)), counts)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - starts[group]
    size = np.empty(len(order), dtype=np.int64)
    size[order] = counts[group]
    return rank, size


def _held_out_count(size: np.ndarray, test_fraction: float) -> np.ndarray:
    """round(n * fraction), at least 1 and at most n - 1; 0 for users with fewer than 2 ratings."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError("test_fraction must lie strictly between 0 and 1")
    wanted = np.floor(size * test_fraction + 0.5).astype(np.int64)  # round half up, not to even
    return np.where(size < 2, 0, np.clip(wanted, 1, np.maximum(size - 1, 1)))


def stratified_split(
    interactions: Interactions, test_fraction: float = 0.25, seed: int = 0
) -> tuple[Interactions, Interactions]:
    """Per user, a random test_fraction of their ratings goes to test; users with < 2 ratings stay in train."""
    data = interactions.deduplicated()
    keys = _hash_keys(seed, data.user_ids, data.item_ids)
    rank, size = _rank_within_user(data.user_ids, keys)
    test = rank < _held_out_count(size, test_fraction)
    return data.take(~test), data.take(test)


def temporal_split(interactions: Interactions, test_fraction: float = 0.2) -> tuple[Interactions, Interactions]:
    """Per user, the latest test_fraction of their ratings (by timestamp, ties by item id) goes to test."""
    data = interactions.deduplicated()
    rank, size = _rank_within_user(data.user_ids, data.item_ids, data.timestamps)
    test = rank >= size - _held_out_count(size, test_fraction)
    return data.take(~test), data.take(test)


def loo_split(interactions: Interactions, min_rating: float = 4.0) -> tuple[Interactions, Interactions]:
    """Leave one out: each user's most recent rating >= min_rating (ties: higher item id) is the test item.

    Users without such a rating are train-only. A user whose only rating is held out is test-only.
    """
    data = interactions.deduplicated()
    liked = data.ratings >= min_rating
    # Rank liked rows by recency within the user; unliked rows sort first so they never win.
    rank, size = _rank_within_user(data.user_ids, data.item_ids, data.timestamps, liked.astype(np.int8))
    test = liked & (rank == size - 1)
    return data.take(~test), data.take(test)


def validation_split(
    train: Interactions,
    protocol: Literal["stratified", "temporal", "loo"] = "stratified",
    *,
    test_fraction: float | None = None,
    seed: int = 1,
    min_rating: float = 4.0,
) -> tuple[Interactions, Interactions]:
    """Carve a validation set out of train with the same protocol, for tuning and promotion gates.

    Returns (fit_train, validation). Use a seed other than the test split's, so the validation
    draw is independent of the test draw.
    """
    if protocol == "stratified":
        return stratified_split(train, 0.25 if test_fraction is None else test_fraction, seed=seed)
    if protocol == "temporal":
        return temporal_split(train, 0.2 if test_fraction is None else test_fraction)
    if protocol == "loo":
        return loo_split(train, min_rating=min_rating)
    raise ValueError(f"unknown protocol {protocol!r}: use 'stratified', 'temporal' or 'loo'")
