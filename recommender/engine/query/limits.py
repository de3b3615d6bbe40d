"""When a movie came out and how long it runs, as a request limits them: "best movies of 1999",
"something under 90 minutes", "a war movie that isn't too long". Plain Python.

Read from the words with rules, like the studios (studios.py): a closed set of phrasings, each one
unambiguous. A year belongs to a title when the request names one ("heat 1995", "the jungle book from
1994": the gazetteer reads those), so the caller reads years only from requests without titles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recommender.engine.query.words import fold

# "Nothing too long", "a short movie": most feature films run 90 to 120 minutes; a short one is at
# most the lower part of that, a long one well past it.
SHORT_MINUTES = 100
LONG_MINUTES = 150

_YEAR = r"((?:19|20)\d\d)(?! ?s\b)"  # 1999, not 1990s
_YEARS = (
    re.compile(rf"\b(?:from|of|in|released in|made in|came out in|during)(?: the year)? {_YEAR}\b"),
    re.compile(rf"\b{_YEAR} (?:movies?|films?|releases?)\b"),
)
_HOURS = r"(an?|one|two|three|\d(?: 5)?)(?: and a half)? hours?(?: and a half)?"  # "1.5" folds to "1 5"
_MINUTES = r"(\d{2,3}) ?(?:minutes?|mins?)"
_UNDER = r"(?:under|less than|shorter than|below|no longer than|at most|max(?:imum)?|within|not over)"
_OVER = r"(?<!no )(?<!not )(?:over|more than|longer than|at least|upwards of)"  # not "no longer than"
_NOT_TOO_LONG = re.compile(
    r"\b(?:(?:not|isnt|arent|nothing|never) (?:too|very|that|so|overly) long"
    r"|short (?:movies?|films?|ones?)|something short|(?:a )?quick (?:watch|movie|film))\b"
)
_LONG = re.compile(r"\b(?:long (?:movies?|films?)|epic length|(?:a )?long watch)\b")
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}


@dataclass(frozen=True)
class Limits:
    years: tuple[int, ...] = ()
    max_minutes: int | None = None
    min_minutes: int | None = None
    phrases: tuple[str, ...] = ()  # the words that set them: semantic search leaves these out

    def __bool__(self) -> bool:
        return bool(self.years or self.max_minutes or self.min_minutes)

    def describe(self) -> list[str]:
        """["from 1999", "at most 90 minutes"]: for the chips that show how a request was read."""
        words = [f"from {year}" for year in self.years]
        if self.max_minutes:
            words.append(f"at most {self.max_minutes} minutes")
        if self.min_minutes:
            words.append(f"at least {self.min_minutes} minutes")
        return words


NO_LIMITS = Limits()


def limits_in(text: str, *, years: bool = True) -> Limits:
    """The limits `text` sets; `years=False` when the request names a title (its year is the title's)."""
    folded = fold(text)
    found_years: list[int] = []
    phrases: list[str] = []
    if years:
        for pattern in _YEARS:
            for match in pattern.finditer(folded):
                found_years.append(int(match.group(1)))
                phrases.append(match.group(0))
    most, phrase = _minutes(folded, _UNDER)
    if most is None and (match := _NOT_TOO_LONG.search(folded)):
        most, phrase = SHORT_MINUTES, match.group(0)
    phrases += [phrase] if phrase else []
    least, phrase = _minutes(folded, _OVER)
    if least is None and (match := _LONG.search(folded)):
        least, phrase = LONG_MINUTES, match.group(0)
    phrases += [phrase] if phrase else []
    return Limits(tuple(dict.fromkeys(found_years)), most, least, tuple(phrases))


def _minutes(folded: str, bound: str) -> tuple[int | None, str]:
    """(minutes, the phrase) for "<bound> 90 minutes" or "<bound> two hours" / "an hour and a half"."""
    if match := re.search(rf"\b{bound} {_MINUTES}\b", folded):
        return int(match.group(1)), match.group(0)
    if match := re.search(rf"\b{bound} {_HOURS}\b", folded):
        count = match.group(1)
        hours = _NUMBER_WORDS.get(count) or float(count.replace(" ", "."))
        if "and a half" in match.group(0):
            hours += 0.5
        return round(hours * 60), match.group(0)
    return None, ""
