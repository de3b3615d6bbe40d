"""Interactions (who rated what, when) as aligned numpy arrays, and the raw id <-> dense index map.

Everything in the engine works on these two types, so the Django side converts ORM rows once
(services) and the models never see a queryset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MIN_RATING = 0.5
MAX_RATING = 5.0


@dataclass(frozen=True, eq=False)
class Interactions:
    """One row per rating. Arrays are aligned: row n is (user_ids[n], item_ids[n], ratings[n], timestamps[n])."""

    user_ids: np.ndarray  # int64
    item_ids: np.ndarray  # int64
    ratings: np.ndarray  # float32, 0.5..5
    timestamps: np.ndarray  # int64, seconds since the epoch (0 when unknown)

    def __post_init__(self) -> None:
        # Coerce here so every constructor path (including tests building it by hand) ends up
        # with the same dtypes; frozen dataclasses need object.__setattr__ for that.
        for name, dtype in (("user_ids", np.int64), ("item_ids", np.int64), ("timestamps", np.int64)):
            object.__setattr__(self, name, _as_1d(getattr(self, name), dtype, name))
        object.__setattr__(self, "ratings", _as_1d(self.ratings, np.float32, "ratings"))
        lengths = {len(self.user_ids), len(self.item_ids), len(self.ratings), len(self.timestamps)}
        if len(lengths) != 1:
            raise ValueError(
                "Interactions arrays must have the same length, got "
                f"users={len(self.user_ids)} items={len(self.item_ids)} "
                f"ratings={len(self.ratings)} timestamps={len(self.timestamps)}"
            )
        if len(self.ratings) and not np.all((self.ratings >= MIN_RATING) & (self.ratings <= MAX_RATING)):
            bad = self.ratings[~((self.ratings >= MIN_RATING) & (self.ratings <= MAX_RATING))]
            raise ValueError(f"ratings must lie in {MIN_RATING}..{MAX_RATING}, got e.g. {bad[:3].tolist()}")

    @classmethod
    def from_arrays(
        cls,
        user_ids: Sequence[int] | np.ndarray,
        item_ids: Sequence[int] | np.ndarray,
        ratings: Sequence[float] | np.ndarray,
        timestamps: Sequence[int] | np.ndarray | None = None,
    ) -> Interactions:
        if timestamps is None:
            timestamps = np.zeros(len(user_ids), dtype=np.int64)
        return cls(np.asarray(user_ids), np.asarray(item_ids), np.asarray(ratings), np.asarray(timestamps))

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence]) -> Interactions:
        """Rows of (user_id, item_id, rating) or (user_id, item_id, rating, timestamp)."""
        rows = list(rows)
        if not rows:
            return cls.empty()
        widths = {len(row) for row in rows}
        if not widths <= {3, 4} or len(widths) != 1:
            raise ValueError("each row must be (user_id, item_id, rating) or (user_id, item_id, rating, timestamp)")
        columns = list(zip(*rows, strict=True))
        return cls.from_arrays(*columns) if len(columns) == 4 else cls.from_arrays(*columns, timestamps=None)

    @classmethod
    def empty(cls) -> Interactions:
        return cls.from_arrays([], [], [], [])

    def __len__(self) -> int:
        return len(self.user_ids)

    def take(self, selector: np.ndarray) -> Interactions:
        """Rows selected by a boolean mask or an index array."""
        return Interactions(
            self.user_ids[selector], self.item_ids[selector], self.ratings[selector], self.timestamps[selector]
        )

    def concat(self, other: Interactions) -> Interactions:
        return Interactions(
            np.concatenate([self.user_ids, other.user_ids]),
            np.concatenate([self.item_ids, other.item_ids]),
            np.concatenate([self.ratings, other.ratings]),
            np.concatenate([self.timestamps, other.timestamps]),
        )

    def deduplicated(self) -> Interactions:
        """One row per (user, item): the latest rating wins (ties: the later row), as a re-rating replaces."""
        if len(self) == 0:
            return self
        # Sort by (user, item, timestamp, row) and keep the last row of each (user, item) run.
        order = np.lexsort((np.arange(len(self)), self.timestamps, self.item_ids, self.user_ids))
        users, items = self.user_ids[order], self.item_ids[order]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = (users[1:] != users[:-1]) | (items[1:] != items[:-1])
        if last.all():
            return self
        return self.take(np.sort(order[last]))

    def unique_users(self) -> np.ndarray:
        return np.unique(self.user_ids)

    def unique_items(self) -> np.ndarray:
        return np.unique(self.item_ids)

    def items_by_user(self) -> dict[int, np.ndarray]:
        """user id -> that user's item ids (row order). Handy for metrics and evaluation loops."""
        if len(self) == 0:
            return {}
        order = np.argsort(self.user_ids, kind="stable")
        users = self.user_ids[order]
        starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
        groups = np.split(self.item_ids[order], starts[1:])
        return {int(users[s]): g for s, g in zip(starts, groups, strict=True)}


def _as_1d(values, dtype, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if dtype is not np.float32 and array.size and not np.issubdtype(array.dtype, np.integer):
        # Refuse silent truncation of e.g. 3.7 into an id; whole floats (3.0) from pandas are fine.
        if not np.all(np.mod(array.astype(np.float64), 1) == 0):
            raise ValueError(f"{name} must hold integers")
    return np.ascontiguousarray(array, dtype=dtype)


class IdIndex:
    """Raw int ids <-> dense positions 0..n-1, positions in ascending id order.

    Sorted ids make the lookup a vectorised binary search (no Python dict per request) and make
    the order, and therefore every saved array aligned with it, independent of input row order.
    """

    def __init__(self, ids: Iterable[int] | np.ndarray) -> None:
        raw = ids if isinstance(ids, np.ndarray) else list(ids)
        self.ids = np.unique(np.asarray(raw, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, raw_id: object) -> bool:
        try:
            return self.index_of(np.asarray([raw_id], dtype=np.int64))[0] >= 0
        except (TypeError, ValueError, OverflowError):
            return False

    def index_of(self, raw_ids: Iterable[int] | np.ndarray) -> np.ndarray:
        """Dense positions of raw ids; -1 for ids this index does not know."""
        raw = np.asarray(raw_ids, dtype=np.int64).reshape(-1)
        if len(self.ids) == 0:
            return np.full(len(raw), -1, dtype=np.int64)
        pos = np.searchsorted(self.ids, raw)
        pos_clipped = np.minimum(pos, len(self.ids) - 1)
        return np.where(self.ids[pos_clipped] == raw, pos_clipped, -1).astype(np.int64)

    def index(self, raw_id: int) -> int:
        """Dense position of one raw id, -1 when unknown."""
        return int(self.index_of([raw_id])[0])

    def id_of(self, positions: np.ndarray | Sequence[int]) -> np.ndarray:
        return self.ids[np.asarray(positions, dtype=np.int64)]
