"""Synthetic search requests grounded in the catalog, with their labels, split so that the test
split holds phrasings and movies the training split never saw.

The generator walks the catalog graph: a template's slots are filled with movies, people (by role),
genre words, decades, TMDB keywords and constraint words, and the labels come from what filled them,
so every label is true of the catalog. Then people's ways of typing are applied: lower case, no
punctuation, a typo (also inside titles: the label keeps the real title), slang, filler words.
A request is written as pieces (template words, slot values), so each title, person, theme, plot
and constraint label also records its span: the words as they appear in the final text, which is
what a parser extracts and the gazetteer then resolves.

Splits: templates (per intent) and movies and people are each assigned to train / validation / test
by a hash of (seed, id); an example only uses templates, movies and people of its own split.
Deterministic for a given graph, seed and GENERATOR_VERSION.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from recommender.engine.query.gazetteer import title_variants, typed_form
from recommender.engine.query.graph import CatalogGraph, GraphMovie
from recommender.engine.query.lexicon import GENRE_WORDS
from recommender.engine.query.templates import NON_REC, REC

GENERATOR_VERSION = 3  # 2: labels carry the spans as typed and the ask; more templates. 3: no repeated request
SPLITS = ("train", "validation", "test")
FRACTIONS = (0.8, 0.1, 0.1)
DECADE_PHRASES = ("{d2}s", "the {d2}s", "{d4}s", "'{d2}s", "the {word}")
DECADE_NAMES = {1920: "twenties", 1930: "thirties", 1940: "forties", 1950: "fifties", 1960: "sixties",
                1970: "seventies", 1980: "eighties", 1990: "nineties"}  # fmt: skip
LESS_WORDS = ("gory", "violent", "long", "slow", "dark", "sad", "scary", "cheesy", "depressing", "serious")
MORE_WORDS = ("action", "romance", "humor", "suspense", "twists", "jokes", "car chases", "heart")
SLANG = {"something": ("smth", "sth", "somethin"), "movies": ("flicks", "movies", "films"), "please": ("pls", "plz"),
         "you": ("u",), "recommend": ("rec", "recommend"), "what's": ("whats", "wats"), "tonight": ("2nite",),
         "because": ("cuz",), "really": ("rly",), "with": ("w/",)}  # fmt: skip
# A plot detail from one or two of a movie's TMDB keywords.
PLOT_PHRASES = (
    ("there is a {0}", "it involves {0}", "{0} happens"),
    ("there is a {0} and {1}", "there's {0} and {1}", "it involves {0} and {1}", "{0} and {1} happen"),
)
_PLACEHOLDER = re.compile(r"^(Untitled|Unknown|Untitled Project)\b", re.IGNORECASE)  # catalog rows nobody types
_SLOT = re.compile(r"((?<!\{)\{\w+\}(?!\}))")  # a slot, not a literal {{brace}}
_SLOT_NAME = re.compile(r"\{(\w+)\}")
FILLERS = ("lol", "pls", "thx", "!!", "??", "haha", "asap", "tbh")
_GENRE_SAYINGS: dict[str, list[str]] = {}
for _word, _genre in GENRE_WORDS.items():
    _GENRE_SAYINGS.setdefault(_genre, []).append(_word)


def split_of(kind: str, key: object, seed: int) -> str:
    """train / validation / test for a template, movie or person, stable across runs."""
    digest = hashlib.sha256(f"{seed}:{kind}:{key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    return SPLITS[0] if point < FRACTIONS[0] else SPLITS[1] if point < FRACTIONS[0] + FRACTIONS[1] else SPLITS[2]


@dataclass
class Piece:
    """A stretch of a request being written: template words, or a slot's value that remembers its span."""

    text: str
    keep_span: Callable[[str], None] | None = None  # called with the final text: the label's span
    slot: bool = True  # False for template words


@dataclass
class Example:
    text: str
    labels: dict
    template: str
    split: str
    movie_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"text": self.text, "labels": self.labels, "template": self.template, "split": self.split,
                "movie_ids": self.movie_ids}  # fmt: skip


