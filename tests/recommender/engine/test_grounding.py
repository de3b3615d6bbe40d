"""The grounding check that guards generated descriptions and reasons against invented facts."""

from recommender.engine.llm.prompts import MovieFacts
from recommender.engine.text.grounding import grounding_problems, is_grounded

HEAT = MovieFacts(
    title="Heat",
    year=1995,
    genres=["Action", "Crime", "Thriller"],
    keywords=["bank robbery", "los angeles"],
    directors=["Michael Mann"],
    cast=["Al Pacino", "Robert De Niro"],
)


def test_a_description_built_from_the_facts_is_grounded():
    text = (
        "Heat is a 1995 crime thriller directed by Michael Mann. Al Pacino and Robert De Niro face off "
        "in a tense story of a bank robbery in Los Angeles. Fans of action will enjoy it."
    )
    assert grounding_problems(text, HEAT) == []


def test_an_invented_person_is_rejected():
    problems = grounding_problems("Heat follows detective Al Pacini as he hunts a gang.", HEAT)
    assert problems == ["name 'Al Pacini' is not in the facts"]


def test_an_invented_year_is_rejected_but_the_movies_decade_is_allowed():
    assert grounding_problems("In 2013, a crew plans a robbery.", HEAT) == ["year 2013 is not in the facts"]
    assert is_grounded("A taut 1990s crime thriller.", HEAT)
    assert not is_grounded("A taut 1980s crime thriller.", HEAT)


def test_an_invented_quoted_title_is_rejected():
    problems = grounding_problems('Like "The Lion King", it is about courage.', HEAT)
    assert 'title "The Lion King" is not in the facts' in problems


def test_a_name_at_the_start_of_a_sentence_is_still_checked():
    assert not is_grounded("A robbery goes wrong. Kubak must escape the city.", HEAT)
    assert is_grounded("A robbery goes wrong. Haunted by the past, the thieves must escape.", HEAT)


def test_extra_known_text_can_widen_what_is_allowed():
    text = "If you enjoyed Ronin, you might love Heat for its tense robbery."
    assert not is_grounded(text, HEAT)
    assert is_grounded(text, HEAT, also_allowed=["Ronin"])
