"""What a parsed search request is: the API's JSON contract, and the checks any parser's output passes.

A parse says whether the text asks for recommendations ("rec") or something else ("non_rec"),
and which catalog movies, people, genres, themes, decades, plot details and constraints it names.
Whatever produced it (the fine-tuned model or the gazetteer baseline), it goes through
`ParsedQuery.from_labels`, so an invented genre, a bad decade or a wrong type never reaches a caller.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field

INTENTS = ("rec", "non_rec")
# What a request asks besides (or instead of) recommendations; the search page answers by it.
# lookup: one movie itself ("heat 1995"); director ... genre: a fact about a named movie;
# my_rating: the user's own rating; filmography / person: about a person; site: account and site help;
# chat: small talk; other: anything else (off-topic, opinions, orders to the parser).
ASKS = ("lookup", "director", "cast", "writer", "year", "runtime", "plot", "genre", "my_rating", "filmography",
        "person", "site", "chat", "other")  # fmt: skip
ROLES = ("director", "cast", "writer")
GENRES = ("Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
          "Western")  # fmt: skip
MAX_QUERY_CHARS = 500  # a search request, not an essay: longer text is refused with a clear message
MAX_ITEMS = 8  # per entity list: more is not a request anyone types
MAX_PHRASE_CHARS = 80

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class QueryError(ValueError):
    """The request text cannot be parsed as given (empty, too long, control characters)."""


def query_clean(raw: object) -> str:
    """The text as a parser sees it: one line, NFC, inner whitespace collapsed. Bad input raises QueryError."""
    if not isinstance(raw, str):
        raise QueryError("q must be a string")
    if _CONTROL.search(raw):
        raise QueryError("q contains control characters (for example a NUL byte); send plain text")
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    if not text:
        raise QueryError("q is empty; type what you are looking for")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"q is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    return text


def query_key(text: str) -> str:
    """The cache key of a query: case, accents, punctuation and spacing do not change a parse's meaning."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9+&'-]+", " ", folded).split())


@dataclass(frozen=True)
class TitleRef:
    id: int
    title: str
    year: int | None


@dataclass(frozen=True)
class PersonRef:
    name: str
    role: str | None  # director, cast, writer, or None when the text does not say


@dataclass
class Constraints:
    exclude_genres: list[str] = field(default_factory=list)
    less: list[str] = field(default_factory=list)  # "less gory": less of this
    more: list[str] = field(default_factory=list)  # "funnier", "more action": more of this


@dataclass
class ParsedQuery:
    intent: str
    ask: str | None = None  # one of ASKS, or None for a plain recommendation request
    titles: list[TitleRef] = field(default_factory=list)
    people: list[PersonRef] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    decades: list[int] = field(default_factory=list)
    plot: str | None = None
    constraints: Constraints = field(default_factory=Constraints)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ParsedQuery:
        """The inverse of to_dict (a cached parse), trusted: it was validated when it was made."""
        return cls(
            intent=data["intent"],
            ask=data.get("ask"),
            titles=[TitleRef(**title) for title in data["titles"]],
            people=[PersonRef(**person) for person in data["people"]],
            genres=data["genres"],
            themes=data["themes"],
            decades=data["decades"],
            plot=data["plot"],
            constraints=Constraints(**data["constraints"]),
        )

    @classmethod
    def from_labels(cls, labels: dict, titles: list[TitleRef] | None = None) -> ParsedQuery:
        """A validated parse from loosely typed labels (a model's output, a data set row).

        Unknown genres, roles and intents are dropped or refused; decades are snapped to their
        first year; lists are de-duplicated and capped. `titles` are the catalog movies already
        resolved from the labels' title strings (resolution needs the catalog: see gazetteer).
        Raises ValueError when the labels are not a parse at all (no valid intent).
        """
        intent = labels.get("intent")
        if intent not in INTENTS:
            raise ValueError(f"intent must be one of {INTENTS}, got {intent!r}")
        constraints = labels.get("constraints") or {}
        if not isinstance(constraints, dict):
            constraints = {}
        plot = labels.get("plot")
        plot = _phrase(plot) if isinstance(plot, str) else None
        ask = labels.get("ask")
        return cls(
            intent=intent,
            ask=ask if ask in ASKS else None,
            titles=list(dict.fromkeys(titles or []))[:MAX_ITEMS],
            people=_people(labels.get("people")),
            genres=_genres(labels.get("genres")),
            themes=_phrases(labels.get("themes")),
            decades=_decades(labels.get("decades")),
            plot=plot or None,
            constraints=Constraints(
                exclude_genres=_genres(constraints.get("exclude_genres")),
                less=_phrases(constraints.get("less")),
                more=_phrases(constraints.get("more")),
            ),
        )


def genre_canonical(name: object) -> str | None:
    """'sci fi', 'SCI-FI', 'film noir' -> the catalog's genre name; None for anything else."""
    if not isinstance(name, str):
        return None
    key = re.sub(r"[^a-z]", "", name.lower())
    return _GENRE_KEYS.get(key)


_GENRE_KEYS = {re.sub(r"[^a-z]", "", genre.lower()): genre for genre in GENRES}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _genres(value: object) -> list[str]:
    found = [genre_canonical(item) for item in _list(value)]
    return list(dict.fromkeys(genre for genre in found if genre))[:MAX_ITEMS]


def _phrase(value: str) -> str:
    return " ".join(value.split())[:MAX_PHRASE_CHARS]


def _phrases(value: object) -> list[str]:
    found = [_phrase(item).lower() for item in _list(value) if isinstance(item, str) and item.strip()]
    return list(dict.fromkeys(found))[:MAX_ITEMS]


def _decades(value: object) -> list[int]:
    found = []
    for item in _list(value):
        if isinstance(item, int) and not isinstance(item, bool) and 1890 <= item <= 2099:
            found.append(item - item % 10)
    return list(dict.fromkeys(found))[:MAX_ITEMS]


def _people(value: object) -> list[PersonRef]:
    found = []
    for item in _list(value):
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
            role = item.get("role") if item.get("role") in ROLES else None
            found.append(PersonRef(_phrase(item["name"]), role))
    return list(dict.fromkeys(found))[:MAX_ITEMS]
