"""Find catalog movies and people in free text, and resolve a title someone typed to a movie.

Two uses: `resolve(span, year)` turns a title the parser extracted ("godfathr", "heat 1995") into
a catalog movie, typos tolerated and remakes told apart by year; `find(text)` scans a whole request
for titles and names, which is what the non-LLM baseline does. Scanning has to guess which words
are a title ("date night" is a 2010 film and also a plan), so a short or common-word title counts
only with a cue: "like Heat", "Heat (1995)", quotes, or the request being just the title (the
cues: title_cues.py; folding, everyday words and typos: words.py).
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable

from recommender.engine.query.graph import CatalogGraph, GraphMovie
from recommender.engine.query.lexicon import GENRE_WORDS
from recommender.engine.query.title_cues import JOINERS, YEAR_AFTER, needs_cue, year_after
from recommender.engine.query.words import (
    ROMAN,
    edit_distance,
    everyday,
    fold,
    typo_budget,
    without_article,
)

MAX_SPAN_TOKENS = 12  # "the lord of the rings the fellowship of the ring" is 10
# The parser's own words, which people who try to steer it paste: never a title.
PARSER_WORDS = frozenset({"rec", "non rec", "intent"})


def _trigrams(text: str) -> set[str]:
    padded = f" {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class FuzzyIndex:
    """Folded phrase -> values, with typo-tolerant lookup through a trigram index."""

    def __init__(self) -> None:
        self.exact: dict[str, list] = defaultdict(list)
        # (phrase length, trigram) -> phrases: a typo changes the length by at most the budget, so a
        # lookup reads only phrases of a possible length (ten times fewer than by trigram alone).
        self._grams: dict[tuple[int, str], set[str]] = defaultdict(set)

    def add(self, phrase: str, value) -> None:
        if phrase and value not in self.exact[phrase]:
            self.exact[phrase].append(value)
            for gram in _trigrams(phrase):
                self._grams[len(phrase), gram].add(phrase)

    def lookup(self, phrase: str, fuzzy: bool = True) -> list[tuple[str, int]]:
        """(indexed phrase, edit distance) pairs: the exact phrase, else the closest within the typo budget."""
        if phrase in self.exact:
            return [(phrase, 0)]
        budget = typo_budget(phrase)
        if not fuzzy or budget == 0:
            return []
        grams = _trigrams(phrase)
        shared: dict[str, int] = defaultdict(int)
        for length in range(len(phrase) - budget, len(phrase) + budget + 1):
            for gram in grams:
                for candidate in self._grams.get((length, gram), ()):
                    shared[candidate] += 1
        need = max(1, len(grams) - 4 * budget)  # a swap changes up to 4 trigrams
        scored = [(candidate, edit_distance(phrase, candidate, budget)) for candidate, count in shared.items()
                  if count >= need]  # fmt: skip
        digits = re.findall(r"\d+", phrase)  # "story of 80s" is no typo of "story of us"
        scored = [(candidate, distance) for candidate, distance in scored
                  if distance <= budget and re.findall(r"\d+", candidate) == digits]  # fmt: skip
        best = min((distance for _, distance in scored), default=None)
        return [(candidate, distance) for candidate, distance in scored if distance == best]


class Gazetteer:
    """Movie titles and people's names of a catalog, for resolving and scanning."""

    def __init__(
        self, movies: Iterable[GraphMovie], people: dict[str, dict[str, list[int]]], themes: Iterable[str] = ()
    ) -> None:
        """`themes`: the catalog's keywords (CatalogGraph.themes()); a title that is one ("The Castle",
        "Hostage") needs a cue as a genre word does ("a movie about a castle")."""
        self.movies = {movie.id: movie for movie in movies}
        self.themes = {fold(theme) for theme in themes}
        counts = sorted(movie.rating_count for movie in self.movies.values())
        self.well_known_count = counts[int(0.9 * len(counts))] if counts else 0  # the top 10% by ratings
        names = {fold(name) for name in people}
        self.titles = FuzzyIndex()
        for movie in self.movies.values():
            for variant in title_variants(movie.title):
                if variant in PARSER_WORDS:
                    continue  # "classify this as rec": words said to the parser, not [REC] (2007)
                if variant in names and variant != fold(typed_form(movie.title)):
                    continue  # "Stanley Kubrick: A Life in Pictures" is not called "stanley kubrick"
                self.titles.add(variant, movie.id)
        self._sorted_titles = sorted(self.titles.exact)  # for titles by their first words
        self.people = FuzzyIndex()
        self.roles = people
        surnames: dict[str, list[str]] = defaultdict(list)
        for name, roles in people.items():
            self.people.add(fold(name), name)
            if len(roles.get("director", ())) >= 3 or len(roles.get("cast", ())) >= 5:  # well known: surname alone
                surnames[fold(name).split(" ")[-1]].append(name)
        for surname, names in surnames.items():
            if len(names) == 1 and len(surname) >= 5 and not everyday(surname) and surname not in self.titles.exact:
                self.people.add(surname, names[0])

    @classmethod
    def for_graph(cls, graph: CatalogGraph) -> Gazetteer:
        return cls(graph.movies.values(), graph.people, graph.themes())

    # --- resolving a span a parser extracted ------------------------------------------------------

    def resolve_title(self, span: str, year: int | None = None, fuzzy: bool = True) -> GraphMovie | None:
        """The catalog movie a typed title means: exact over fuzzy, the stated year (±1), then the most rated."""
        folded = fold(span)
        match = YEAR_AFTER.search(folded.rsplit(" ", 1)[-1]) if " " in folded else None
        if match and year is None and folded not in self.titles.exact:  # "heat 1995", not "death race 2000"
            year, folded = int(match.group(1)), folded.rsplit(" ", 1)[0]
        candidates = []
        for variant in {folded, without_article(folded)}:
            for phrase, distance in self.titles.lookup(variant, fuzzy=fuzzy):
                candidates += [(distance, self.movies[movie_id]) for movie_id in self.titles.exact[phrase]]
        if not candidates:
            return None
        return min(candidates, key=lambda pair: _title_rank(pair[0], pair[1], year))[1]

    def resolve_mention(self, span: str, year: int | None = None) -> GraphMovie | None:
        """The movie a parser's title mention names exactly (no typo tolerance: the scan tolerates
        typos, with its own checks). A remark in parentheses ("heat (the de niro / pacino one)") or a
        year inside the mention ("the 1978 invasion of the body snatchers") is set aside, the year
        kept as the year."""
        years = [int(found) for found in re.findall(r"\b((?:19|20)\d\d)\b", span)]
        bare = re.sub(r"\b(?:19|20)\d\d\b", " ", re.sub(r"\([^)]*\)?", " ", span))
        return self.resolve_title(bare, year or (years[0] if years else None), fuzzy=False) if fold(bare) else None

    def resolve_pointed(self, span: str, year: int | None = None) -> GraphMovie | None:
        """The movie a parser points at: the exact title (`resolve_mention`), or one a typo away when
        neither the typed words nor the title are everyday or genre words ("godfathr" is The
        Godfather; "drops" is no typo of The Drop, nor "romace" of Romance)."""
        if without_article(fold(span)) in GENRE_WORDS:  # "war pls": a genre, whatever the model says
            return None
        exact = self.resolve_mention(span, year) or self.resolve_start(span)
        if exact is not None or all(everyday(word) for word in fold(span).split()):
            return exact
        movie = self.resolve_title(span, year)
        if movie is None:
            return None
        words = fold(typed_form(movie.title))
        if all(everyday(word) for word in words.split()) or without_article(words) in GENRE_WORDS:
            return None
        return movie

    def resolve_start(self, span: str) -> GraphMovie | None:
        """The one movie whose title starts with these words ("shawshank", "eternal sunshine"); None
        when no title or several do ("the dark"), or when the words are one everyday word."""
        words = without_article(fold(span))
        if len(words) < 5 or (" " not in words and everyday(words)):
            return None
        found: set[int] = set()
        at = bisect.bisect_left(self._sorted_titles, words)
        while at < len(self._sorted_titles) and self._sorted_titles[at].startswith(words):
            variant = self._sorted_titles[at]
            if len(variant) == len(words) or variant[len(words)] == " ":
                found.update(self.titles.exact[variant])
            at += 1
        return self.movies[found.pop()] if len(found) == 1 else None

    def resolve_person(self, span: str) -> str | None:
        """The catalog person a span names, the best known of equals; a span of everyday words only
        matches exactly: "banker" is no typo of Clive Barker, nor "weatherman" of Wolfgang Reitherman."""
        folded = fold(span)
        found = self.people.lookup(folded, fuzzy=not all(everyday(word) for word in folded.split()))
        names = [name for phrase, _ in found for name in self.people.exact[phrase]]
        return max(names, key=lambda name: sum(len(ids) for ids in self.roles.get(name, {}).values()), default=None)

    # --- scanning a whole request (the baseline) ----------------------------------------------------

    def find_titles(self, text: str) -> list[tuple[GraphMovie, int | None]]:
        """Movies named in the text, in order, with a year written right after the title if any."""
        words = fold(text).split()
        found = []

        def cue_needed(span: str, start: int, end: int, phrase: str) -> bool:
            return needs_cue(span, words, start, end, text, phrase, theme_word=self.theme_title(phrase))

        names = self._scan(
            words, self.people, lambda span, start, end, phrase: end - start < 2 or span not in (phrase, phrase + "s")
        )  # fmt: skip  ("michael gambon's latest")
        matches = self._scan(words, self.titles, cue_needed)
        for start, end, phrase in sorted(matches + self._joined(words, matches, text)):
            typo = phrase != " ".join(words[start:end])
            if any(first <= start and end <= last and (end - start < last - first or typo) for first, last, _ in names):
                continue  # "Hancock" inside "John Lee Hancock"; "Mr. Brooks" is not "Mel Brooks"
            year = year_after(words, end)
            found.append((self.resolve_title(" ".join(words[start:end]), year), year))
        return [(movie, year) for movie, year in found if movie is not None]

    def _joined(self, words: list[str], matches: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
        """Titles joined to a found one by "and", "or", "vs" ("goodfellas or casino"): there a title
        of everyday words counts, as after a cue."""
        taken = {position for start, end, _ in matches for position in range(start, end)}
        joined = []
        for start, end, _ in matches:
            if year_after(words, end):  # "fatal instinct (1993) or the harvest"
                end += 2 if words[end] == "from" else 1
            spans = []
            if end + 1 < len(words) and words[end] in JOINERS:  # after: longest first
                spans += [(end + 1, stop) for stop in range(min(len(words), end + 1 + MAX_SPAN_TOKENS), end + 1, -1)]
            if start >= 2 and words[start - 1] in JOINERS:  # before
                spans += [(first, start - 1) for first in range(max(0, start - 1 - MAX_SPAN_TOKENS), start - 1)]
            for first, stop in spans:
                if taken & set(range(first, stop)):
                    continue
                span = " ".join(words[first:stop])
                found = self.titles.lookup(span, fuzzy=len(span) >= 7)
                if found and not needs_cue(
                    span, words, first, stop, text, found[0][0], joined=True, theme_word=self.theme_title(found[0][0])
                ):
                    joined.append((first, stop, found[0][0]))
                    taken |= set(range(first, stop))
                    break
        return joined

    def theme_title(self, phrase: str) -> bool:
        """Is this title phrase also a catalog keyword, of movies that are not well known ("hostage",
        "the castle"; not "jurassic park")? Such a title needs a cue: "a movie about a castle"."""
        return without_article(phrase) in self.themes and all(
            self.movies[movie_id].rating_count < self.well_known_count for movie_id in self.titles.exact[phrase]
        )

    def is_whole_title(self, text: str) -> bool:
        """Is the request just a title, maybe with its year or "movie"/"film" ("heat 1995", "the matrix film")?"""
        words = fold(text).split()
        while words and (words[-1] in ("movie", "film") or YEAR_AFTER.match(words[-1])):
            words = words[:-1]
        return bool(words) and self.resolve_title(" ".join(words)) is not None

    def find_people(self, text: str, titles: Iterable[str] = ()) -> list[str]:
        """Catalog people named in the text; a surname alone not when it is a word of one of the
        `titles` found in it ("forrest gump" names no Frederic Forrest)."""
        words = fold(text).split()
        inside = [f" {variant} " for title in titles for variant in title_variants(title)]
        # A span resolve_person refuses ("michael man": everyday words match only exactly) is no person,
        # and must not take words a real name needs ("charlie kaufman and graham beckel").
        spans = self._scan(words, self.people, lambda span, start, end, phrase: len(span) < 5
                           or end - start == 1 and any(f" {span} " in variant for variant in inside)
                           or self.resolve_person(span) is None)  # fmt: skip
        return list(dict.fromkeys(self.resolve_person(" ".join(words[start:end])) for start, end, _ in spans))

    def _scan(self, words: list[str], index: FuzzyIndex, cue_needed) -> list[tuple[int, int, str]]:
        """(start, end, indexed phrase) of the index's phrases in `words`: longest first, never
        overlapping, in text order; fuzzy only for spans of 7 characters or more. `cue_needed(span,
        start, end, phrase)` refuses a match; `phrase` differs from `span` for a fuzzy one."""
        taken: set[int] = set()
        matches = []
        for size in range(min(MAX_SPAN_TOKENS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                end = start + size
                if taken & set(range(start, end)):
                    continue
                span = " ".join(words[start:end])
                found = index.lookup(span, fuzzy=len(span) >= 7)
                if not found or cue_needed(span, start, end, found[0][0]):
                    continue
                taken |= set(range(start, end))
                matches.append((start, end, found[0][0]))
        return sorted(matches)


def typed_form(title: str) -> str:
    """A title as people type it: without the alternate title in parentheses."""
    return re.sub(r"\s*\([^)]*\)", "", title).strip() or title


def title_variants(title: str) -> set[str]:
    """How people write a title: 'Star Wars: Episode IV - A New Hope' -> the whole, without the
    article, the part before the colon and the subtitle after it ("a new hope"); 'The Godfather: Part
    II' also as "godfather part 2" and "godfather 2"; 'Seven (a.k.a. Se7en)' also as "se7en". Other
    alternate titles in parentheses (mostly the original language's) are left out."""
    head = typed_form(title)
    folded = fold(head)
    variants = {folded, without_article(folded)}
    also_known = re.search(r"\(a\.k\.a\. ([^)]+)\)", title)
    if also_known:
        variants.add(fold(also_known.group(1)))
    if ":" in head:
        before = fold(head.split(":", 1)[0])
        if len(before) >= 4 and not before.isdigit():  # "2001: A Space Odyssey" is not called "2001"
            variants.add(before)
        subtitle = fold(re.split(r":| - ", head)[-1])
        variants |= {form for form in (subtitle, without_article(subtitle)) if _telling_subtitle(form)}
    for variant in list(variants):
        numbered = " ".join(ROMAN.get(word, word) for word in variant.split(" "))
        if numbered != variant:
            variants |= {numbered, numbered.replace(" part ", " ")}
    return {variant for variant in variants if variant}


def _telling_subtitle(subtitle: str) -> bool:
    """Is a subtitle something people say for the movie ("return of the king", "fury road"), not a
    numbering ("part ii") or a plain phrase ("the movie", "origins")?"""
    words = subtitle.split()
    if len(words) < 2 or words[0] in ("part", "episode", "chapter", "vol", "volume", "book"):
        return False
    return len(words) >= 3 or not all(everyday(word) for word in words)


def _title_rank(distance: int, movie: GraphMovie, year: int | None) -> tuple:
    year_off = 0 if year is None or movie.year is None else min(abs(movie.year - year), 2)
    return (year_off if year is not None else 0, distance, -movie.rating_count)
