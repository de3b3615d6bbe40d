"""Is a generated text grounded in a movie's facts? Plain Python, no model needed.

Small language models invent freely: "In 2013, detective Al Pacini..." for a 1995 film. A text
is rejected when it names a year, a quoted title or a proper name that the facts do not contain.
The check is deliberately strict (a real place name the facts lack is rejected too): an empty
description is better than a false one.

Names are not the only way to invent: "A young girl discovers she has magical powers" passes the
name check for Star Wars. So a description must also be about its movie as an embedder sees it:
its cosine to the movie's metadata document must reach SUPPORT_MIN_COSINE.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from recommender.engine.llm.prompts import MovieFacts
from recommender.engine.text.documents import MovieText, movie_document

_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)(s?)\b")
_QUOTED = re.compile(r"[\"“”«]([^\"“”«»]{2,80})[\"“”»]")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’-]*")
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")

# Capitalised only because they start a sentence (or are the pronoun "I"): not names.
COMMON_CAPITALISED = frozenset(
    """a an the this that these those it its in on at as after before when while with without from for
    of to by set one two three four five some many most each every both all his her their our your
    he she they we you i there here what who whom whose which why how where if but and or so yet
    also then now once despite during until unlike like fans lovers viewers audiences anyone everyone
    someone young old new an a join follow follows meet discover watch experience enjoy directed starring
    based told written filled packed featuring together along through inside outside between against
    this film movie story tale drama comedy thriller tells get gets see sees take takes""".split()
)


def _words(text: str) -> set[str]:
    return {word.lower().strip("'’-") for word in _WORD.findall(text)}


def facts_text(facts: MovieFacts) -> str:
    return "\n".join(
        [facts.title, str(facts.year or ""), facts.overview, facts.tagline,
         *facts.genres, *facts.keywords, *facts.directors, *facts.cast]
    )  # fmt: skip


def grounding_problems(text: str, facts: MovieFacts, *, also_allowed: Iterable[str] = ()) -> list[str]:
    """Why `text` is not grounded in `facts` (empty list: it is). `also_allowed`: more known text."""
    known_text = facts_text(facts) + "\n" + "\n".join(also_allowed)
    known_words = _words(known_text)
    known_lower = known_text.lower()
    problems: list[str] = []

    for year, plural in _YEAR.findall(text):
        if plural and facts.year and int(year) == facts.year // 10 * 10:
            continue  # "a 1990s thriller" for a 1995 film is supported
        if year not in known_text:
            problems.append(f"year {year}{plural} is not in the facts")

    for quoted in _QUOTED.findall(text):
        if quoted.strip().lower() not in known_lower:
            problems.append(f'title "{quoted.strip()}" is not in the facts')

    for name in _proper_names(text):
        unknown = [word for word in name.split() if word.lower().strip("'’-") not in known_words]
        if unknown:
            problems.append(f"name {name!r} is not in the facts")
    return problems


def _proper_names(text: str) -> list[str]:
    """Runs of capitalised words, leaving out words capitalised only by their position."""
    names: list[str] = []
    current: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        before = text[: match.start()]
        sentence_start = not before.strip() or bool(_SENTENCE_END.search(before))
        if word[0].isupper() and not _capitalised_by_position(word, sentence_start):
            current.append(word)
            continue
        if current:
            names.append(" ".join(current))
        current = []
    if current:
        names.append(" ".join(current))
    return names


_COMMON_SUFFIXES = ("ing", "ed", "ly", "ous", "ful", "ive", "less", "able")


def _capitalised_by_position(word: str, sentence_start: bool) -> bool:
    lower = word.lower()
    if lower in COMMON_CAPITALISED:
        return True
    return sentence_start and lower.endswith(_COMMON_SUFFIXES)  # "Haunted by ...", "Desperate, ..."


def is_grounded(text: str, facts: MovieFacts, *, also_allowed: Iterable[str] = ()) -> bool:
    return not grounding_problems(text, facts, also_allowed=also_allowed)


# Measured with all-MiniLM-L6-v2 on latest-small (400 movies with a TMDB overview): a real overview
# against its own metadata document scores 0.17 / 0.21 / 0.29 / 0.39 at the 5th / 10th / 25th / 50th
# percentile; an overview against ANOTHER movie's metadata scores 0.10 / 0.22 / 0.25 at the
# 50th / 90th / 95th. Below 0.25 a text is no more about this movie than 1 in 20 random overviews.
SUPPORT_MIN_COSINE = 0.25


def metadata_document(facts: MovieFacts) -> str:
    """The movie's embedded document built from its facts alone (no overview): what a text must match."""
    return movie_document(
        MovieText(facts.title, facts.year, facts.genres, "", facts.tagline, facts.keywords, [], facts.directors)
    )


def support_problem(cosine: float) -> str:
    """Why a text is not about its movie (empty when its cosine to the metadata document is enough)."""
    if cosine >= SUPPORT_MIN_COSINE:
        return ""
    return f"not about this movie (similarity {cosine:.2f} to its metadata, below {SUPPORT_MIN_COSINE})"
