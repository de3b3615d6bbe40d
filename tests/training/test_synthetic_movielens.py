"""The synthetic ml-25m-shaped folder: deterministic, shaped as promised, and read and imported by
the real MovieLens importer."""

import numpy as np
import pytest
from django.core.management import call_command

from catalog.importers.movielens import read_movielens_folder
from catalog.imports import dataset_import
from catalog.models import Movie, Rating
from recommender.engine.cf import EASE, EASEConfig, Popularity
from recommender.engine.cf.data import Interactions
from recommender.engine.evaluation.offline import evaluate_models
from recommender.engine.evaluation.splits import stratified_split
from training.engine.synthetic.movielens import GENRES, SyntheticShape, parse_size, write_synthetic_movielens


def test_the_same_seed_writes_the_same_files_and_another_seed_does_not(tmp_path):
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        write_synthetic_movielens(tmp_path / name, 3000, seed=seed)
    ratings = {name: (tmp_path / name / "ratings.csv").read_bytes() for name in "abc"}
    assert ratings["a"] == ratings["b"] != ratings["c"]
    assert (tmp_path / "a" / "movies.csv").read_bytes() == (tmp_path / "b" / "movies.csv").read_bytes()


def test_the_shape_follows_ml25m(tmp_path):
    shape = write_synthetic_movielens(tmp_path, 20_000, seed=3)
    dataset = read_movielens_folder(tmp_path)
    ratings = dataset.ratings  # columns (RatingColumns), as the importer reads a large file
    _, per_user = np.unique(ratings.user_ids, return_counts=True)
    assert len(ratings) == shape.ratings and 0.95 * 20_000 <= shape.ratings <= 20_000
    assert len(per_user) == shape.users and per_user.min() >= 20  # as in ml-25m
    assert 3.45 < ratings.values.mean() < 3.6 and set(ratings.values.tolist()) <= {n / 2 for n in range(1, 11)}
    assert {genre for movie in dataset.movies for genre in movie.genres} <= set(GENRES)
    pairs = np.unique(np.stack([ratings.user_ids, ratings.item_ids], axis=1), axis=0)
    assert len(pairs) == len(ratings)  # one rating per user and movie


def test_sizes_are_read_as_people_write_them():
    assert [parse_size(text) for text in ("100k", "1M", "2.5m", "25_000_000")] == [
        100_000, 1_000_000, 2_500_000, 25_000_000]  # fmt: skip
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")
    assert SyntheticShape.for_ratings(25_000_095).movies == 59_047


@pytest.mark.django_db
def test_the_command_writes_a_folder_the_real_importer_imports(tmp_path):
    call_command("synthetic_movielens", "--ratings", "2k", "--seed", "5", "--out", str(tmp_path))
    dataset = read_movielens_folder(tmp_path, "synthetic")
    result = dataset_import(dataset=dataset)
    assert Rating.objects.count() == len(dataset.ratings) == result.ratings_written
    assert Movie.objects.count() == len(dataset.movies)


def test_people_choose_movies_by_taste_so_a_recommender_beats_popularity(tmp_path):
    """Which movies a person rates follows their taste, as in real data: with choice by popularity
    alone, popularity was the best possible ranking and the scale benchmark's quality row meant nothing."""
    write_synthetic_movielens(tmp_path, 20_000, seed=3)
    columns = read_movielens_folder(tmp_path).ratings
    data = Interactions(columns.user_ids, columns.item_ids, columns.values, columns.timestamps.astype(np.float64))
    train, test = stratified_split(data, test_fraction=0.2, seed=0)
    results = evaluate_models({"popularity": Popularity(), "ease": EASE(EASEConfig(lam=100.0))}, train, test, k=10)
    assert results["ease"]["metrics"]["ndcg"] > 1.2 * results["popularity"]["metrics"]["ndcg"]
