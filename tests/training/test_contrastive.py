"""Contrastive fine-tuning of the bundled MiniLM on a handful of pairs (real model, tiny run)."""

import numpy as np
import pytest

from recommender.engine.text.documents import MovieText
from recommender.engine.text.embedder import Embedder, default_model_path
from training.engine.contrastive import (
    ContrastiveConfig,
    coliked_pairs,
    contrastive_examples,
    fine_tune,
    overview_pairs,
    overview_triplets,
)

TEXTS = {
    1: MovieText("Deep Space Horror", 1979, ["Horror", "Sci-Fi"], "A crew is hunted by an alien aboard their ship."),
    2: MovieText("The Last Heist", 1995, ["Crime"], "Bank robbers plan one final job before retiring."),
    3: MovieText("Summer Picnic", 2001, ["Romance"], "Two strangers fall in love in the countryside."),
    4: MovieText("Gridiron", 1988, ["Drama"], "A small-town football team fights for the title."),
    5: MovieText("No Overview", 1990, ["Comedy"]),
}


def test_pairs_match_each_story_to_its_own_metadata_and_skip_held_out_movies():
    pairs = overview_pairs(TEXTS, exclude={4}, limit=10, seed=0)
    assert len(pairs) == 3  # movie 4 is held out, movie 5 has no overview
    for story, document in pairs:
        movie = next(text for text in TEXTS.values() if text.description == story)
        assert document.startswith(f"{movie.title} ({movie.year}).") and story not in document


@pytest.mark.ml
def test_fine_tuning_saves_a_model_that_embeds_and_has_moved(tmp_path):
    pairs = overview_pairs(TEXTS, exclude=set(), limit=10, seed=0)
    losses = []
    config = ContrastiveConfig(epochs=2, batch_size=4, lr=5e-5, max_seq_length=32)
    output = fine_tune(default_model_path(), pairs, config, tmp_path / "tuned", lambda s, t, loss: losses.append(loss))
    assert len(losses) == 2 and losses[-1] < losses[0]
    texts = [story for story, _ in pairs]
    tuned = Embedder(output, name="tuned").encode(texts)
    base = Embedder().encode(texts)
    assert tuned.shape == base.shape == (4, 384)
    assert np.allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-4)
    assert not np.allclose(tuned, base, atol=1e-3)


def test_a_bad_config_is_refused():
    with pytest.raises(ValueError, match="batch_size >= 2"):
        ContrastiveConfig(batch_size=1)


SIMILAR = {
    1: MovieText("Deep Space Horror", 1979, ["Horror", "Sci-Fi"], "A crew is hunted by an alien aboard their ship."),
    2: MovieText("Orbit", 1983, ["Sci-Fi"], "Astronauts stranded on a station fight to get home."),
    3: MovieText("The Last Heist", 1995, ["Crime"], "Bank robbers plan one final job.", directors=["Ann Lee"]),
    4: MovieText("Vault Job", 1997, ["Crime"], "Thieves break into a casino vault.", directors=["Ann Lee"]),
    5: MovieText("Safe Cracker", 1999, ["Crime"], "A locksmith is forced to open a safe."),
    6: MovieText("Summer Picnic", 2001, ["Romance"], "Two strangers fall in love in the countryside."),
}


def test_each_hard_negative_is_a_different_movie_sharing_the_most_traits():
    triplets = overview_triplets(SIMILAR, exclude=set(), limit=10, seed=0)
    by_story = {example[0]: example for example in triplets}
    assert len(by_story[SIMILAR[1].description]) == 3  # the romance shares nothing: it stays a pair
    assert len(by_story[SIMILAR[6].description]) == 2
    # Deep Space Horror's only neighbour by genre is Orbit (Sci-Fi), never itself.
    assert by_story[SIMILAR[1].description][2].startswith("Orbit (1983). Genres: Sci-Fi.")
    # The Last Heist shares Crime with two films and its director with one: that one is harder.
    negative = by_story[SIMILAR[3].description][2]
    assert negative.startswith("Vault Job (1997).") and SIMILAR[4].description not in negative


