"""Title normalisation and the title + year join between sources that share no id."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

_ARTICLES = ("The", "A", "An", "Les", "La", "Le", "L'", "Il", "Das", "Der", "Die", "El", "Los", "Las")
_TRAILING_ARTICLE = re.compile(r"^(?P<body>.+), (?P<article>" + "|".join(_ARTICLES) + r")$")
_ARTICLE_AFTER_PARENTHESES = re.compile(r"^(?P<body>.+\)), (?P<article>The|A|An)$")
_YEAR_SUFFIX = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:[-–]\d{0,4})?\)\s*$")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def split_title_year(raw: str) -> tuple[str, int | None]:
    """'Toy Story (1995)' -> ('Toy Story', 1995); a title with no year keeps year None."""
    match = _YEAR_SUFFIX.match(raw.strip())
    if not match:
        return raw.strip(), None
    return match.group("title").strip(), int(match.group("year"))


def display_title(title: str) -> str:
    """MovieLens files say 'Hangover, The'; people say 'The Hangover'.

    Only the part before any alternate title in parentheses is considered:
    'City of Lost Children, The (Cité des enfants perdus, La)' -> 'The City of Lost Children (...)'.
    """
    title = " ".join(title.split())  # "Blind Side, The " and "Angst " come with stray spaces
    after_paren = _ARTICLE_AFTER_PARENTHESES.match(title)
    if after_paren:  # 'Human Centipede II (Full Sequence), The'
        return f"{after_paren.group('article')} {after_paren.group('body')}"
    head, paren, tail = title.partition(" (")
    match = _TRAILING_ARTICLE.match(head)
    if match:
        article = match.group("article")
        separator = "" if article.endswith("'") else " "
        head = f"{article}{separator}{match.group('body')}"
    return head + (paren + tail if paren else "")


def normalise_title(title: str) -> str:
    """A join key: lower case, no accents, articles and alternate titles, no punctuation."""
    text = display_title(title)
    text = _PARENTHESES.sub("", text)  # alternate and foreign titles in parentheses
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"^(the|a|an) ", "", text)
    return text


class TitleYearIndex:
    """Finds an entry by normalised title and a year within ±tolerance, each entry used once.

    Exact years are matched before neighbouring ones, so 'Hamlet (1990)' does not take the
    1996 film when both exist.
    """

    def __init__(self, entries: Iterable[tuple[str, int | None, object]], tolerance: int = 1) -> None:
        self.tolerance = tolerance
        self._by_title: dict[str, list[tuple[int | None, object]]] = defaultdict(list)
        for title, year, value in entries:
            key = normalise_title(title)
            if key:
                self._by_title[key].append((year, value))
        self._taken: set[int] = set()

    def mark_taken(self, value: object) -> None:
        """Reserve an entry already matched by id, so no title match takes it again."""
        self._taken.add(id(value))

    def take(self, title: str, year: int | None) -> object | None:
        candidates = self._by_title.get(normalise_title(title), [])
        if year is None:
            return None  # without a year a title alone is too ambiguous (remakes)
        for distance in range(self.tolerance + 1):
            for candidate_year, value in candidates:
                if candidate_year is None or id(value) in self._taken:
                    continue
                if abs(candidate_year - year) == distance:
                    self._taken.add(id(value))
                    return value
        return None
