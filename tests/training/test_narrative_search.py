"""Free-text search parts on the real database: full-text ranking over the embedded documents,
and the narrative data builder with the real local model as the likelihood scorer."""

import numpy as np
import pytest

from catalog.models import Rating
from recommender.engine.text.embedder import DIMENSIONS
from recommender.models import MovieEmbedding
from recommender.selectors.fulltext import fulltext_ranking
from recommender.services import llm as llm_service
from tests.recommender.scripted_llm import ScriptedLLM
from training.engine.synthetic.retrieval_set import split_of
from training.services.narrative_data import narrative_examples

DOCUMENTS = {
    "The Vault": "The Vault (1999). Genres: Crime, Thriller. A crew of thieves plans a bank heist; the twist: one of "
    "them is an undercover cop. Keywords: heist, bank robbery, twist ending.",
    "Summer Picnic": "Summer Picnic (2001). Genres: Romance. Two strangers fall in love in the countryside.",
    "Deep Space": "Deep Space (1979). Genres: Horror, Sci-Fi. A crew is hunted by an alien aboard their ship.",
    "Picture Show": "Picture Show (1994). Genres: Comedy. A film-maker shoots the worst movie ever, a good story.",
}


@pytest.fixture
def embedded(make_movie):
    rng = np.random.default_rng(0)
    movies = {}
    for title, document in DOCUMENTS.items():
        movie = make_movie(title)
        vector = rng.normal(size=DIMENSIONS)
        MovieEmbedding.objects.create(movie=movie, vector=(vector / np.linalg.norm(vector)).tolist(),
                                      model_name="test", document=document, document_hash="x")  # fmt: skip
        movies[title] = movie.pk
    return movies


def test_fulltext_ranks_the_document_matching_most_request_words_first(embedded):
    ranked = fulltext_ranking("a bank heist movie with a twist ending")
    assert ranked[0] == embedded["The Vault"] and embedded["Summer Picnic"] not in ranked
    assert fulltext_ranking("a crew in trouble")[:2] and set(fulltext_ranking("crew")) == {
        embedded["The Vault"],
        embedded["Deep Space"],
    }


def test_fulltext_reads_a_long_request_as_any_of_its_words_and_respects_the_corpus(embedded):
    long_request = "My partner and I want something romantic, maybe strangers falling in love somewhere green"
    assert fulltext_ranking(long_request)[0] == embedded["Summer Picnic"]
    assert fulltext_ranking("crew", movie_ids=[embedded["Deep Space"]]) == [embedded["Deep Space"]]


def test_words_of_asking_do_not_match_a_film_about_films(embedded):
    assert embedded["Picture Show"] not in fulltext_ranking("a good survival movie, best film story please")
    assert fulltext_ranking("something good to watch tonight") == []


def test_fulltext_of_stop_words_or_symbols_finds_nothing_rather_than_everything(embedded):
    assert fulltext_ranking("the and of") == [] and fulltext_ranking("?!&|") == [] and fulltext_ranking("") == []
    assert fulltext_ranking("heist", limit=0) == []


@pytest.mark.ml
@pytest.mark.slow
def test_a_narrative_that_names_a_liked_film_is_rewritten_and_the_liked_films_are_ordered_by_likelihood(
    make_user, make_movie, monkeypatch
):
    user = make_user()
    split = split_of(user.pk, seed=42, salt="user")
    stories = [("Vault Job", "Thieves plan a casino heist with a double cross."),
               ("Safe House", "A locksmith is forced to open a bank safe for robbers."),
               ("Garden Love", "Two gardeners fall in love over one summer."),
               ("Market Day", "A baker and a florist fall for each other at the market.")]  # fmt: skip
    liked = []
    for number in range(400):  # enough movies that four of them land in the user's split
        if len(liked) == len(stories):
            break
        movie = make_movie(f"Filler {number}")
        if split_of(movie.pk, seed=42, salt="movie") == split:
            title, overview = stories[len(liked)]
            movie.title, movie.overview = title, overview
            movie.save()
            liked.append(movie)
    for movie in liked:
        Rating.objects.create(user=user, movie=movie, value=5, rated_at="2020-01-01T00:00:00Z")
    writer = ScriptedLLM([" like Vault Job, a heist with a double cross at the casino and a safe to crack.",
                          " a heist with thieves, a double cross at the casino and a bank safe to crack."])  # fmt: skip
    monkeypatch.setattr(llm_service, "generator", lambda: writer)
    examples, stats = narrative_examples(seed=42, users=5)
    assert stats["written"] == 1 and stats["rejected"] == {"names a film": 1}
    for example in examples:  # kept unless random films explained it as well (then dropped, and counted)
        assert "vault job" not in example.query.lower() and example.split == split
        scores = dict(zip(example.source["candidates"], example.source["log_likelihood"], strict=True))
        assert example.relevant == sorted(scores, key=lambda m: -scores[m])[:3]
    assert len(examples) + stats["dropped_unexplained"] == 1
