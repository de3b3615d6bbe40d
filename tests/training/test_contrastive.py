"""Contrastive fine-tuning of the bundled MiniLM on a handful of pairs (real model, tiny run)."""

import numpy as np
import pytest

from recommender.engine.embedder import Embedder, default_model_path
from recommender.engine.text import MovieText
from training.engine.contrastive import ContrastiveConfig, fine_tune, overview_pairs

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
