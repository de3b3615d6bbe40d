"""The contract every engine model follows, and the parts all models share.

A model keeps: the user and item id indexes, each training user's seen items (a CSR matrix as
three arrays, for exclusion and for scoring EASE/SVD++ users), and per-item popularity (the
fallback for users it cannot personalise). Subclasses add their factors and implement four
hooks: `_fit`, `_score_user`, `_score_ratings`, and `_state`/`_restore` for persistence.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from abc import ABC, abstractmethod
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from recommender.engine.cf.data import IdIndex, Interactions

FORMAT_VERSION = 1
ARRAYS_FILE = "arrays.npz"
META_FILE = "model.json"


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k highest finite scores, highest first; ties go to the lower position.

    argpartition keeps this O(n) for 10k items; the explicit tie rule makes results reproducible
    (popularity has many equal counts) and -inf marks items that must never be returned.
    """
    finite = np.isfinite(scores)
    k = min(int(k), int(finite.sum()))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    work = np.where(finite, scores, -np.inf)
    if k < len(work):
        kth = work[np.argpartition(-work, k - 1)[k - 1]]
        candidates = np.flatnonzero(work >= kth)  # every item tied with the k-th, not an arbitrary subset
    else:
        candidates = np.flatnonzero(finite)
    order = np.lexsort((candidates, -work[candidates]))
    return candidates[order][:k]


