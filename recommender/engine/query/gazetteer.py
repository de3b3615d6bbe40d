"""Find catalog movies and people in free text, and resolve a title someone typed to a movie.

Two uses: `resolve(span, year)` turns a title the parser extracted ("godfathr", "heat 1995") into
a catalog movie, typos tolerated and remakes told apart by year; `find(text)` scans a whole request
for titles and names, which is what the non-LLM baseline does. Scanning has to guess which words
are a title ("date night" is a 2010 film and also a plan), so a short or common-word title counts
only with a cue: "like Heat", "Heat (1995)", quotes, or the request being just the title.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from recommender.engine.query.graph import CatalogGraph, GraphMovie

MAX_SPAN_TOKENS = 12  # "the lord of the rings the fellowship of the ring" is 10
_ARTICLE = re.compile(r"^(the|a|an) ")
_YEAR_AFTER = re.compile(r"^\s*(?:\(\s*|from\s+)?((?:19|20)\d\d)\b")
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
VERY_EVERYDAY_ZIPF = 5.0  # "watch", "name", "game": about once in 10,000 words
# Words after a title that opens the request and make it one: "taxi driver but funnier", "heat director".
CUES_AFTER_OPENING = frozenset(
    """but writer director genre cast runtime plot sequel prequel remake soundtrack ending vibes vibe
    who when what how""".split()
)
# What people end a request with: "tape movie thx", "glynis johns haha".
FILLERS = frozenset("lol pls plz please asap thx thanks tbh haha ok".split())
# The parser's own words, which people who try to steer it paste: never a title.
PARSER_WORDS = frozenset({"rec", "non rec", "intent"})
# Words that join two titles: "goodfellas or casino", "gravity and contact". Next to a title the scan
# found, a title made of everyday words counts.
JOINERS = frozenset("and or vs versus nor".split())
# Everyday words: a title made only of these needs a cue ("up", "her", "date night", "the movie").
COMMON = frozenset(
    """a an the and or but if so of to in on at by for with without from about as is are was were be
    been it its this that these those i me my we us our you your he she him her his they them their what who whom
    which when where why how all any some something anything nothing everything one two three first last next new
    old good great best bad better worse more less most very really just only also not no yes up down out over
    under again then now here there night day time date love life man woman girl boy kids family home house
    movie movies film films show watch see want need like get go make know think tonight today big little
    long short fun funny scary happy sad dark light night war game story world friends friend lol pls please
    thanks hi hello hey ok okay help me find give recommend suggest same vibe vibes kinda sorta stuff thing things
    type kind sort lot lots bit way place times guy guys people person shows watched else much many other others
    another every around after before while still even ever never always maybe actually pretty quite enough back
    away off right left own different real true sure tell ask know let take makes made end ending part whole
    nice cool awesome fine weird strange crazy wild mood feel feeling weekend rainy sunday
    cant dont wont isnt im ive didnt doesnt arent wasnt youre thats whats lets rec recs""".split()
)
# A word this frequent in English (Zipf scale: 4 is about once in 100,000 words, per the wordfreq
# package's corpus) is an everyday word too: "possession", "invasion", "hero" are titles and plain words.
# Chosen on the synthetic validation split: at 4.0 the scan's title F1 is highest (see the closing note
# of issue 12); lower thresholds start to require a cue for titles like "Jaws" or "Titanic".
EVERYDAY_ZIPF = 4.0
# Pronouns and the like: even after a cue ("find me something like it") they are a title only when
# written as one: capitalised ("like It") or quoted.
PRONOUNS = frozenset("it this that them her him us me you she he they one".split())


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How frequent a word is in English, on the Zipf scale (wordfreq); 0 for words it has never seen."""
    from wordfreq import zipf_frequency  # its word lists load on first use (~0.2 s), not at import

    return zipf_frequency(word, "en")


def everyday(word: str) -> bool:
    """Is this folded word ordinary English (a number included), not something only a title would say?"""
    return word in COMMON or word.isdigit() or zipf(word) >= EVERYDAY_ZIPF


