"""Is a feed reason true for its movie and its reader? Plain Python, no model.

A reason makes at most two kinds of claim, and each must be backed by data (issue 16):
- it quotes the reader's words (“slow-burn science fiction”): the phrase must share a genre, a
  keyword or a description term with the movie. "heist movies" is no reason for Schindler's List,
  however close an embedder puts the two; a phrase that rules something out ("no horror") is never
  a reason to watch anything;
- it cites a movie the reader rated ("you gave Heat 4.5 stars"): they rated it at least CITE_MIN, and
  with the stars stated; a movie called close to the recommended one ("... and this is close to it")
  shares a genre with it.

The feed uses `phrase_support` to choose what it quotes; `reason_problems` checks a finished sentence
(the `check_reasons` command runs it over a sample of served feeds).
"""

from __future__ import annotations

import re

from recommender.engine.query.lexicon import FILM_WORDS, GENRE_WORDS, NEGATIONS, genres_in
from recommender.engine.query.words import COMMON, everyday, fold
from recommender.engine.text.documents import MovieText

CITE_MIN = 4.0  # stars: a movie rated lower is never cited as a reason
QUOTED = re.compile(r"“([^”]+)”")
CITED = re.compile(r"you gave (.+?) (\d(?:\.\d)?) stars")
CLOSE = re.compile(CITED.pattern + " and this is close to it")
# Words that say how someone feels about films, not what a film is about.
TASTE_WORDS = frozenset(
    """love loved loves like liked likes enjoy enjoyed enjoys prefer want wanted adore favourite favorite
    favourites favorites fan fans really very quite good great best nice kind kinds sort sorts type types
    stuff things thing watch watching watched mood feel feeling anything something lot lots much always
    usually especially mostly also too well""".split()
)
# Words the query lexicon maps to a genre that name a kind of film within it: the genre alone is no support.
SUB_GENRE_WORDS = frozenset({"heist", "gangster", "mob", "slasher", "anime", "whodunit", "whodunnit", "cowboy",
                             "love story", "shoot em up", "spooky"})  # fmt: skip
GENRE_PHRASES = sorted(set(GENRE_WORDS) - SUB_GENRE_WORDS, key=len, reverse=True)  # longest first
_SUFFIXES = ("iness", "ness", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s", "y")


def stem(word: str) -> str:
    """A light stem, enough to match "heists" with "heist" and "loneliness" with "lonely"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_terms(phrase: str) -> set[str]:
    """The stems of the words in `phrase` that say what a film is about."""
    words = fold(phrase).split()
    return {stem(word) for word in words if len(word) > 2 and word not in COMMON | FILM_WORDS | TASTE_WORDS}


def rules_out(phrase: str) -> bool:
    """Does the phrase say what the reader does not want ("no horror", "nothing too violent")?"""
    folded = f" {fold(phrase)} "
    return bool(genres_in(phrase)[1]) or any(f" {negation} " in folded for negation in NEGATIONS)


def phrase_support(phrase: str, movie: MovieText) -> list[str]:
    """What the movie shares with the reader's phrase: genres, then keywords, then description
    terms (empty: quoting the phrase for this movie would not be true).

    A phrase that names genres must fit all of them: a "crime drama" must be both, and "war movies
    based on true stories" is no reason for The Matrix, whatever words its story shares. A genre
    phrase counts as a whole ("science fiction" is not the word "fiction", which Pulp Fiction's
    keywords hold); a sub-genre word ("heist") must be borne out by the movie's keywords or story,
    as the Crime genre alone does not make a film a heist film. A name the reader wrote
    ("Hitchcock suspense") must be in the movie's metadata."""
    if rules_out(phrase) or _unknown_names(phrase, movie):
        return []
    folded, named = f" {fold(phrase)} ", []
    for words in GENRE_PHRASES:
        if f" {words} " in folded:
            named.append(GENRE_WORDS[words])
            folded = folded.replace(f" {words} ", " ")
    if not set(named) <= set(movie.genres):
        return []
    support = [genre for genre in movie.genres if genre in named]
    terms = content_terms(folded)
    keyword_stems = {stem(word): keyword for keyword in movie.keywords for word in fold(keyword).split()}
    support += sorted({keyword_stems[term] for term in terms if term in keyword_stems})
    described = {stem(word): word for word in fold(f"{movie.description} {movie.tagline}").split()}
    already = {stem(word) for word in fold(" ".join(support)).split()}
    support += sorted(described[term] for term in terms & described.keys() - already)
    return support


def _unknown_names(phrase: str, movie: MovieText) -> list[str]:
    """Capitalised words after the first ("Scorsese", "Memento") that the movie's metadata lacks."""
    known = set(fold(" ".join([movie.title, movie.description, movie.tagline, *movie.keywords, *movie.directors,
                               *movie.tags])).split())  # fmt: skip
    words = re.findall(r"[A-Za-z][\w'’-]*", phrase)
    # The first word is capitalised anyway: it is a name only when it is not everyday English.
    names = [word for n, word in enumerate(words) if word[0].isupper() and word != "I"
             and (n > 0 or not everyday(fold(word))) and word.lower() not in COMMON]  # fmt: skip
    return [name for name in names if not set(fold(name).split()) <= known]


def co_liked_reason(title: str, stars: float) -> str:
    """The sentence both feed orders give a movie co-liked with one the reader loved ("4", "4.5 stars")."""
    return f"Because you gave {title} {float(stars):g} stars: people who liked it also liked this."


def reason_problems(
    reason: str, movie: MovieText, rated: dict[str, float], rated_genres: dict[str, set[str]] | None = None
) -> list[str]:
    """Why `reason` is not true for `movie` and this reader (empty: it is).

    `rated` maps each movie the reader rated, by title and by "Title (year)", to their stars;
    `rated_genres` (optional) maps the same keys to those movies' genres."""
    problems = []
    for phrase in QUOTED.findall(reason):
        if not phrase_support(phrase, movie):
            problems.append(f"quotes “{phrase}”, which shares no genre, keyword or description term with {movie.title}")
    for title, stars in CITED.findall(reason):
        value = rated.get(title)
        if value is None:
            problems.append(f"cites {title}, which the reader has not rated")
        elif value < CITE_MIN:
            problems.append(f"cites {title} as liked, but the reader gave it {value:g} stars")
        elif abs(value - float(stars)) > 1e-9:
            problems.append(f"says the reader gave {title} {stars} stars; they gave {value:g}")
    for title, _ in CLOSE.findall(reason) if rated_genres is not None else []:
        if title in rated_genres and not rated_genres[title] & set(movie.genres):
            problems.append(f"calls {movie.title} close to {title}, but they share no genre")
    return problems