class Generator:
    def __init__(self, graph: CatalogGraph, seed: int = 42, min_theme_movies: int = 3) -> None:
        self.graph, self.seed = graph, seed
        self.templates = {split: {"rec": [], "non_rec": []} for split in SPLITS}
        for intent, templates in (("rec", REC), ("non_rec", NON_REC)):
            for template in templates:
                self.templates[split_of("template", template[0], seed)][intent].append(template)
        self.movies = {split: [] for split in SPLITS}
        for movie in sorted(graph.movies.values(), key=lambda movie: movie.id):
            if not _PLACEHOLDER.match(movie.title):
                self.movies[split_of("movie", movie.id, seed)].append(movie)
        self.weights = {split: [(movie.rating_count + 1) ** 0.5 for movie in movies]
                        for split, movies in self.movies.items()}  # fmt: skip
        self.people = {split: {"director": [], "cast": [], "writer": []} for split in SPLITS}
        for name, roles in sorted(graph.people.items()):
            for role, ids in roles.items():
                if role == "cast" and len(ids) < 2:
                    continue  # walk-on parts: nobody searches for them
                self.people[split_of("person", name, seed)][role].append(name)
        # How many movies people would type the same way: those need their year to be told apart.
        self.title_counts = Counter(
            variant for movie in graph.movies.values() for variant in title_variants(movie.title)
        )
        self.themes = sorted(theme for theme in graph.themes(min_theme_movies) if 4 <= len(theme) <= 30)

    def generate(self, count: int) -> list[Example]:
        """`count` examples, split in FRACTIONS, about 55% rec, each with its split's parts only.
        No request is written twice (ignoring case): a template without slots ("tell me a joke") would
        otherwise fill a split with copies, and a score would count one reading dozens of times."""
        rng = random.Random(self.seed)
        examples, written = [], set()
        for split, fraction in zip(SPLITS, FRACTIONS, strict=True):
            wanted, made, attempts = round(count * fraction), 0, 0
            while made < wanted:
                attempts += 1
                if attempts > 50 * wanted:
                    raise ValueError(f"the catalog is too small to fill the {split} split's templates")
                intent = "rec" if rng.random() < 0.55 else "non_rec"
                if not self.templates[split][intent]:
                    intent = "non_rec" if intent == "rec" else "rec"
                example = self._fill(rng, split, intent, rng.choice(self.templates[split][intent]))
                if example is not None and example.text.lower() not in written:
                    written.add(example.text.lower())
                    examples.append(example)
                    made += 1
        return examples

    def _fill(self, rng: random.Random, split: str, intent: str, template: tuple) -> Example | None:
        template_id, pattern, ask = template
        labels = {"intent": intent, "ask": ask, "titles": [], "people": [], "genres": [], "themes": [],
                  "decades": [], "plot": None,
                  "constraints": {"exclude_genres": [], "less": [], "more": []}}  # fmt: skip
        movie_ids: list[int] = []
        pieces: list[Piece] = []
        for part in _SLOT.split(pattern):
            slot = _SLOT_NAME.fullmatch(part)
            if slot is None:
                if part:
                    pieces.append(Piece(part.replace("{{", "{").replace("}}", "}"), slot=False))
                continue
            filled = self._slot(rng, split, slot.group(1), labels, movie_ids)
            if filled is None:
                return None
            pieces += filled
        self._noisy(rng, pieces)
        for piece in pieces:
            if piece.keep_span:
                piece.keep_span(piece.text)
        return Example("".join(piece.text for piece in pieces), labels, template_id, split, movie_ids)

    def _slot(self, rng, split, slot, labels, movie_ids) -> list[Piece] | None:
        """The pieces a slot is written as; each records its text as typed into the labels (its span)."""
        if slot in ("title", "title2"):
            movie = self._movie(rng, split, exclude=movie_ids)
            if movie is None:
                return None
            movie_ids.append(movie.id)
            label = {"id": movie.id, "title": movie.title, "year": movie.year, "typed_year": None}
            labels["titles"].append(label)
            typed, year_suffix = self._typed_title(rng, movie)
            label["typed_year"] = movie.year if year_suffix else None
            year = [Piece(year_suffix, slot=False)] if year_suffix else []
            return [Piece(typed, lambda span: label.update(span=span)), *year]
        if slot in ("director", "actor", "writer"):
            role = {"actor": "cast"}.get(slot, slot)
            names = self.people[split][role]
            if not names:
                return None
            name = rng.choice(names)
            label = {"name": name, "role": role}
            labels["people"].append(label)
            return [Piece(name if rng.random() < 0.5 else name.lower(), lambda span: label.update(span=span))]
        if slot in ("genre", "genre2", "xgenre"):
            taken = set(labels["genres"]) | set(labels["constraints"]["exclude_genres"])
            genre = rng.choice([genre for genre in sorted(_GENRE_SAYINGS) if genre not in taken and genre != "IMAX"])
            (labels["constraints"]["exclude_genres"] if slot == "xgenre" else labels["genres"]).append(genre)
            return [Piece(rng.choice(_GENRE_SAYINGS[genre]))]
        if slot == "decade":
            decade = rng.choice([1950, 1960, 1970, 1980, 1990, 2000, 2010])
            labels["decades"].append(decade)
            phrase = rng.choice(DECADE_PHRASES if decade in DECADE_NAMES else DECADE_PHRASES[:4])
            return [Piece(phrase.format(d2=f"{decade % 100:02d}", d4=decade, word=DECADE_NAMES.get(decade, "")))]
        if slot == "theme":
            if not self.themes:
                return None
            return [_listed(rng.choice(self.themes), labels["themes"])]
        if slot == "plot":
            movie = self._movie(rng, split, exclude=movie_ids, with_keywords=True)
            if movie is None:
                return None
            words = rng.sample(movie.keywords, min(2, len(movie.keywords)))
            plot = rng.choice(PLOT_PHRASES[len(words) - 1]).format(*words)
            return [Piece(plot, lambda span: labels.update(plot=span))]
        if slot in ("less", "more"):
            words = LESS_WORDS if slot == "less" else MORE_WORDS
            return [_listed(rng.choice(words), labels["constraints"][slot])]
        raise ValueError(f"unknown slot {{{slot}}}")

    def _movie(self, rng, split, exclude=(), with_keywords=False) -> GraphMovie | None:
        if not self.movies[split]:
            return None
        for _ in range(50):
            movie = rng.choices(self.movies[split], weights=self.weights[split])[0]
            if movie.id not in exclude and (movie.keywords or not with_keywords):
                return movie
        return None

    def _typed_title(self, rng: random.Random, movie: GraphMovie) -> tuple[str, str]:
        """(the title as typed, a year written after it or ""): lower case, no article, a remake's year."""
        title = typed_form(movie.title)
        if rng.random() < 0.3:
            title = re.sub(r"^(The|A|An) ", "", title)
        if rng.random() < 0.5:
            title = title.lower()
        shared = any(self.title_counts[variant] > 1 for variant in title_variants(movie.title))  # a remake, a namesake
        if movie.year and (shared or rng.random() < 0.15):
            return title, rng.choice([f" ({movie.year})", f" {movie.year}", f" from {movie.year}"])
        return title, ""

    def _noisy(self, rng: random.Random, pieces: list[Piece]) -> None:
        """People's ways of typing, applied to the pieces in place (slot values included, so a label's
        span is what was typed): a typo, slang and fillers (template words only), no punctuation,
        everything lower case but the first letter."""
        if rng.random() < 0.25:
            # In slot values only where a typo leaves the word recognisable (6 letters or more).
            words = [(i, j) for i, piece in enumerate(pieces) for j, word in enumerate(piece.text.split(" "))
                     if len(word) >= (6 if piece.slot else 5) and word.isalpha()]  # fmt: skip
            if words:
                i, j = rng.choice(words)
                split_words = pieces[i].text.split(" ")
                split_words[j] = _typo(rng, split_words[j])
                pieces[i].text = " ".join(split_words)
        if rng.random() < 0.2:
            for piece in pieces:
                if not piece.slot:
                    piece.text = " ".join(rng.choice(SLANG[word]) if word in SLANG and rng.random() < 0.7 else word
                                          for word in piece.text.split(" "))  # fmt: skip
        if rng.random() < 0.3:
            for piece in pieces:
                piece.text = re.sub(r"[?!.,]", "", piece.text)
        if rng.random() < 0.15:
            pieces.append(Piece(f" {rng.choice(FILLERS)}", slot=False))
        if rng.random() < 0.1:
            for piece in pieces:
                piece.text = piece.text.lower()
            pieces[0].text = pieces[0].text[:1].upper() + pieces[0].text[1:]