def fold(text: str) -> str:
    """Lower case ASCII words and digits, '&' read as 'and', everything else a space."""
    text = unicodedata.normalize("NFKD", text.replace("·", " ")).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.replace("'", "")).split())


def without_article(folded: str) -> str:
    """A folded phrase without its leading "the", "a" or "an"."""
    return _ARTICLE.sub("", folded)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edit distance with swapped neighbours as one edit (optimal string alignment), or limit + 1 as
    soon as it must exceed `limit`. "hnery" is one typo away from "henry", not two."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if before is not None and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def typo_budget(text: str) -> int:
    return 0 if len(text) < 5 else 1 if len(text) < 10 else 2


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
        match = _YEAR_AFTER.search(folded.rsplit(" ", 1)[-1]) if " " in folded else None
        if match and year is None and folded not in self.titles.exact:  # "heat 1995", not "death race 2000"
            year, folded = int(match.group(1)), folded.rsplit(" ", 1)[0]
        candidates = []
        for variant in {folded, _ARTICLE.sub("", folded)}:
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
        from recommender.engine.query.lexicon import GENRE_WORDS  # the lexicon builds on this module

        if _ARTICLE.sub("", fold(span)) in GENRE_WORDS:  # "war pls": a genre, whatever the model says
            return None
        exact = self.resolve_mention(span, year) or self.resolve_start(span)
        if exact is not None or all(everyday(word) for word in fold(span).split()):
            return exact
        movie = self.resolve_title(span, year)
        if movie is None:
            return None
        words = fold(typed_form(movie.title))
        if all(everyday(word) for word in words.split()) or _ARTICLE.sub("", words) in GENRE_WORDS:
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
        found = self.people.lookup(fold(span))
        names = [name for phrase, _ in found for name in self.people.exact[phrase]]
        return max(names, key=lambda name: sum(len(ids) for ids in self.roles.get(name, {}).values()), default=None)

    # --- scanning a whole request (the baseline) ----------------------------------------------------

    def find_titles(self, text: str) -> list[tuple[GraphMovie, int | None]]:
        """Movies named in the text, in order, with a year written right after the title if any."""
        words = fold(text).split()
        found = []

        def cue_needed(span: str, start: int, end: int, phrase: str) -> bool:
            return _needs_cue(span, words, start, end, text, phrase, theme_word=self.theme_title(phrase))

        names = self._scan(
            words, self.people, lambda span, start, end, phrase: end - start < 2 or span not in (phrase, phrase + "s")
        )  # fmt: skip  ("michael gambon's latest")
        matches = self._scan(words, self.titles, cue_needed)
        for start, end, phrase in sorted(matches + self._joined(words, matches, text)):
            typo = phrase != " ".join(words[start:end])
            if any(first <= start and end <= last and (end - start < last - first or typo) for first, last, _ in names):
                continue  # "Hancock" inside "John Lee Hancock"; "Mr. Brooks" is not "Mel Brooks"
            year = _year_after(words, end)
            found.append((self.resolve_title(" ".join(words[start:end]), year), year))
        return [(movie, year) for movie, year in found if movie is not None]

    def _joined(self, words: list[str], matches: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
        """Titles joined to a found one by "and", "or", "vs" ("goodfellas or casino"): there a title
        of everyday words counts, as after a cue."""
        taken = {position for start, end, _ in matches for position in range(start, end)}
        joined = []
        for start, end, _ in matches:
            if _year_after(words, end):  # "fatal instinct (1993) or the harvest"
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
                if found and not _needs_cue(
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
        while words and (words[-1] in ("movie", "film") or _YEAR_AFTER.match(words[-1])):
            words = words[:-1]
        return bool(words) and self.resolve_title(" ".join(words)) is not None

    def find_people(self, text: str, titles: Iterable[str] = ()) -> list[str]:
        """Catalog people named in the text; a surname alone not when it is a word of one of the
        `titles` found in it ("forrest gump" names no Frederic Forrest)."""
        words = fold(text).split()
        inside = [f" {variant} " for title in titles for variant in title_variants(title)]
        spans = self._scan(words, self.people, lambda span, start, end, phrase: len(span) < 5
                           or end - start == 1 and any(f" {span} " in variant for variant in inside))  # fmt: skip
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
    head = re.sub(r"\s*\([^)]*\)", "", title).strip() or title
    folded = fold(head)
    variants = {folded, _ARTICLE.sub("", folded)}
    also_known = re.search(r"\(a\.k\.a\. ([^)]+)\)", title)
    if also_known:
        variants.add(fold(also_known.group(1)))
    if ":" in head:
        before = fold(head.split(":", 1)[0])
        if len(before) >= 4 and not before.isdigit():  # "2001: A Space Odyssey" is not called "2001"
            variants.add(before)
        subtitle = fold(re.split(r":| - ", head)[-1])
        variants |= {form for form in (subtitle, _ARTICLE.sub("", subtitle)) if _telling_subtitle(form)}
    for variant in list(variants):
        numbered = " ".join(_ROMAN.get(word, word) for word in variant.split(" "))
        if numbered != variant:
            variants |= {numbered, numbered.replace(" part ", " ")}
    return {variant for variant in variants if variant}


_ROMAN = {"ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9"}


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


def _needs_cue(
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
    from recommender.engine.query.lexicon import GENRE_WORDS  # the lexicon builds on this module

    size, fuzzy = end - start, span != phrase
    if fuzzy and (_short_word_typo(span, phrase) or all(everyday(word) for word in span.split())):
        return True  # "out and" is no typo of Outland, nor "the weather" of The Watcher
    article = words[start - 1] if start > 0 else None
    if fuzzy and span.split(" ", 1)[-1] == phrase:  # "a haunted house" is one edit from "haunted house"
        article = span.split(" ", 1)[0]
    kind_of_movies = size == 1 and end < len(words) and words[end] in ("movies", "films", "flicks")
    if article in ("a", "an") and not phrase.startswith(article + " ") or kind_of_movies:
        # "zombie movies" is a kind of movie, not Zombie (1979)
        return not (_capitalised(words, start, end, raw) or _year_after(words, end) or _quoted(span, raw))
    # Three words or more that spell a whole title rarely do so by chance: there the hand list decides.
    # A typo is judged by the title it nearly spells: "date niight" is the everyday "date night".
    plain = (lambda word: word in COMMON) if size >= 3 and not fuzzy else everyday
    # Words that name a kind of movie: a genre ("thrillers"), a catalog keyword ("castle", "hostage").
    genre_word = _ARTICLE.sub("", span) in GENRE_WORDS or _ARTICLE.sub("", phrase) in GENRE_WORDS
    ordinary = all(plain(word) for word in phrase.split()) or (size == 1 and (len(span) < 6 or fuzzy))
    if not (ordinary or genre_word or theme_word):
        return False
    year_after = _year_after(words, end) is not None
    rest = words[end:]
    # "romance pls", "romance movie" ask for the genre; "tape movie thx" for the film
    only_year = not rest or year_after and len(rest) == (2 if rest[0] == "from" else 1)
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
    return not (whole_request or cued or year_after or quoted)


def _nothing_else(rest: list[str]) -> bool:
    """Is what follows a title only its year, "movie"/"film" or a filler ("heat 1995", "tape movie thx")?"""
    rest = [word for word in rest if word not in FILLERS]
    if rest and rest[0] in ("movie", "film"):
        rest = rest[1:]
    if rest and rest[0] == "from":
        rest = rest[1:]
    return not rest or len(rest) == 1 and _YEAR_AFTER.match(rest[0]) is not None


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
    span = [word for word in typed[start:end] if not (word.isdigit() or word.lower() in _ROMAN)]  # "Saw II"
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


def _year_after(words: list[str], end: int) -> int | None:
    """The year written right after a title: "heat 1995", "heat (1995)" (folded away), "heat from 1995"."""
    match = _YEAR_AFTER.match(" ".join(words[end : end + 2]))
    return int(match.group(1)) if match else None


def fold_keep_quotes(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9\"']+", " ", text)