class Recommender(ABC):
    kind: ClassVar[str]
    config_class: ClassVar[type]
    # Arrays only ever read after load, mapped from the file instead of copied (see read_files).
    mapped_arrays: ClassVar[frozenset[str]] = frozenset({"seen_indptr", "seen_items", "seen_ratings"})

    def __init__(self, config: Any = None) -> None:
        self.config = config if config is not None else self.config_class()
        if not isinstance(self.config, self.config_class):
            raise TypeError(f"{type(self).__name__} needs a {self.config_class.__name__}, got {type(config).__name__}")
        self._fitted = False

    # ---- public API -------------------------------------------------------------------------

    @property
    def item_ids(self) -> np.ndarray:
        """Raw item ids, aligned with every score array this model returns."""
        self._check_fitted()
        return self.items.ids

    @property
    def user_ids(self) -> np.ndarray:
        self._check_fitted()
        return self.users.ids

    def fit(self, interactions: Interactions) -> Self:
        if len(interactions) == 0:
            raise ValueError(f"cannot fit {type(self).__name__} on empty interactions: there is nothing to learn from")
        self._fitted = False  # a failed refit must not serve a half-replaced state
        data = interactions.deduplicated()
        keep = self._select_items(data)
        if keep is not None:
            data = data.take(np.isin(data.item_ids, keep))
            if len(data) == 0:
                raise ValueError(f"{type(self).__name__}: no item passes the item filter; loosen the config")
        self.users = IdIndex(data.user_ids)
        self.items = IdIndex(data.item_ids)
        user_pos = self.users.index_of(data.user_ids)
        item_pos = self.items.index_of(data.item_ids)
        order = np.lexsort((item_pos, user_pos))  # CSR order: by user, then item
        user_pos, item_pos, ratings = user_pos[order], item_pos[order], data.ratings[order]
        self.seen_indptr = np.searchsorted(user_pos, np.arange(len(self.users) + 1)).astype(np.int64)
        self.seen_items = item_pos.astype(np.int32)
        self.seen_ratings = ratings.astype(np.float32)
        self.popularity = np.bincount(item_pos, minlength=len(self.items)).astype(np.float32)
        self._fit(user_pos, item_pos, ratings)
        self._fitted = True
        return self

    def score(self, user_id: int) -> np.ndarray:
        """Scores over `item_ids` for a training user; popularity counts for anyone else."""
        self._check_fitted()
        u = self.users.index(user_id)
        if u < 0 or self.seen_indptr[u] == self.seen_indptr[u + 1]:
            return self.fallback_scores()
        return self._score_user(u)

    def score_for_ratings(self, item_ids, ratings) -> np.ndarray:
        """Fold-in: scores for someone not in the training data, from their ratings, without retraining."""
        self._check_fitted()
        positions, values = self._known_ratings(item_ids, ratings)
        if len(positions) == 0:
            return self.fallback_scores()
        return self._score_ratings(positions, values)

    def recommend(
        self, user_id: int, k: int = 10, exclude_item_ids=None, exclude_seen: bool = True
    ) -> list[tuple[int, float]]:
        """(item id, score) pairs, highest first, without the user's training items unless told."""
        scores = self.score(user_id)
        excluded = [self.items.index_of(id_array(exclude_item_ids))]
        u = self.users.index(user_id)
        if exclude_seen and u >= 0:
            excluded.append(self.seen_items[self.seen_indptr[u] : self.seen_indptr[u + 1]])
        return self._ranked(scores, k, excluded)

    def recommend_for_ratings(self, item_ids, ratings, k: int = 10, exclude_item_ids=None) -> list[tuple[int, float]]:
        """Fold-in recommendations; the rated items themselves are never recommended back."""
        scores = self.score_for_ratings(item_ids, ratings)
        excluded = [self.items.index_of(id_array(item_ids)), self.items.index_of(id_array(exclude_item_ids))]
        return self._ranked(scores, k, excluded)

    def seen_item_ids(self, user_id: int) -> np.ndarray:
        self._check_fitted()
        u = self.users.index(user_id)
        if u < 0:
            return np.empty(0, dtype=np.int64)
        return self.items.ids[self.seen_items[self.seen_indptr[u] : self.seen_indptr[u + 1]]]

    def fallback_scores(self) -> np.ndarray:
        """What users without usable history get: training popularity (only its order matters)."""
        return self.popularity.copy()

    # ---- persistence ------------------------------------------------------------------------

    def save(self, directory: Path) -> Path:
        """Write arrays.npz and model.json (nothing else, never a pickle) into `directory`."""
        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {
            "user_ids": self.users.ids,
            "item_ids": self.items.ids,
            "seen_indptr": self.seen_indptr,
            "seen_items": self.seen_items,
            "seen_ratings": self.seen_ratings,
            "popularity": self.popularity,
        }
        state_arrays, scalars = self._state()
        arrays.update(state_arrays)
        meta = {"kind": self.kind, "format_version": FORMAT_VERSION, "config": asdict(self.config), "scalars": scalars}
        # Write each file under a temporary name and rename: a reader never sees half a file. The
        # json goes last, so its presence means the arrays next to it are complete.
        tmp = directory / (ARRAYS_FILE + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, directory / ARRAYS_FILE)
        tmp = directory / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(meta, indent=2, sort_keys=True))
        os.replace(tmp, directory / META_FILE)
        return directory

    @classmethod
    def load(cls, directory: Path) -> Self:
        meta, arrays = read_files(Path(directory), mapped=cls.mapped_arrays)
        if meta.get("kind") != cls.kind:
            raise ValueError(f"{directory} holds a {meta.get('kind')!r} model, not {cls.kind!r}")
        try:
            config = cls.config_class(**meta["config"])
        except TypeError as exc:
            raise ValueError(f"{directory}: config does not match {cls.config_class.__name__}: {exc}") from exc
        model = cls(config)
        model.users = IdIndex(arrays["user_ids"])
        model.items = IdIndex(arrays["item_ids"])
        model.seen_indptr = arrays["seen_indptr"]
        model.seen_items = arrays["seen_items"]
        model.seen_ratings = arrays["seen_ratings"]
        model.popularity = arrays["popularity"]
        model._restore(arrays, meta.get("scalars", {}))
        model._fitted = True
        return model

    # ---- hooks ------------------------------------------------------------------------------

    def _select_items(self, data: Interactions) -> np.ndarray | None:
        """Raw item ids to keep in the model, or None for all of them."""
        return None

    @abstractmethod
    def _fit(self, user_pos: np.ndarray, item_pos: np.ndarray, ratings: np.ndarray) -> None:
        """Learn from deduplicated training rows given as dense positions, sorted by user then item."""

    @abstractmethod
    def _score_user(self, u: int) -> np.ndarray: ...

    @abstractmethod
    def _score_ratings(self, positions: np.ndarray, ratings: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Model-specific arrays and JSON scalars to save."""

    @abstractmethod
    def _restore(self, arrays: dict[str, np.ndarray], scalars: dict[str, Any]) -> None: ...

    # ---- helpers ----------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not self._fitted:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit() or load() first")

    def _known_ratings(self, item_ids, ratings) -> tuple[np.ndarray, np.ndarray]:
        """Dense positions and ratings of the given items this model knows; unknown ids are dropped."""
        ids = id_array(item_ids)
        values = np.asarray(ratings, dtype=np.float32).reshape(-1)
        if len(values) != len(ids):
            raise ValueError(f"got {len(ids)} item ids but {len(values)} ratings")
        positions = self.items.index_of(ids)
        known = positions >= 0
        positions, values = positions[known], values[known]
        # A repeated item keeps its last rating, as in Interactions.deduplicated.
        _, last_from_end = np.unique(positions[::-1], return_index=True)
        keep = np.sort(len(positions) - 1 - last_from_end)
        return positions[keep], values[keep]

    def _ranked(self, scores: np.ndarray, k: int, excluded: list[np.ndarray]) -> list[tuple[int, float]]:
        scores = np.asarray(scores, dtype=np.float32)
        for positions in excluded:
            positions = positions[positions >= 0]
            scores[positions] = -np.inf
        best = top_k(scores, k)
        return [(int(self.items.ids[p]), float(scores[p])) for p in best]


def id_array(item_ids) -> np.ndarray:
    """Any iterable of ids (list, set, array, None) as a flat int64 array; None means no ids."""
    if item_ids is None:
        return np.empty(0, dtype=np.int64)
    return np.asarray(list(item_ids) if not isinstance(item_ids, np.ndarray) else item_ids, dtype=np.int64).reshape(-1)


MAP_FROM_BYTES = 64 * 2**20


def read_meta(directory: Path) -> dict[str, Any]:
    """model.json of a saved model, checked for format version (the arrays are not read)."""
    meta_path, arrays_path = directory / META_FILE, directory / ARRAYS_FILE
    if not meta_path.is_file() or not arrays_path.is_file():
        raise FileNotFoundError(f"{directory} does not hold a saved model ({META_FILE} + {ARRAYS_FILE})")
    meta = json.loads(meta_path.read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        found = meta.get("format_version")
        raise ValueError(f"{directory}: format version {found!r}, this code reads {FORMAT_VERSION}")
    return meta


def read_files(directory: Path, mapped: frozenset[str] = frozenset()) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """model.json and arrays.npz of a saved model, checked for format version; arrays loaded without pickle.

    Arrays named in `mapped` of at least MAP_FROM_BYTES are memory-mapped, read-only, from the file:
    every web and worker process then shares one copy in the page cache (EASE's item weights are
    1.6 GB at 20,000 movies) and a load takes no time.
    """
    meta, arrays_path = read_meta(directory), directory / ARRAYS_FILE
    arrays = {}
    with zipfile.ZipFile(arrays_path) as archive:
        for info in archive.infolist():
            name = info.filename.removesuffix(".npy")
            if name in mapped and info.compress_type == zipfile.ZIP_STORED and info.file_size >= MAP_FROM_BYTES:
                arrays[name] = _mapped_member(arrays_path, info)
            else:
                with archive.open(info) as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
    return meta, arrays


def _mapped_member(path: Path, info: zipfile.ZipInfo) -> np.ndarray:
    """A .npy member stored uncompressed in the zip (as np.savez writes them), mapped in place."""
    with open(path, "rb") as raw:
        raw.seek(info.header_offset)
        local_header = raw.read(30)  # the zip local file header: the name and extra field follow it
        name_length, extra_length = struct.unpack("<HH", local_header[26:30])
        raw.seek(info.header_offset + 30 + name_length + extra_length)
        version = np.lib.format.read_magic(raw)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(raw)
        if dtype.hasobject:
            raise ValueError(f"{path}: {info.filename} holds Python objects; refusing to load it")
        offset = raw.tell()
    return np.memmap(path, dtype=dtype, mode="r", shape=shape, order="F" if fortran_order else "C", offset=offset)
