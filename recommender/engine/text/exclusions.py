"""What a person rules out in their own words ("no horror", "nothing too violent"). Plain Python.

Every ranking honours it (issue 16): a user who wrote "no horror" must not get Aliens, whatever
the ratings say. Genres are read with the query lexicon's words ("no horror", "nothing scary",
"anything but westerns"); content concerns (violence, gore, sex, drugs) are read the same way and matched
against TMDB keywords, which are the only place the catalog records them. A movie without keywords
cannot be judged on content, so only its genres can rule it out.

Soft wishes ("less gory", "not so long") are not exclusions: they are left to the rankings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recommender.engine.query.lexicon import GENRE_WORDS, NEGATIONS
from recommender.engine.query.words import fold

# How people name a concern (folded words) -> the concern.
CONCERN_WORDS = {
    "violent": "violence", "violence": "violence", "brutal": "violence", "brutality": "violence",
    "torture": "violence",
    "gore": "gore", "gory": "gore", "bloody": "gore", "blood": "gore", "splatter": "gore", "gruesome": "gore",
    "sex": "sex", "sexual": "sex", "sex scenes": "sex", "nudity": "sex", "nude": "sex", "naked": "sex",
    "erotic": "sex", "explicit": "sex", "steamy": "sex",
    "drugs": "drugs", "drug": "drugs", "drug use": "drugs",
}  # fmt: skip
# The TMDB keywords (lower case) that mark a movie as holding each concern.
CONCERN_KEYWORDS = {
    "violence": ("violence", "extreme violence", "graphic violence", "brutality", "torture", "massacre",
                 "mass murder", "gore", "splatter", "blood splatter"),
    "gore": ("gore", "blood", "blood splatter", "splatter", "mumblegore", "body horror", "cannibal", "dismemberment"),
    "sex": ("sex", "nudity", "female nudity", "male nudity", "eroticism", "unsimulated sex", "sex scene", "erotic",
            "erotic movie", "sexual obsession"),
    "drugs": ("drug", "drug addiction", "drug abuse", "heroin", "cocaine", "drug use", "overdose"),
}  # fmt: skip
# Ways of ruling out that the query lexicon does not need (requests rarely say "not a fan of").
DISLIKES = ("not a fan of", "not into", "sick of", "tired of", "no more", "stay away from", "nothing with")
_AFTER_NEGATION = [re.compile(rf"\b{negation}( \w+)?$") for negation in (*NEGATIONS, *DISLIKES)]


@dataclass(frozen=True)
class RuledOut:
    # A movie with every genre of one set is out: "no horror" is {Horror}, "not a fan of romantic
    # comedies" is {Romance, Comedy} (comedies and romances alone stay), "no horror or westerns" two sets.
    genre_sets: tuple[frozenset[str], ...] = ()
    concerns: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # what was ruled out: the user's (folded) genre words, the concerns' names

    def __bool__(self) -> bool:
        return bool(self.genre_sets or self.concerns)

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(keyword for concern in self.concerns for keyword in CONCERN_KEYWORDS[concern])

    def excludes(self, *, genres: list[str], keywords: list[str]) -> bool:
        if any(genre_set <= set(genres) for genre_set in self.genre_sets):
            return True
        return bool({keyword.lower() for keyword in keywords} & set(self.keywords))

    def without(self, genres: set[str]) -> RuledOut:
        """These rules less every genre set that holds one of `genres`: a request that asks for horror
        by name gets horror, whatever the person wrote once. Concerns stay."""
        kept = tuple(genre_set for genre_set in self.genre_sets if not genre_set & genres)
        if len(kept) == len(self.genre_sets):
            return self
        dropped = set(self.genre_sets) - set(kept)
        phrases = tuple(phrase for phrase in self.phrases if _genres_of(phrase) not in dropped)
        return RuledOut(genre_sets=kept, concerns=self.concerns, phrases=phrases)

    def describe(self) -> str:
        """For people, in their words: "romantic comedies", "horror and gore"."""
        names = list(self.phrases)
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def ruled_out(text: str) -> RuledOut:
    """The genres and concerns `text` rules out: each one right after a negation ("no gore", "nothing
    too violent", "I don't like horror"), those listed on after it with "or"/"nor" ("no horror or
    gore"), and genre words written together as one kind of film ("no romantic comedies": films that
    are both)."""
    if not text:
        return RuledOut()
    words = fold(text).split()
    genre_sets: list[set[str]] = []
    concerns: list[str] = []
    phrases: list[list[str]] = []
    previous_end = None  # where the last ruled-out item ended, to follow a list or a compound
    start = 0
    while start < len(words):
        size, genre, concern = _item_at(words, start)
        if not size:
            start += 1
            continue
        between = words[previous_end:start] if previous_end is not None else None
        before = " ".join(words[max(0, start - 5) : start])
        if between == [] and genre and genre_sets and phrases[-1][-1] in GENRE_WORDS:
            genre_sets[-1].add(genre)  # "romantic comedies": one kind of film
            phrases[-1].append(" ".join(words[start : start + size]))
        elif (between is not None and set(between) <= {"or", "nor"}) or any(p.search(before) for p in _AFTER_NEGATION):
            if genre:
                genre_sets.append({genre})
                phrases.append([" ".join(words[start : start + size])])
            else:  # named by the concern: "nothing too violent" leaves out "violence"
                concerns.append(concern)
                phrases.append([concern])
        else:
            start += size
            continue
        previous_end = start + size
        start += size
    unique_sets = tuple(dict.fromkeys(frozenset(genre_set) for genre_set in genre_sets))
    return RuledOut(genre_sets=unique_sets, concerns=tuple(dict.fromkeys(concerns)),
                    phrases=tuple(dict.fromkeys(" ".join(phrase) for phrase in phrases)))  # fmt: skip


def _genres_of(phrase: str) -> frozenset[str]:
    """The genres a ruled-out phrase names ("romantic comedies": Romance and Comedy)."""
    words, genres, start = phrase.split(), set(), 0
    while start < len(words):
        size, genre, _ = _item_at(words, start)
        genres |= {genre} if genre else set()
        start += max(size, 1)
    return frozenset(genres)


def _item_at(words: list[str], start: int) -> tuple[int, str | None, str | None]:
    """(words taken, genre, concern) of the longest genre or concern phrase at `start`, or (0, None, None)."""
    for size in (3, 2, 1):
        phrase = " ".join(words[start : start + size])
        if phrase in GENRE_WORDS or phrase in CONCERN_WORDS:
            return size, GENRE_WORDS.get(phrase), CONCERN_WORDS.get(phrase)
    return 0, None, None
