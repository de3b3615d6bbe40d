"""Is this span of a request a title? The cues the gazetteer's scan reads.

Thousands of titles are everyday words ("Precious", "The Watch", "Romance"), so a span that matches
a title counts only when something says it is one: a word before it ("like", "seen"), capitals,
quotes, a year after it, a question word after a title that opens the request, or the request
being just the title. Every rule here was chosen on requests the scan was not scored on (see the
README, "Finding titles in a request").
"""

from __future__ import annotations

import re
import unicodedata

from recommender.engine.query.lexicon import GENRE_WORDS
from recommender.engine.query.words import (
    COMMON,
    FILLERS,
    PRONOUNS,
    ROMAN,
    VERY_EVERYDAY_ZIPF,
    everyday,
    fold_keep_quotes,
    without_article,
    zipf,
)

PROSE_ZIPF = 3.0  # Zipf 3: once per million words, the usual floor of "a common English word"
PROSE_WORDS = 12  # the search box's line between a short request and a description
YEAR_AFTER = re.compile(r"^\s*(?:\(\s*|from\s+)?((?:19|20)\d\d)\b")
# Words before a title that make it one: "like X", "seen X", "who directed X".
CUES_BEFORE = frozenset(
    """like liked love loved as than to watched seen saw enjoyed directed wrote in of is was
    similar vs versus called titled named movie film rate rated watch find behind before after
    write call whats""".split()
)
# Cues that say little: "to" or "in" before "watch" is not "The Watch". They count for titles that are not
# among the most everyday words.
WEAK_CUES = frozenset("to in of is was as movie film watch before after call whats".split())
# Cues that say someone likes something, not that it is a title: "i like thrillers" is a genre.
LIKING_CUES = frozenset("like liked love loved enjoyed as than".split())
# Words after a title that opens the request and make it one: "taxi driver but funnier", "heat director".
CUES_AFTER_OPENING = frozenset(
    """but writer director genre cast runtime plot sequel prequel remake soundtrack ending vibes vibe
    who when what how""".split()
)
# Words that join two titles: "goodfellas or casino", "gravity and contact". Next to a title the scan
# found, a title made of everyday words counts.
JOINERS = frozenset("and or vs versus nor".split())


def needs_cue(
    span: str,
    words: list[str],
    start: int,
    end: int,
    raw: str,
    phrase: str,
    joined: bool = False,
    theme_word: bool = False,
) -> bool:
    """Is this span too ordinary to be a title without something that says it is one? Everyday words
    are, genre words are ("heist movies"), and so is one word that only nearly matches a title
    ("previous" is not a typo of "Precious"). True also refuses a span outright: a typo in a word
    under 5 letters ("the king" is not "The Ring", "in the cast" not "In the Cut"), and a title after
    "a"/"an" that does not start so ("a haunted house" is not The Haunted House) or a one-word title
    before "movies" ("zombie movies") unless capitals, quotes or a year say it is. `joined`: next to
    a found title ("goodfellas or casino"), a cue. `theme_word`: a title that is also a catalog
    keyword (Gazetteer.theme_title), which needs a cue as genre words do."""
    size, fuzzy = end - start, span != phrase
    if fuzzy and (_short_word_typo(span, phrase) or all(everyday(word) for word in span.split())):
        return True  # "out and" is no typo of Outland, nor "the weather" of The Watcher
    if fuzzy and all(everyday(word) or zipf(word) >= PROSE_ZIPF for word in span.split()):
        return True  # words spelt right are no typo: "the suburbs" is not The 'Burbs
    article = words[start - 1] if start > 0 else None
    if fuzzy and span.split(" ", 1)[-1] == phrase:  # "a haunted house" is one edit from "haunted house"
        article = span.split(" ", 1)[0]
    kind_of_movies = size == 1 and end < len(words) and words[end] in ("movies", "films", "flicks")
    subject = start > 0 and words[start - 1] == "about"  # "movies about vampires": a subject, not Vampires (1998)
    if article in ("a", "an") and not phrase.startswith(article + " ") or kind_of_movies or subject:
        # "zombie movies" is a kind of movie, not Zombie (1979)
        return not (_capitalised(words, start, end, raw) or year_after(words, end) or _quoted(span, raw))
    # Three words or more that spell a whole title rarely do so by chance: there the hand list decides.
    # A typo is judged by the title it nearly spells: "date niight" is the everyday "date night".
    plain = (lambda word: word in COMMON) if size >= 3 and not fuzzy else everyday
    # Words that name a kind of movie: a genre ("thrillers"), a catalog keyword ("castle", "hostage").
    genre_word = without_article(span) in GENRE_WORDS or without_article(phrase) in GENRE_WORDS
    ordinary = all(plain(word) for word in phrase.split()) or (size == 1 and (len(span) < 6 or fuzzy))
    # In a description of more than PROSE_WORDS words, one English word a reader meets once per
    # million words or more ("storytelling", "beginners") is prose unless something says it is a
    # title: "non-linear storytelling" is no Storytelling (2001). Rarer words ("memento") stand alone,
    # and short requests keep the usual rules ("nolan's inception, who composed it").
    ordinary = ordinary or (size == 1 and len(words) > PROSE_WORDS and zipf(phrase) >= PROSE_ZIPF)
    if not (ordinary or genre_word or theme_word):
        return False
    dated = year_after(words, end) is not None
    rest = words[end:]
    # "romance pls", "romance movie" ask for the genre; "tape movie thx" for the film
    only_year = not rest or dated and len(rest) == (2 if rest[0] == "from" else 1)
    whole_request = start == 0 and (only_year if genre_word else _nothing_else(rest))
    strong_needed = genre_word or theme_word or (size == 1 and zipf(phrase) >= VERY_EVERYDAY_ZIPF)
    before = words[start - 1] if start > 0 else None
    # "i like thrillers", "war but no shoot em up": a genre word, unless capitals or quotes say otherwise
    cued = before in CUES_BEFORE and not (strong_needed and before in WEAK_CUES or genre_word and before in LIKING_CUES)
    cued = cued or (start == 0 and bool(rest) and rest[0] in CUES_AFTER_OPENING and not genre_word)
    cued = cued or _capitalised(words, start, end, raw) or joined
    quoted = _quoted(span, raw)
    if span in PRONOUNS:
        capitalised = re.search(rf"\b{span.capitalize()}\b", raw) is not None  # after a cue: mid-sentence
        return not (whole_request or quoted or (cued and capitalised))
    return not (whole_request or cued or dated or quoted)


