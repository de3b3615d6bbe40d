"""Why a film answers a free-text request, in words taken from the film's own data. Plain Python.

The reason names the part of the request a film matches and the evidence: its keywords or genres
that share a word with the request ("Matches "heist", "twist": keywords heist, twist ending"), or one
of its facts ("Matches "french": Foreign language film in French, from France"), else the line of
its description sharing the most words with the request. A film whose data shares no word with the
request gets no claim about the request, only what it is ("Thriller, 1995"): the reason must be
true of that film, and closeness in meaning alone is not evidence a person can check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.engine.query.words import VERY_EVERYDAY_ZIPF, zipf

STOP = frozenset(
    "a an the and or but of in on at to for with without about from by as is are was be been being it its this that "
    "these those i me my we our you your he she they them his her their who what which where when how why not no "
    "so very too just really some any something anything movie movies film films watch want like love loved "
    "looking look need please good great best one more less lot also into out up down over than then there here "
    "would could should will can do does did have has had get got make made feel kind sort type stuff thing things "
    "bit maybe ideally tonight night someone something all every everything nothing other others only even "
    "still much many well whole start started happen happens work worked done".split()
)
GENRE_WORDS = {  # request words that name a genre the way the catalog spells it
    "scifi": "Sci-Fi", "science": "Sci-Fi", "funny": "Comedy", "comedy": "Comedy", "comedies": "Comedy",
    "scary": "Horror", "horror": "Horror", "romantic": "Romance", "romance": "Romance", "animated": "Animation",
    "cartoon": "Animation", "war": "War", "western": "Western", "westerns": "Western", "musical": "Musical",
    "documentary": "Documentary", "thriller": "Thriller", "thrillers": "Thriller", "crime": "Crime",
    "mystery": "Mystery", "fantasy": "Fantasy", "kids": "Children", "family": "Children", "noir": "Film-Noir",
    "action": "Action", "adventure": "Adventure", "drama": "Drama", "dramas": "Drama",
}  # fmt: skip
MAX_LINE = 140


def stem(word: str) -> str:
    """A crude English stem, enough to match "heists" with "heist" and "haunted" with "haunting"."""
    for suffix in ("ings", "ing", "ies", "ied", "es", "ed", "s"):
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            continue  # "loss" is no plural of "los" (Los Angeles), nor "virus" of "viru"
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


def content_words(text: str) -> dict[str, str]:
    """stem -> the first word with that stem, for the words of `text` that carry meaning. A hyphenated
    word counts whole and by its parts: "sci-fi" is "scifi", "foreign-language" also "foreign", "language"."""
    words = {}
    lowered = text.lower()
    for word in re.findall(r"[a-z0-9]+", lowered.replace("-", "")) + re.findall(r"[a-z0-9]+", lowered):
        if word not in STOP and len(word) > 2:
            words.setdefault(stem(word), word)
    return words


def match_reason(
    request: str,
    *,
    keywords: Sequence[str],
    genres: Sequence[str],
    description: str,
    year=None,
    facts=(),
    otherwise: str = "",
) -> str:
    """One line: what of the request this film matches and the evidence from its data; `facts` are
    short lines of it (where it comes from, its Oscars) quoted whole when they share a request word;
    `otherwise`, a true line to show when nothing does (else its genres and year)."""
    wanted = content_words(request)
    matched_keywords = [k for k in keywords if set(content_words(k)) & wanted.keys()]
    asked_genres = {GENRE_WORDS[w] for w in wanted.values() if w in GENRE_WORDS}
    matched_genres = [g for g in genres if g in asked_genres]
    parts = []
    if matched_keywords:
        words = sorted({wanted[s] for k in matched_keywords for s in content_words(k) if s in wanted})
        parts.append(f"Matches {_quoted(words[:3])}: keywords {', '.join(matched_keywords[:3])}")
    if matched_genres:
        parts.append(f"{' and '.join(matched_genres[:2])}, as asked")
    for fact in facts:
        shared = sorted({wanted[s] for s in content_words(fact) if s in wanted})
        if shared and len(parts) < 2:
            parts.append(f"Matches {_quoted(shared[:3])}: {fact.rstrip('.')}")
    if not parts:
        line, shared = best_line(description, wanted)
        # One very common word in common ("family", "story") is no evidence a person would accept.
        if len(shared) > 1 or any(zipf(word) < VERY_EVERYDAY_ZIPF for word in shared):
            parts.append(f"Matches {_quoted(shared[:3])}: “{line}”")
    if not parts:
        shown = ", ".join(list(genres[:2]) + ([str(year)] if year else []))
        return otherwise or shown or "In the catalog"
    return " · ".join(parts[:2])


def best_line(description: str, wanted: dict[str, str]) -> tuple[str, list[str]]:
    """The description's sentence sharing the most request words (cut to MAX_LINE), and those words."""
    best, best_shared = "", []
    for sentence in re.split(r"(?<=[.!?])\s+", description.strip()):
        shared = sorted({wanted[s] for s in content_words(sentence) if s in wanted})
        if len(shared) > len(best_shared):
            best, best_shared = sentence, shared
    return _window(best, best_shared), best_shared


def _window(sentence: str, words: list[str]) -> str:
    """At most MAX_LINE characters of the sentence, around the first shared word so it stays visible."""
    if len(sentence) <= MAX_LINE:
        return sentence
    first = min((m.start() for w in words for m in [re.search(re.escape(w), sentence, re.I)] if m), default=0)
    start = max(0, first - 40)
    if start:
        start = sentence.find(" ", start) + 1
    piece = sentence[start : start + MAX_LINE]
    if start + MAX_LINE < len(sentence):
        piece = piece.rsplit(" ", 1)[0] + "…"
    return ("…" if start else "") + piece


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f"“{word}”" for word in words)