def test_held_out_movies_are_never_hard_negatives():
    triplets = overview_triplets(SIMILAR, exclude={4}, limit=10, seed=0)
    assert all("Vault Job" not in text for example in triplets for text in example)
    heist = next(example for example in triplets if example[0] == SIMILAR[3].description)
    assert heist[2].startswith("Safe Cracker (1999).")  # the next best Crime film


def test_the_config_chooses_triplets_or_pairs():
    with_negatives = contrastive_examples(SIMILAR, exclude=set(), config=ContrastiveConfig(max_pairs=10))
    plain = contrastive_examples(SIMILAR, exclude=set(), config=ContrastiveConfig(max_pairs=10, hard_negatives=False))
    assert {len(example) for example in with_negatives} == {2, 3} and {len(example) for example in plain} == {2}


@pytest.mark.ml
def test_fine_tuning_with_hard_negatives_lowers_the_loss(tmp_path):
    triplets = overview_triplets(SIMILAR, exclude=set(), limit=10, seed=0)
    losses = []
    config = ContrastiveConfig(epochs=3, batch_size=6, lr=5e-5, max_seq_length=32)
    fine_tune(default_model_path(), triplets, config, tmp_path / "tuned", lambda s, t, loss: losses.append(loss))
    assert len(losses) == 3 and losses[-1] < losses[0]


DOCUMENTS = {movie: f"document of movie {movie}" for movie in range(1, 31)}
MOVIE_OF = {text: movie for movie, text in DOCUMENTS.items()}


def test_coliked_pairs_join_two_distinct_movies_liked_by_the_same_user():
    liked = {1: [1, 2, 3, 4], 2: [10, 11, 12], 3: [20, 21, 22, 23, 24]}
    pairs = coliked_pairs(liked, DOCUMENTS, limit=50, seed=0)
    assert pairs
    for first, second in pairs:
        a, b = MOVIE_OF[first], MOVIE_OF[second]
        assert a != b and any({a, b} <= set(movies) for movies in liked.values())
    assert len({frozenset(pair) for pair in pairs}) == len(pairs)  # each pair drawn once


def test_coliked_pairs_use_only_the_movies_given_and_skip_those_without_a_document():
    documents = {movie: text for movie, text in DOCUMENTS.items() if movie != 3}
    pairs = coliked_pairs({1: [1, 2, 3, 4], 2: [5, 99]}, documents, limit=50, seed=0)
    used = {MOVIE_OF[text] for pair in pairs for text in pair}
    assert used <= {1, 2, 4}  # 3 has no document; user 2 has a single movie with one


def test_coliked_pairs_cap_heavy_users_and_popular_movies():
    heavy = {1: list(range(1, 31))}  # one user who liked everything
    fans = {user: [1, 2 + user] for user in range(2, 20)}  # many users who all liked movie 1
    pairs = coliked_pairs({**heavy, **fans}, DOCUMENTS, limit=1000, seed=0, per_user=3, per_movie=4)
    movies = [{MOVIE_OF[text] for text in pair} for pair in pairs]
    counts = {movie: sum(movie in pair for pair in movies) for movie in DOCUMENTS}
    assert max(counts.values()) <= 4 and counts[1] == 4  # the blockbuster stops at its cap
    assert sum(1 not in pair for pair in movies) <= 3  # only the heavy user has pairs without movie 1
    assert len(pairs) <= 3 + 4


def test_coliked_pairs_stop_at_the_limit_and_are_reproducible():
    liked = {user: list(range(1, 31)) for user in range(10)}
    first = coliked_pairs(liked, DOCUMENTS, limit=7, seed=3)
    assert len(first) == 7 and first == coliked_pairs(liked, DOCUMENTS, limit=7, seed=3)
