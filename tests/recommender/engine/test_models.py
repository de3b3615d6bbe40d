"""Behaviour every engine model shares: ranking, fallbacks, fold-in, persistence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recommender.engine.cf import EASE, MODEL_CLASSES, Popularity, SurpriseSVD, base, load_model
from recommender.engine.cf.data import Interactions

from .conftest import GROUP_A_ITEMS, GROUP_A_USERS, GROUP_B_USERS, MODEL_FACTORIES, PERSONAL, group_items

ALL = list(MODEL_FACTORIES)


@pytest.mark.parametrize("name", ALL)
def test_fit_on_empty_interactions_raises_clear_error(name):
    with pytest.raises(ValueError, match="empty interactions"):
        MODEL_FACTORIES[name]().fit(Interactions.empty())


@pytest.mark.parametrize("name", ALL)
def test_scores_are_float32_and_aligned_with_item_ids(name, fitted, block_data):
    model = fitted[name]
    scores = model.score(GROUP_A_USERS[0])
    assert scores.dtype == np.float32
    assert scores.shape == model.item_ids.shape == (len(block_data.unique_items()),)


@pytest.mark.parametrize("name", ALL)
def test_recommend_excludes_seen_items_and_sorts_highest_first(name, fitted):
    model = fitted[name]
    user = GROUP_B_USERS[0]
    recs = model.recommend(user, k=10)
    items = [item for item, _ in recs]
    scores = [score for _, score in recs]
    assert len(recs) == 10
    assert not set(items) & set(model.seen_item_ids(user).tolist())
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(item, int) and isinstance(score, float) for item, score in recs)


@pytest.mark.parametrize("name", ALL)
def test_recommend_honours_extra_exclusions_and_can_include_seen_items(name, fitted):
    model = fitted[name]
    user = GROUP_A_USERS[0]
    first = model.recommend(user, k=1)[0][0]
    assert first not in [item for item, _ in model.recommend(user, k=10, exclude_item_ids=[first])]
    with_seen = {item for item, _ in model.recommend(user, k=40, exclude_seen=False)}
    assert set(model.seen_item_ids(user).tolist()) <= with_seen


@pytest.mark.parametrize("name", ALL)
def test_unknown_user_gets_popularity_order(name, fitted, block_data):
    model = fitted[name]
    counts = {int(item): int((block_data.item_ids == item).sum()) for item in block_data.unique_items()}
    recs = model.recommend(999_999, k=len(counts))
    assert [item for item, _ in recs] == sorted(counts, key=lambda item: (-counts[item], item))
    # No ratings given is the same as an unknown user.
    assert model.recommend_for_ratings([], [], k=5) == recs[:5]


@pytest.mark.parametrize("name", ALL)
def test_unknown_item_ids_are_ignored(name, fitted):
    model = fitted[name]
    items, ratings = GROUP_A_ITEMS[:4], [5.0, 4.5, 5.0, 4.0]
    plain = model.score_for_ratings(items, ratings)
    noisy = model.score_for_ratings([*items, 55_555, -1], [*ratings, 5.0, 1.0])
    np.testing.assert_allclose(noisy, plain, rtol=1e-6)
    recs = model.recommend(GROUP_A_USERS[0], k=5, exclude_item_ids=[77_777])
    assert len(recs) == 5 and 77_777 not in [item for item, _ in recs]
    if hasattr(model, "predict"):
        prediction = model.predict(GROUP_A_USERS[0], [55_555])
        assert prediction.shape == (1,) and 0.5 <= prediction[0] <= 5.0


@pytest.mark.parametrize("name", PERSONAL)
def test_model_recommends_unseen_items_of_the_users_group_first(name, fitted):
    model = fitted[name]
    for user in (GROUP_A_USERS[0], GROUP_A_USERS[7], GROUP_B_USERS[0], GROUP_B_USERS[7]):
        top = [item for item, _ in model.recommend(user, k=5)]
        assert set(top) <= group_items(user), f"{name} user {user}: {top}"


@pytest.mark.parametrize("name", PERSONAL)
def test_fold_in_user_gets_personal_ranking_without_retrain(name, fitted):
    model = fitted[name]
    before = {key: value.copy() for key, value in vars(model).items() if isinstance(value, np.ndarray)}
    likes_a = model.recommend_for_ratings([101, 102, 103, 104, 121], [5.0, 5.0, 4.5, 5.0, 1.0], k=5)
    likes_b = model.recommend_for_ratings([121, 122, 123, 124, 101], [5.0, 4.5, 5.0, 5.0, 1.0], k=5)
    assert {item for item, _ in likes_a} <= set(GROUP_A_ITEMS) - {101, 102, 103, 104}
    assert {item for item, _ in likes_b} <= set(range(125, 141))
    assert 999_999 not in model.user_ids  # the fold-in user was not added
    for key, value in before.items():
        np.testing.assert_array_equal(getattr(model, key), value)


@pytest.mark.parametrize("name", ALL)
def test_save_load_round_trip_gives_identical_scores(name, fitted, tmp_path):
    model = fitted[name]
    model.save(tmp_path / "model")
    assert sorted(path.name for path in (tmp_path / "model").iterdir()) == ["arrays.npz", "model.json"]
    loaded = type(model).load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.item_ids, model.item_ids)
    for user in (GROUP_A_USERS[0], GROUP_B_USERS[3], 999_999):
        np.testing.assert_array_equal(loaded.score(user), model.score(user))
        assert loaded.recommend(user, k=7) == model.recommend(user, k=7)
    np.testing.assert_array_equal(
        loaded.score_for_ratings([101, 130], [5.0, 2.0]), model.score_for_ratings([101, 130], [5.0, 2.0])
    )
    if hasattr(model, "predict"):
        np.testing.assert_array_equal(loaded.predict(3, [101, 125]), model.predict(3, [101, 125]))
    assert type(load_model(tmp_path / "model")) is type(model)


def test_saved_model_is_plain_json_and_npz_without_pickles(fitted, tmp_path):
    fitted["svdpp"].save(tmp_path)
    meta = json.loads((tmp_path / "model.json").read_text())
    assert meta["kind"] == "svdpp" and meta["format_version"] == 1 and meta["config"]["factors"] == 8
    with np.load(tmp_path / "arrays.npz", allow_pickle=False) as arrays:
        assert "implicit_factors" in arrays.files
        assert all(arrays[name].dtype != object for name in arrays.files)


def test_load_refuses_another_kind_and_another_format_version(fitted, tmp_path):
    fitted["ease"].save(tmp_path)
    with pytest.raises(ValueError, match="'ease' model"):
        SurpriseSVD.load(tmp_path)
    meta = json.loads((tmp_path / "model.json").read_text())
    (tmp_path / "model.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(ValueError, match="format version"):
        EASE.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "nothing-here")


def test_model_classes_cover_every_kind():
    assert set(MODEL_CLASSES) == {"popularity", "svd", "svdpp", "ease"}


def test_scoring_before_fit_is_a_clear_error():
    with pytest.raises(RuntimeError, match="not fitted"):
        Popularity().score(1)


@pytest.mark.parametrize("name", ["ease", "svd"])
def test_large_arrays_are_mapped_from_the_file_and_score_the_same(name, fitted, tmp_path, monkeypatch):
    """Every process maps one copy of a large item-item matrix instead of reading its own."""
    model = fitted[name]
    model.save(tmp_path)
    monkeypatch.setattr(base, "MAP_FROM_BYTES", 1)  # the block data's small arrays count as large
    loaded = type(model).load(tmp_path)
    large = loaded.weights if name == "ease" else loaded.item_factors
    assert _is_mapped(large) and not large.flags.writeable and _is_mapped(loaded.seen_items)
    assert not _is_mapped(loaded.popularity)  # only the arrays a model names are mapped
    for user in (GROUP_A_USERS[0], GROUP_B_USERS[3], 999_999):
        np.testing.assert_array_equal(loaded.score(user), model.score(user))
    np.testing.assert_array_equal(loaded.score_for_ratings([101, 130], [5.0, 2.0]),
                                  model.score_for_ratings([101, 130], [5.0, 2.0]))  # fmt: skip
    monkeypatch.setattr(base, "MAP_FROM_BYTES", 64 * 2**20)
    assert not _is_mapped(type(model).load(tmp_path).seen_items)  # small ones are read, as before


def _is_mapped(array: np.ndarray) -> bool:
    while array is not None:
        if isinstance(array, np.memmap) or type(array).__name__ == "mmap":
            return True
        array = array.base
    return False
