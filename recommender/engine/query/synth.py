"""Synthetic search requests grounded in the catalog, with their labels, split so that the test
split holds phrasings and movies the training split never saw.

The generator walks the catalog graph: a template's slots are filled with movies, people (by role),
genre words, decades, TMDB keywords and constraint words, and the labels come from what filled them,
so every label is true of the catalog. Then people's ways of typing are applied: lower case, no
punctuation, a typo (also inside titles: the label keeps the real title), slang, filler words.

Splits: templates (per intent) and movies and people are each assigned to train / validation / test
by a hash of (seed, id); an example only uses templates, movies and people of its own split.
Deterministic for a given graph, seed and GENERATOR_VERSION.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from dataclasses import dataclass, field

from recommender.engine.query.graph import CatalogGraph, GraphMovie
from recommender.engine.query.lexicon import GENRE_WORDS
from recommender.engine.query.templates import NON_REC, REC

GENERATOR_VERSION = 1
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
            for template_id, pattern in templates:
                self.templates[split_of("template", template_id, seed)][intent].append((template_id, pattern))
        self.movies = {split: [] for split in SPLITS}
        for movie in sorted(graph.movies.values(), key=lambda movie: movie.id):
            self.movies[split_of("movie", movie.id, seed)].append(movie)
        self.weights = {split: [(movie.rating_count + 1) ** 0.5 for movie in movies]
                        for split, movies in self.movies.items()}  # fmt: skip
        self.people = {split: {"director": [], "cast": [], "writer": []} for split in SPLITS}
        for name, roles in sorted(graph.people.items()):
            for role, ids in roles.items():
                if role == "cast" and len(ids) < 2:
                    continue  # walk-on parts: nobody searches for them
                self.people[split_of("person", name, seed)][role].append(name)
        self.title_counts = Counter(movie.title for movie in graph.movies.values())
        self.themes = sorted(theme for theme in graph.themes(min_theme_movies) if 4 <= len(theme) <= 30)

    def generate(self, count: int) -> list[Example]:
        """`count` examples, split in FRACTIONS, about 55% rec, each with its split's parts only."""
        rng = random.Random(self.seed)
        examples = []
        for split, fraction in zip(SPLITS, FRACTIONS, strict=True):
            wanted, made, attempts = round(count * fraction), 0, 0
            while made < wanted:
                attempts += 1
                if attempts > 50 * wanted:
                    raise ValueError(f"the catalog is too small to fill the {split} split's templates")
                intent = "rec" if rng.random() < 0.55 else "non_rec"
                if not self.templates[split][intent]:
                    intent = "non_rec" if intent == "rec" else "rec"
                template_id, pattern = rng.choice(self.templates[split][intent])
                example = self._fill(rng, split, intent, template_id, pattern)
                if example is not None:
                    examples.append(example)
                    made += 1
        return examples

    def _fill(self, rng: random.Random, split: str, intent: str, template_id: str, pattern: str) -> Example | None:
        labels = {"intent": intent, "titles": [], "people": [], "genres": [], "themes": [], "decades": [],
                  "plot": None, "constraints": {"exclude_genres": [], "less": [], "more": []}}  # fmt: skip
        movie_ids: list[int] = []
        values = {}
        for slot in re.findall(r"(?<!\{)\{(\w+)\}(?!\})", pattern):
            value = self._slot(rng, split, slot, labels, movie_ids)
            if value is None:
                return None
            values[slot] = value
        text = pattern.replace("{{", "\x01").replace("}}", "\x02")
        for slot, value in values.items():
            text = text.replace("{" + slot + "}", value, 1)
        text = self._noisy(rng, text.replace("\x01", "{").replace("\x02", "}"))
        return Example(text, labels, template_id, split, movie_ids)

    def _slot(self, rng, split, slot, labels, movie_ids):
        if slot in ("title", "title2"):
            movie = self._movie(rng, split, exclude=movie_ids)
            if movie is None:
                return None
            movie_ids.append(movie.id)
            labels["titles"].append({"id": movie.id, "title": movie.title, "year": movie.year})
            return self._typed_title(rng, movie)
        if slot in ("director", "actor", "writer"):
            role = {"actor": "cast"}.get(slot, slot)
            names = self.people[split][role]
            if not names:
                return None
            name = rng.choice(names)
            labels["people"].append({"name": name, "role": role})
            return name if rng.random() < 0.5 else name.lower()
        if slot in ("genre", "genre2", "xgenre"):
            taken = set(labels["genres"]) | set(labels["constraints"]["exclude_genres"])
            genre = rng.choice([genre for genre in sorted(_GENRE_SAYINGS) if genre not in taken and genre != "IMAX"])
            (labels["constraints"]["exclude_genres"] if slot == "xgenre" else labels["genres"]).append(genre)
            return rng.choice(_GENRE_SAYINGS[genre])
        if slot == "decade":
            decade = rng.choice([1950, 1960, 1970, 1980, 1990, 2000, 2010])
            labels["decades"].append(decade)
            phrase = rng.choice(DECADE_PHRASES if decade in DECADE_NAMES else DECADE_PHRASES[:4])
            return phrase.format(d2=f"{decade % 100:02d}", d4=decade, word=DECADE_NAMES.get(decade, ""))
        if slot == "theme":
            theme = rng.choice(self.themes) if self.themes else None
            if theme:
                labels["themes"].append(theme)
            return theme
        if slot == "plot":
            movie = self._movie(rng, split, exclude=movie_ids, with_keywords=True)
            if movie is None:
                return None
            words = rng.sample(movie.keywords, min(2, len(movie.keywords)))
            plot = " and ".join(f"there is a {word}" if i == 0 else word for i, word in enumerate(words))
            labels["plot"] = plot
            return plot
        if slot == "less":
            word = rng.choice(LESS_WORDS)
            labels["constraints"]["less"].append(word)
            return word
        if slot == "more":
            word = rng.choice(MORE_WORDS)
            labels["constraints"]["more"].append(word)
            return word
        raise ValueError(f"unknown slot {{{slot}}}")

    def _movie(self, rng, split, exclude=(), with_keywords=False) -> GraphMovie | None:
        if not self.movies[split]:
            return None
        for _ in range(50):
            movie = rng.choices(self.movies[split], weights=self.weights[split])[0]
            if movie.id not in exclude and (movie.keywords or not with_keywords):
                return movie
        return None

    def _typed_title(self, rng: random.Random, movie: GraphMovie) -> str:
        title = re.sub(r"\s*\([^)]*\)", "", movie.title).strip() or movie.title
        if rng.random() < 0.3:
            title = re.sub(r"^(The|A|An) ", "", title)
        if rng.random() < 0.5:
            title = title.lower()
        if movie.year and (self.title_counts[movie.title] > 1 or rng.random() < 0.15):  # a remake: say which one
            title += rng.choice([f" ({movie.year})", f" {movie.year}", f" from {movie.year}"])
        return title

    def _noisy(self, rng: random.Random, text: str) -> str:
        if rng.random() < 0.25:
            text = _typo(rng, text)
        if rng.random() < 0.2:
            text = " ".join(rng.choice(SLANG[word]) if word in SLANG and rng.random() < 0.7 else word
                            for word in text.split(" "))  # fmt: skip
        if rng.random() < 0.3:
            text = re.sub(r"[?!.,]", "", text)
        if rng.random() < 0.15:
            text = f"{text} {rng.choice(FILLERS)}"
        if rng.random() < 0.1:
            text = text.capitalize()
        return text


def _typo(rng: random.Random, text: str) -> str:
    """One typo in one word of 5 letters or more: a letter dropped, doubled or swapped."""
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word, at = words[i], rng.randrange(1, len(words[i]) - 1)
    operation = rng.choice(("drop", "double", "swap"))
    if operation == "drop":
        word = word[:at] + word[at + 1 :]
    elif operation == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    words[i] = word
    return " ".join(words)


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
