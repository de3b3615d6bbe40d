"""Reasons for free-text results (recommender/engine/narrative/reasons.py): each claim is the film's own data."""

from recommender.engine.narrative.reasons import match_reason

AMELIE = {
    "keywords": ["paris", "waitress"],
    "genres": ["Comedy", "Romance"],
    "description": "A shy waitress decides to change the lives of those around her.",
    "year": 2001,
    "facts": ["Foreign language film in French, from France", "Nominated for 5 Oscars."],
}


def test_a_fact_is_quoted_whole_when_the_request_asks_for_it():
    assert match_reason("a French romantic comedy", **AMELIE) == (
        "Comedy and Romance, as asked · Matches “french”: Foreign language film in French, from France"
    )
    assert match_reason("oscar nominated foreign language films", **AMELIE) == (
        "Matches “foreign”, “language”: Foreign language film in French, from France · "
        "Matches “nominated”, “oscar”: Nominated for 5 Oscars"
    )


def test_a_fact_the_request_does_not_touch_is_not_claimed():
    assert match_reason("a film set in paris", **AMELIE) == "Matches “paris”: keywords paris"
    assert match_reason("something about whales", **AMELIE) == "Comedy, Romance, 2001"


def test_a_hyphenated_request_word_matches_its_parts():
    assert match_reason("foreign-language films", **AMELIE) == (
        "Matches “foreign”, “language”: Foreign language film in French, from France"
    )


def test_one_very_common_word_shared_with_the_story_is_no_evidence():
    story = "Framed for murder, a banker starts a new life in prison and finds a family of friends."
    film = {"keywords": [], "genres": ["Drama"], "year": 1994, "description": story}
    assert match_reason("a family film", **film) == "Drama, 1994"  # "family" alone: a plain line
    assert match_reason("a banker in prison", **film) == f"Matches “banker”, “prison”: “{story}”"


def test_a_film_matching_no_word_shows_the_true_line_it_is_given_and_loss_is_not_los_angeles():
    film = {"keywords": ["los angeles"], "genres": ["Drama"], "description": "", "year": 1993}
    assert match_reason("a sad film about loss", **film) == "Drama, 1993"
    assert match_reason("a sad film about loss", **film, otherwise="Liked by people who liked Heat") == (
        "Liked by people who liked Heat"
    )
