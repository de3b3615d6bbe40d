"""Words for genres, decades and "less/more/no X" constraints: what the baseline reads with rules,
and what the synthetic generator writes with. One table, so both speak the same language."""

from __future__ import annotations

import re
from collections.abc import Iterable

from recommender.engine.query.words import COMMON, edit_distance, fold

# How people say a genre (folded words) -> the catalog genre.
GENRE_WORDS: dict[str, str] = {
    "action": "Action", "action packed": "Action", "shoot em up": "Action",
    "adventure": "Adventure", "adventures": "Adventure",
    "animated": "Animation", "animation": "Animation", "cartoon": "Animation", "cartoons": "Animation",
    "anime": "Animation",
    "kids": "Children", "children": "Children", "childrens": "Children", "family friendly": "Children",
    "for kids": "Children",
    "comedy": "Comedy", "comedies": "Comedy", "funny": "Comedy", "hilarious": "Comedy", "comedic": "Comedy",
    "crime": "Crime", "gangster": "Crime", "heist": "Crime", "mob": "Crime",
    "documentary": "Documentary", "documentaries": "Documentary", "docs": "Documentary", "doc": "Documentary",
    "drama": "Drama", "dramas": "Drama", "dramatic": "Drama",
    "fantasy": "Fantasy", "fantasies": "Fantasy",
    "noir": "Film-Noir", "film noir": "Film-Noir",
    "horror": "Horror", "scary": "Horror", "slasher": "Horror", "horror movies": "Horror", "spooky": "Horror",
    "imax": "IMAX",
    "musical": "Musical", "musicals": "Musical",
    "mystery": "Mystery", "mysteries": "Mystery", "whodunit": "Mystery", "whodunnit": "Mystery",
    "romance": "Romance", "romantic": "Romance", "romcom": "Romance", "rom com": "Romance", "love story": "Romance",
    "sci fi": "Sci-Fi", "scifi": "Sci-Fi", "science fiction": "Sci-Fi", "sf": "Sci-Fi",
    "thriller": "Thriller", "thrillers": "Thriller", "suspense": "Thriller", "suspenseful": "Thriller",
    "war": "War", "war movies": "War",
    "western": "Western", "westerns": "Western", "cowboy": "Western",
}  # fmt: skip
DECADE_WORDS = {"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
                "seventies": 1970, "eighties": 1980, "nineties": 1990}  # fmt: skip
NEGATIONS = ("no", "not", "nothing", "without", "except", "non", "never", "hate", "avoid", "skip", "anything but",
             "but not", "not a", "not too", "none", "rather than", "instead of", "other than",
             "dont", "don t", "doesn t", "can t stand", "cant stand")  # fmt: skip
_DECADE = re.compile(r"\b(?:(1[89]|20)?([0-9])0)\s?s\b")
_STOP_AT = r"(?=\s+(?:and|but|or|than|please|pls|plz|lol|no|not|from|with|in|for|like)\b|$)"
_LESS = re.compile(r"\b(?:less|not too|not so|without too much|fewer|not as)\s+([a-z][a-z ]{1,30}?)" + _STOP_AT)
_MORE = re.compile(r"\b(?:more|extra|even more)\s+([a-z][a-z ]{1,30}?)" + _STOP_AT)


def genres_in(text: str, titles: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(wanted genres, excluded genres): a genre word right after a negation ("no horror",
    "nothing animated", "anything but westerns", "not too scary") is excluded; one right after
    "more"/"less" is a soft constraint ("with more action"), not a genre; words inside the named `titles` ("Mystery
    Men") are not genre words. A typo in a genre word of 6 letters or more is tolerated ("wsterns")."""
    words = _without(fold(text).split(), titles)
    wanted, excluded = [], []
    taken: set[int] = set()
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            if taken & set(range(start, start + size)):
                continue
            genre = _genre_word(" ".join(words[start : start + size]))
            if genre is None:
                continue
            taken |= set(range(start, start + size))
            before = " ".join(words[max(0, start - 3) : start])
            if re.search(r"\b(more|less|extra|fewer)$", before):
                continue
            negated = any(re.search(rf"\b{negation}( \w+)?$", before) for negation in NEGATIONS)
            (excluded if negated else wanted).append(genre)
    return list(dict.fromkeys(wanted)), list(dict.fromkeys(excluded))


def _genre_word(phrase: str) -> str | None:
    if phrase in GENRE_WORDS:
        return GENRE_WORDS[phrase]
    if len(phrase) < 6 or " " in phrase:
        return None
    close = {genre for word, genre in GENRE_WORDS.items() if len(word) >= 6 and edit_distance(phrase, word, 1) <= 1}
    return close.pop() if len(close) == 1 else None


def _without(words: list[str], titles: Iterable[str]) -> list[str]:
    """The words with each title's words replaced by a placeholder (keeps the distance to a negation)."""
    for title in titles:
        span = fold(title).split()
        for start in range(len(words) - len(span) + 1):
            if span and words[start : start + len(span)] == span:
                words = words[:start] + ["_"] * len(span) + words[start + len(span) :]
    return words


def decades_in(text: str) -> list[int]:
    """'80s', "'80s", 'the 1980s', 'eighties' -> [1980]; a two-digit decade below 20 means the 2000s."""
    folded = fold(text)
    found = []
    for match in _DECADE.finditer(folded):
        century, digit = match.group(1), int(match.group(2))
        if century:
            found.append(int(century) * 100 + digit * 10)
        else:
            found.append((2000 if digit <= 2 else 1900) + digit * 10)
    found += [decade for word, decade in DECADE_WORDS.items() if re.search(rf"\b{word}\b", folded)]
    return list(dict.fromkeys(found))


def less_more_in(text: str) -> tuple[list[str], list[str]]:
    """'but less gory', 'not too long', 'more action' -> (['gory', 'long'], ['action']); a phrase
    ends at punctuation or at a joining word ("less gory, no horror": only "gory")."""
    clauses = [fold(clause) for clause in re.split(r"[,.;:!?()]", text)]
    less = [match.group(1).strip() for clause in clauses for match in _LESS.finditer(clause)]
    more = [match.group(1).strip() for clause in clauses for match in _MORE.finditer(clause)]
    return list(dict.fromkeys(less)), list(dict.fromkeys(more))


# Words that say "a film" without saying which: a request holding one is about movies.
FILM_WORDS = frozenset("movie movies film films flick flicks cinema".split())
_GENRE_WORD_PARTS = frozenset(word for phrase in GENRE_WORDS for word in phrase.split())


def mentions_film(text: str) -> bool:
    """Does the request speak of films ("alien invasion movie") or a genre ("zombie comedies")?"""
    wanted, excluded = genres_in(text)
    return bool(FILM_WORDS & set(fold(text).split())) or bool(wanted or excluded)


def unexplained_words(text: str, *, explained: Iterable[str] = ()) -> list[str]:
    """The request's words that neither everyday English (COMMON), a genre word, a decade nor one of
    the `explained` phrases (the titles and people a parse found) account for: "90s teen comedies"
    -> ["teen"]. A request with such words describes something the structured fields do not hold."""
    words = _without(fold(text).split(), explained)
    return [
        word
        for word in words
        if word != "_" and word not in COMMON and word not in _GENRE_WORD_PARTS and word not in DECADE_WORDS
        and not _DECADE.fullmatch(word) and not word.isdigit()
    ]  # fmt: skip
