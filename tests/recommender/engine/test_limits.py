"""Years and running times a request asks for, read from its words (recommender/engine/query/limits.py)."""

import pytest

from recommender.engine.query.limits import LONG_MINUTES, SHORT_MINUTES, Limits, limits_in


@pytest.mark.parametrize(
    ("text", "years", "most", "least"),
    [
        ("best movies of 1999", (1999,), None, None),
        ("comedies released in 2004", (2004,), None, None),
        ("2001 films about grief", (2001,), None, None),
        ("a thriller from 1995 or from 1996", (1995, 1996), None, None),
        ("something under 90 minutes", (), 90, None),
        ("Less than 1.5 hours, please!", (), 90, None),
        ("no longer than an hour and a half", (), 90, None),
        ("under two and a half hours", (), 150, None),
        ("a war movie that isn't too long", (), SHORT_MINUTES, None),
        ("a quick watch before bed", (), SHORT_MINUTES, None),
        ("movies over 2 hours", (), None, 120),
        ("long movies for a snowy weekend", (), None, LONG_MINUTES),
        ("over 120 min and from 1984", (1984,), None, 120),
        # Not limits: a decade, a title with its number, a year inside a title, a long day.
        ("80s movies", (), None, None),
        ("1990s comedies", (), None, None),
        ("2001 a space odyssey", (), None, None),
        ("something to watch after a long day", (), None, None),
    ],
)
def test_years_and_running_times_are_read_from_the_words(text, years, most, least):
    limits = limits_in(text)
    assert (limits.years, limits.max_minutes, limits.min_minutes) == (years, most, least)


def test_a_year_is_left_to_the_title_when_the_request_names_one():
    assert limits_in("the jungle book from 1994", years=False) == Limits()


def test_limits_say_how_they_were_read_and_what_words_set_them():
    limits = limits_in("best movies of 1999 under 2 hours")
    assert limits.describe() == ["from 1999", "at most 120 minutes"]
    assert limits.phrases == ("of 1999", "under 2 hours")
    assert not Limits()