def _typo(rng: random.Random, word: str) -> str:
    """One typo in a word of 5 letters or more: a letter dropped, doubled or swapped."""
    at = rng.randrange(1, len(word) - 1)
    operation = rng.choice(("drop", "double", "swap"))
    if operation == "drop":
        return word[:at] + word[at + 1 :]
    if operation == "double":
        return word[:at] + word[at] + word[at:]
    return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]


def _listed(value: str, labels: list) -> Piece:
    """A piece whose typed text is appended to a label list (themes, less, more)."""
    return Piece(value, labels.append)


def manifest(examples: list[Example], seed: int) -> dict:
    """What a data set holds: generator version, seed, counts per split, intent and entity type."""
    counts: dict = {split: Counter() for split in SPLITS}
    for example in examples:
        tally = counts[example.split]
        tally["examples"] += 1
        tally[f"intent:{example.labels['intent']}"] += 1
        for key in ("titles", "people", "genres", "themes", "decades"):
            tally[f"entity:{key}"] += len(example.labels[key])
        tally["entity:plot"] += example.labels["plot"] is not None
        for key, values in example.labels["constraints"].items():
            tally[f"entity:{key}"] += len(values)
    templates = {split: sorted({e.template for e in examples if e.split == split}) for split in SPLITS}
    return {"generator_version": GENERATOR_VERSION, "seed": seed, "count": len(examples),
            "counts": {split: dict(sorted(tally.items())) for split, tally in counts.items()},
            "templates": templates}  # fmt: skip
