"""Reason truth and what people rule out in words: plain Python, no model, no database."""

from dataclasses import replace

import pytest

from recommender.engine.text.documents import MovieText
from recommender.engine.text.exclusions import ruled_out
from recommender.engine.text.reason_check import phrase_support, reason_problems

SCHINDLERS_LIST = MovieText(
    title="Schindler's List",
    year=1993,
    genres=["Drama", "War"],
    description="The true story of how businessman Oskar Schindler saved over a thousand Jewish lives from "
    "the Nazis while they worked as slaves in his factory during World War II.",
    keywords=["factory", "concentration camp", "holocaust"],
)
HEAT = MovieText(
    title="Heat",
    year=1995,
    genres=["Action", "Crime", "Thriller"],
    description="Obsessive master thief Neil McCauley leads a top-notch crew on various daring heists.",
    keywords=["robbery", "bank", "heist"],
)

PULP_FICTION = MovieText(
    title="Pulp Fiction",
    year=1994,
    genres=["Comedy", "Crime", "Drama", "Thriller"],
    description="A burger-loving hit man, his philosophical partner, a drug-addled gangster's moll and a washed-up "
    "boxer converge in this sprawling, comedic crime caper.",
    keywords=["boxer", "crime boss", "pulp fiction", "briefcase"],
)


def test_the_check_rejects_heist_movies_as_a_reason_for_schindlers_list():
    reason = "Because you said “I love heist movies”."
    assert reason_problems(reason, SCHINDLERS_LIST, {}) == [
        "quotes “I love heist movies”, which shares no genre, keyword or description term with Schindler's List"
    ]
    assert reason_problems(reason, HEAT, {}) == []


@pytest.mark.parametrize(
    ("phrase", "movie", "support"),
    [
        ("heist movies", HEAT, ["heist"]),  # a keyword
        ("daring heists", HEAT, ["heist", "daring"]),  # a keyword ("heists" stems), then a description term
        ("crime thrillers", HEAT, ["Crime", "Thriller"]),  # genres, through the lexicon
        ("war stories about courage", SCHINDLERS_LIST, ["War", "story"]),  # the movie's own word
        ("I really love good movies", HEAT, []),  # taste words say nothing about a film
        ("slow-burn science fiction", PULP_FICTION, []),  # "science fiction" is a genre, not the word "fiction"
        ("heist movies", PULP_FICTION, []),  # Crime is not enough: a heist must be in its keywords or story
        ("a crime caper", PULP_FICTION, ["Crime", "caper"]),
        ("war movies based on true stories", PULP_FICTION, []),  # names a genre it lacks: words cannot make up
        ("Hitchcock suspense", HEAT, []),  # a thriller, but not Hitchcock's
        ("a Michael Mann thriller", HEAT, []),  # its director is not in this metadata
        ("a Michael Mann thriller", replace(HEAT, directors=["Michael Mann"]), ["Thriller"]),
    ],
)
def test_a_phrase_is_supported_by_what_the_movie_shares_with_it(phrase, movie, support):
    assert phrase_support(phrase, movie) == support


def test_a_phrase_that_rules_something_out_is_never_a_reason_to_watch():
    assert phrase_support("no war movies", SCHINDLERS_LIST) == []
    assert phrase_support("nothing too violent", HEAT) == []


def test_a_cited_movie_must_be_rated_at_least_four_stars_and_as_stated():
    reason = "Because you gave Heat 4.5 stars: people who liked it also liked this."
    assert reason_problems(reason, SCHINDLERS_LIST, {"Heat": 4.5}) == []
    assert reason_problems(reason, SCHINDLERS_LIST, {}) == ["cites Heat, which the reader has not rated"]
    assert reason_problems(reason, SCHINDLERS_LIST, {"Heat": 3.5}) == [
        "cites Heat as liked, but the reader gave it 3.5 stars"
    ]
    assert reason_problems(reason, SCHINDLERS_LIST, {"Heat": 5.0}) == [
        "says the reader gave Heat 4.5 stars; they gave 5"
    ]
    with_year = "Because you gave Heat (1995) 4 stars and this is close to it."
    assert reason_problems(with_year, SCHINDLERS_LIST, {"Heat (1995)": 4.0}) == []


def test_a_movie_called_close_must_share_a_genre_with_the_recommended_one():
    reason = "Because you gave Heat (1995) 4 stars and this is close to it."
    rated = {"Heat (1995)": 4.0}
    assert reason_problems(reason, SCHINDLERS_LIST, rated, {"Heat (1995)": {"Action", "Crime", "Thriller"}}) == [
        "calls Schindler's List close to Heat (1995), but they share no genre"
    ]
    assert reason_problems(reason, SCHINDLERS_LIST, rated, {"Heat (1995)": {"Crime", "Drama"}}) == []
    co_liked = "Because you gave Heat (1995) 4 stars: people who liked it also liked this."  # no closeness claimed
    assert reason_problems(co_liked, SCHINDLERS_LIST, rated, {"Heat (1995)": {"Action"}}) == []


@pytest.mark.parametrize(
    ("text", "genre_sets", "concerns"),
    [
        ("I love slow-burn science fiction and heist movies; no horror", [{"Horror"}], ()),
        ("nothing too violent please", [], ("violence",)),
        ("I don't like horror or gore", [{"Horror"}], ("gore",)),
        ("not a fan of musicals or westerns", [{"Musical"}, {"Western"}], ()),
        ("Not a fan of romantic comedies.", [{"Romance", "Comedy"}], ()),  # films that are both, not all comedies
        ("no horror comedies or westerns", [{"Horror", "Comedy"}, {"Western"}], ()),
        ("nothing with drugs or nudity", [], ("drugs", "sex")),
        ("I'm not into romance, but I adore comedies", [{"Romance"}], ()),
        ("I love horror and gore", [], ()),
        ("less gory than Alien, please", [], ()),  # a soft wish, not a rule
        ("no problem with violence", [], ()),
        ("", [], ()),
    ],
)
def test_what_people_rule_out_in_their_words(text, genre_sets, concerns):
    rules = ruled_out(text)
    assert ([set(genre_set) for genre_set in rules.genre_sets], rules.concerns) == (genre_sets, concerns)


def test_a_ruled_out_concern_excludes_movies_by_their_keywords_and_a_genre_by_genre():
    rules = ruled_out("no horror, and nothing too violent")
    assert rules.describe() == "horror and violence"
    assert rules.excludes(genres=["Action", "Horror"], keywords=[])
    assert rules.excludes(genres=["Crime"], keywords=["bank", "Violence"])
    assert not rules.excludes(genres=["Crime"], keywords=["bank", "heist"])


def test_ruling_out_romantic_comedies_keeps_comedies_and_romances_and_says_it_in_the_users_words():
    rules = ruled_out("Not a fan of romantic comedies")
    assert rules.describe() == "romantic comedies"
    assert rules.excludes(genres=["Comedy", "Drama", "Romance"], keywords=[])
    assert not rules.excludes(genres=["Comedy"], keywords=[]) and not rules.excludes(genres=["Romance"], keywords=[])


def test_a_request_that_asks_for_a_ruled_out_genre_by_name_lifts_only_that_rule():
    rules = ruled_out("no horror, not a fan of romantic comedies, nothing too violent")
    for_horror = rules.without({"Horror"})
    assert for_horror.genre_sets == (frozenset({"Romance", "Comedy"}),) and for_horror.concerns == ("violence",)
    assert for_horror.describe() == "romantic comedies and violence"
    assert rules.without({"Comedy"}).describe() == "horror and violence"
    assert rules.without({"Western"}) is rules
