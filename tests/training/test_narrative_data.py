"""The free-text search data set: theme grammar, narrative checks, likelihood filter, splits."""

import re

import pytest

from recommender.engine.evaluation.retrieval import mean_metrics, request_metrics
from recommender.engine.llm.prompts import MovieFacts
from recommender.engine.query.graph import CatalogGraph, GraphMovie
from training.engine.synthetic.narratives import (
    best_explained,
    cleaned,
    invented_name,
    names_title,
    narrative_problem,
    narrative_prompt,
)
from training.engine.synthetic.retrieval_set import SPLITS, movies_by_split, split_of
from training.engine.synthetic.themes import TEMPLATES, ThemeGenerator

PEOPLE = frozenset({"michael mann", "al pacino"})


def _graph(n: int = 600) -> CatalogGraph:
    """A catalog where every keyword is carried by many movies of every split."""
    keywords = ["heist", "time travel", "revenge", "dystopia", "vampire", "duringcreditsstinger"]
    genres = ["Crime", "Sci-Fi", "Thriller", "Horror", "Drama"]
    movies = {
        i: GraphMovie(
            id=i,
            title=f"Film {i}",
            year=1950 + i % 60,
            genres=(genres[i % 5], genres[(i + 2) % 5]),
            keywords=(keywords[i % 6], keywords[(i // 6) % 6]),
        )  # fmt: skip
        for i in range(1, n + 1)
    }
    return CatalogGraph(movies)


def test_theme_requests_name_only_movies_of_their_own_split_that_carry_every_trait():
    graph = _graph()
    generator = ThemeGenerator(graph, seed=7)
    for split in SPLITS:
        examples = generator.generate(40, split)
        assert len(examples) == 40 and len({example.query for example in examples}) == 40
        for example in examples:
            assert example.split == split and len(example.relevant) >= 2
            for movie_id in example.relevant:
                movie = graph.movies[movie_id]
                assert split_of(movie_id, seed=7, salt="movie") == split
                for kind, value in example.source["traits"]:
                    carried = {"keyword": movie.keywords, "genre": movie.genres, "decade": (movie.decade,)}[kind]
                    assert value in carried
            assert "duringcreditsstinger" not in example.query


def test_theme_generation_is_deterministic_for_a_seed_and_test_phrasings_are_not_trained_on():
    first = ThemeGenerator(_graph(), seed=3).generate(30, "train")
    again = ThemeGenerator(_graph(), seed=3).generate(30, "train")
    assert [e.query for e in first] == [e.query for e in again]
    test = ThemeGenerator(_graph(), seed=3).generate(60, "test")

    def phrasings(side: str) -> list[re.Pattern]:  # a template as a pattern: each slot any words
        return [re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(template)))
                for templates in TEMPLATES.values() for template in templates[side]]  # fmt: skip

    held_out = phrasings("held_out")
    for example in first:
        assert not any(pattern.fullmatch(example.query) for pattern in held_out), example.query
    for example in test:
        assert any(pattern.fullmatch(example.query) for pattern in held_out), example.query


def test_no_movie_or_user_is_in_two_splits_and_shares_are_close_to_70_15_15():
    split = movies_by_split(range(1, 10001), seed=42)
    assert sum(len(ids) for ids in split.values()) == 10000
    assert not set(split["train"]) & set(split["test"]) and not set(split["validation"]) & set(split["test"])
    assert 6700 < len(split["train"]) < 7300 and 1300 < len(split["test"]) < 1700
    assert split_of(5, seed=42, salt="user") == split_of(5, seed=42, salt="user")


def test_a_request_that_names_a_described_film_or_a_person_is_rejected():
    titles = ["Heat", "The Usual Suspects", "Her"]
    text = "I want a slow crime story like The Usual Suspects with a twist at the end please"
    assert narrative_problem(text, titles=titles, people=PEOPLE).startswith("names a film")
    text = "I want a tense cop and robber story directed by michael mann in the city at night"
    assert narrative_problem(text, titles=titles, people=PEOPLE) == "names a person: michael mann"
    text = "I want a quiet film about her loneliness and the heat of a long summer in the city"
    assert narrative_problem(text, titles=titles, people=PEOPLE) is None  # everyday words, not the titles
    assert names_title("Something like Her, about a lonely man and his computer", "Her")
    assert narrative_problem("I want fun", titles=titles, people=PEOPLE).startswith("too short")
    text = "Genres: Crime, Drama. Keywords: heist. I want something like these films tonight"
    assert narrative_problem(text, titles=titles, people=PEOPLE) == "copies the prompt's layout"


def test_a_name_the_writer_invented_is_caught_but_one_from_the_story_is_not():
    prompt = "Story: Henry Hill rises in the mob in New York."
    assert invented_name("I want a film about a cop named Jack who fights crime", prompt) == "Jack"
    assert invented_name("I want a film about someone like Henry Hill in New York", prompt) is None


def test_the_prompt_never_shows_a_title_or_a_person_to_the_writer():
    heat = MovieFacts("Heat", 1995, ["Crime"], "Al Pacino hunts Robert De Niro's crew in Heat's Los Angeles.",
                      keywords=["heist"], directors=["Michael Mann"], cast=["Al Pacino", "Robert De Niro"])  # fmt: skip
    content = narrative_prompt([heat])[-1]["content"]
    for name in ("Heat", "Pacino", "De Niro", "Michael Mann", "1995"):
        assert name not in content
    assert "heist" in content and "Crime" in content


def test_cleaning_keeps_the_request_and_drops_the_chat_after_it():
    text = "I'm in the mood for a film about a hero who saves others. I'd love to see it! What do you think?"
    assert cleaned(text) == "I'm in the mood for a film about a hero who saves others. I'd love to see it!"
    assert cleaned('Request: "I want a dark western."') == "I want a dark western."
    assert cleaned("I want a dark western. And then the man went to") == "I want a dark western."


def test_the_likelihood_filter_keeps_the_films_that_best_explain_the_request_best_first():
    assert best_explained([10, 11, 12, 13], [-3.0, -1.5, -2.0, -1.5], keep=3) == [11, 13, 12]
    with pytest.raises(ValueError):
        best_explained([1, 2], [0.0], keep=1)


def test_retrieval_metrics_of_one_request():
    metrics = request_metrics([5, 1, 7, 2], {1, 2, 9}, k=10, depth=100)
    assert metrics["mrr"] == 0.5 and metrics["p@10"] == pytest.approx(0.2)
    assert metrics["recall@100"] == pytest.approx(2 / 3)
    assert metrics["map@100"] == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert request_metrics([3, 4], {1}, k=10)["mrr"] == 0.0
    assert mean_metrics([metrics, request_metrics([1], {1})])["requests"] == 2
    with pytest.raises(ValueError):
        request_metrics([1], set())


def test_the_likelihood_ablation_scores_three_relevant_sets_of_the_same_size_on_one_ranking():
    from training.engine.synthetic.retrieval_set import RetrievalExample
    from training.services.narrative_eval import likelihood_filter_ablation

    class FixedRanking:
        def rank(self, queries, corpus, depth=100):
            return [[1, 2, 3, 20, 21] for _ in queries]

    source = {"described": [1, 4, 2], "candidates": [1, 2, 3, 4, 5, 6]}
    examples = [RetrievalExample("a quiet film about a lighthouse", "narrative", [1, 2, 3], "test", source),
                RetrievalExample("a heist", "theme", [20], "test")]  # fmt: skip
    results = likelihood_filter_ablation(FixedRanking(), examples, {"test": list(range(1, 30))})
    assert set(results) == {"kept by the filter", "shown to the writer", "random liked (no filter)"}
    assert results["kept by the filter"]["p@10"] == pytest.approx(0.3)
    assert results["shown to the writer"]["p@10"] == pytest.approx(0.2)
    assert all(row["requests"] == 1 for row in results.values())  # theme requests are not part of it
