"""The template reasons of "more like this" claim only what the two movies' data holds."""

from recommender.engine.text.documents import MovieText
from recommender.services.reasons import co_liked_reason, similar_reason


def test_a_reason_names_what_both_share_or_claims_nothing_it_cannot_show():
    heat = MovieText("Heat", 1995, ["Crime", "Thriller"], directors=["Michael Mann"], keywords=["heist"])
    thief = MovieText("Thief", 1981, ["Crime", "Drama"], directors=["Michael Mann"], keywords=["heist", "safe"])
    assert similar_reason("Heat (1995)", heat, "Thief (1981)", thief) == (
        "If you enjoyed Heat (1995), you might love Thief (1981) for its crime streak; the same director, "
        "Michael Mann; and shared themes (heist)."
    )
    bare = MovieText("Heatwave", 1982, ["Romance"])  # nothing in common, and neither has a description
    assert similar_reason("Heat (1995)", heat, "Heatwave (1982)", bare) == (
        "If you enjoyed Heat (1995), you might also try Heatwave (1982)."
    )
    told = MovieText("Heat", 1995, ["Crime"], description="A detective hunts a crew of thieves.")
    other = MovieText("Manhunt", 2001, ["Romance"], description="A detective hunts a thief across Europe.")
    assert similar_reason("Heat (1995)", told, "Manhunt (2001)", other).endswith(
        "their stories are told in much the same terms."
    )


def test_the_audience_reason_states_the_count_and_only_shared_metadata():
    heat = MovieText("Heat", 1995, ["Crime", "Thriller"])
    rock = MovieText("The Rock", 1996, ["Action", "Thriller"])
    assert co_liked_reason("Heat (1995)", heat, "The Rock (1996)", rock, 32) == (
        "32 people who liked Heat (1995) also liked The Rock (1996). In common: thriller."
    )
    assert co_liked_reason("Heat (1995)", heat, "Babe (1995)", MovieText("Babe", 1995, ["Children"]), 5) == (
        "5 people who liked Heat (1995) also liked Babe (1995)."
    )