def _nothing_else(rest: list[str]) -> bool:
    """Is what follows a title only its year, "movie"/"film" or a filler ("heat 1995", "tape movie thx")?"""
    rest = [word for word in rest if word not in FILLERS]
    if rest and rest[0] in ("movie", "film"):
        rest = rest[1:]
    if rest and rest[0] == "from":
        rest = rest[1:]
    return not rest or len(rest) == 1 and YEAR_AFTER.match(rest[0]) is not None


def _short_word_typo(span: str, phrase: str) -> bool:
    """Does a typo-match change a word shorter than 5 letters? People's typos in such words are rare,
    and one letter turns one short word into another ("king" / "ring")."""
    typed, meant = span.split(), phrase.split()
    if len(typed) != len(meant):
        return False
    return any(a != b and min(len(a), len(b)) < 5 for a, b in zip(typed, meant, strict=True))


def _quoted(span: str, raw: str) -> bool:
    return bool(re.search(r"[\"“']" + r"\W*".join(map(re.escape, span.split())) + r"[\"”']", fold_keep_quotes(raw)))


def _capitalised(words: list[str], start: int, end: int, raw: str) -> bool:
    """Is the span written with capitals ("loved The Story of Us!!", "City Heat or heat 1986") in a
    request that is neither all capitals nor capitalised word by word? One word counts only
    inside the request, not as its first word."""
    if raw.isupper() or raw.istitle():
        return False
    typed = _typed_words(raw)
    if len(typed) != len(words):
        return False
    span = [word for word in typed[start:end] if not (word.isdigit() or word.lower() in ROMAN)]  # "Saw II"
    if not span or len(span) == 1 and (start == 0 or words[start] in PRONOUNS):
        return False
    if start == 0 and not any(word[0].isupper() for word in span[1:]):
        return False  # "The one where...": the first word of a sentence
    return all(word[0].isupper() and not (len(word) > 1 and word.isupper())
               for word in span if word.lower() not in COMMON or word is span[0])  # fmt: skip


def _typed_words(raw: str) -> list[str]:
    """The words of `fold(raw)` with their capitals as typed (the same split, word for word)."""
    text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode().replace("&", " and ")
    return re.sub(r"[^A-Za-z0-9]+", " ", text.replace("'", "")).split()


def year_after(words: list[str], end: int) -> int | None:
    """The year written right after a title: "heat 1995", "heat (1995)" (folded away), "heat from 1995"."""
    match = YEAR_AFTER.match(" ".join(words[end : end + 2]))
    return int(match.group(1)) if match else None
