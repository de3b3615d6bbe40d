"""The non-LLM parser: a linear intent classifier on sentence embeddings, plus the gazetteer and
the lexicon for entities. It is the fallback whenever a model's output cannot be used, and the
baseline every language-model parser is measured against."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from recommender.engine.query.gazetteer import MAX_SPAN_TOKENS, Gazetteer, title_variants
from recommender.engine.query.graph import GraphMovie
from recommender.engine.query.lexicon import GENRE_WORDS, decades_in, genres_in, less_more_in
from recommender.engine.query.schema import INTENTS, Constraints, ParsedQuery, PersonRef, TitleRef
from recommender.engine.query.words import COMMON, FILLERS, edit_distance, fold

_ROLE_CUES = (("director", re.compile(r"\b(directed by|director|by|from director)\s*$")),
              ("writer", re.compile(r"\b(written by|writer|screenplay by)\s*$")),
              ("cast", re.compile(r"\b(with|starring|stars|actor|actress|featuring|in)\s*$")))  # fmt: skip
_PLOT = re.compile(r"\b(?:about|where|in which)\s+(.{6,120})$")


class IntentClassifier:
    """Logistic regression over sentence vectors; weights kept as numpy arrays (no sklearn to serve)."""

    def __init__(self, weights: np.ndarray | None = None, bias: float = 0.0) -> None:
        self.weights, self.bias = weights, bias

    def fit(self, vectors: np.ndarray, intents: list[str], *, c: float = 4.0, seed: int = 0) -> IntentClassifier:
        from sklearn.linear_model import LogisticRegression

        target = np.asarray([INTENTS.index(intent) for intent in intents])  # 1 = non_rec
        model = LogisticRegression(C=c, max_iter=2000, random_state=seed, class_weight="balanced")
        model.fit(vectors, target)
        self.weights, self.bias = model.coef_[0].astype(np.float32), float(model.intercept_[0])
        return self

    def non_rec_probability(self, vectors: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(vectors @ self.weights + self.bias)))

    def predict(self, vectors: np.ndarray) -> list[str]:
        return [INTENTS[int(p >= 0.5)] for p in self.non_rec_probability(vectors)]

    def save(self, folder: Path) -> None:
        np.savez(folder / "intent_classifier.npz", weights=self.weights, bias=np.float32(self.bias))

    @classmethod
    def load(cls, folder: Path) -> IntentClassifier:
        with np.load(folder / "intent_classifier.npz") as arrays:
            return cls(arrays["weights"], float(arrays["bias"]))


_ASKS_FOR_MOVIES = re.compile(r"\b(recommend|suggest|something|anything|movies|films|flicks|like|similar|watch|"
                              r"looking for|in the mood|show me|give me|best|top|good)\b")  # fmt: skip
_QUESTION = re.compile(r"^(who|when|what year|what did|what was|what does|how long|how old|how many|what is|whats|is|"
                       r"where|how do|how can|can i|"
                       r"does|did|which)\b")  # fmt: skip
_NOT_A_SEARCH = re.compile(r"^(hi|hello|hey|thanks|thank you|delete|log me|reset|change my)\b")
# What a question asks, by its words (first match wins); used when the request is not a recommendation.
_ASK_CUES = (
    ("my_rating", r"\b(did i rate|i rated|my rating|have i (seen|rated|watched)|did i (see|watch))\b"),
    ("site", r"\b(password|account|log ?out|log me|sign ?up|export|csv|watchlist|support|how do (half )?stars?|"
             r"ratings work|delete my|my ratings|settings|email)\b"),
    ("director", r"\b(directed|director|direct)\b"),
    ("writer", r"\b(wrote|writer|written|screenplay|script)\b"),
    ("cast", r"\b(cast|starred|starring|stars in|who is in|whos in|who plays|actors?|actress|lead)\b"),
    ("runtime", r"\b(how long|runtime|run time|length|minutes|hours long)\b"),
    ("year", r"\b(what year|when (did|was)|released|come out|came out|release date|how old is)\b"),
    ("genre", r"\b(genre|what kind of (movie|film))\b"),
    ("plot", r"\b(about|plot|summary|synopsis|storyline|happens in)\b"),
    ("filmography", r"\b(filmography|films has|movies has|list (every|all)|what (movies|films) (has|did))\b"),
    ("chat", r"^(hi|hello|hey|yo|thanks|thank (you|u)|thx|ty|good (morning|evening)|how are you)\b"),
)  # fmt: skip


# A title then what is asked about it: "heat director", "pulp fiction cast", "manhattan (1979) genre".
_ASK_NOUNS = {"director": "director", "directors": "director", "writer": "writer", "writers": "writer",
              "screenplay": "writer", "cast": "cast", "actors": "cast", "runtime": "runtime", "length": "runtime",
              "plot": "plot", "synopsis": "plot", "summary": "plot", "genre": "genre", "year": "year",
              "release date": "year"}  # fmt: skip
_DATED = re.compile(r"^(.+?) (?:from )?((?:19|20)\d\d)$")
# Words of someone asking for movies to watch, not about one ("need something for date night").
WANTS_MOVIES = re.compile(r"\b(need|want|something|smth|sth|anything|recommend|suggest|show me|give me|looking for|"
                          r"in the mood)\b")  # fmt: skip


# A question, then a second request for movies: "what did i rate heat? and find me something like it".
ALSO_WANTS_MOVIES = re.compile(r"(\?|\band\b|\balso\b|\bthen\b|\bplus\b)\W*(can you |could you |please |pls )?"
                               r"(recommend|suggest|find me|give me|show me|something (similar|like (it|that))|"
                               r"more like (it|this|that)|similar (ones|films|movies))\b")  # fmt: skip


def just_words(text: str) -> str:
    """The folded request without the fillers people end it with ("glynis johns haha")."""
    words = fold(text).split()
    while words and words[-1] in FILLERS:
        words = words[:-1]
    return " ".join(words)


def title_question(gazetteer: Gazetteer, text: str) -> tuple[GraphMovie, str] | None:
    """(movie, ask) when the request is a title followed by what is asked about it ("heat director",
    "great escape writer pls", "andre egnre": the asked word may have a typo), else None. A
    request of that shape asks nothing else, so it is a question whatever a classifier says. So is
    "what's <title> about" (the plot)."""
    words = just_words(text).split()
    if len(words) > 3 and words[-1] == "about" and words[0] in ("whats", "what"):
        span = " ".join(words[2 if words[1] == "is" else 1 : -1])
        movie = gazetteer.resolve_pointed(span)  # None for a genre word ("what's horror about")
        return (movie, "plot") if movie is not None else None
    for size in (2, 1):
        if len(words) <= size:
            continue
        said = " ".join(words[-size:])
        typed_as = [noun for noun in _ASK_NOUNS if noun == said or len(noun) >= 5 and edit_distance(said, noun, 1) <= 1]
        noun = typed_as[0] if typed_as else None
        if noun is None:
            continue
        span, year = " ".join(words[:-size]), None
        dated = _DATED.match(span)  # "producers from 1968 genre", "manhattan (1979) genre"
        if dated:
            span, year = dated.group(1), int(dated.group(2))
        if len(span.split()) > MAX_SPAN_TOKENS:
            return None
        movie = gazetteer.resolve_pointed(span, year)  # None for a genre word ("horror plot")
        return (movie, _ASK_NOUNS[noun]) if movie is not None else None
    return None


def add_title(titles: list[TitleRef], movie: GraphMovie) -> None:
    """Add a movie to a parse's titles unless it is there already."""
    if movie.id not in {title.id for title in titles}:
        titles.append(TitleRef(movie.id, movie.title, movie.year))


def rule_intent(text: str) -> str:
    """The intent when no trained classifier serves yet. A search box mostly gets searches, so a
    request is rec unless it is phrased as a question or an account action without asking for movies."""
    folded = fold(text)
    if _NOT_A_SEARCH.match(folded):
        return "non_rec"
    if _QUESTION.match(folded):
        return "rec" if re.search(r"\b(recommend|suggest|something like|similar)\b", folded) else "non_rec"
    return "rec"


def rule_ask(text: str, intent: str, bare_title: bool) -> str | None:
    """What a request asks, by its words: "who directed heat" -> director; a bare title -> lookup."""
    folded = fold(text)
    if bare_title:
        return "lookup"
    for ask, cue in _ASK_CUES:
        if re.search(cue, folded) and (intent == "non_rec" or ask not in ("plot", "chat", "site")):
            return ask
    return "other" if intent == "non_rec" else None


class BaselineParser:
    """Text -> ParsedQuery with rules and one linear model. `encode(texts)` gives sentence vectors;
    without a classifier (none trained yet) the intent comes from `rule_intent`."""

    name = "baseline"

    def __init__(
        self, gazetteer: Gazetteer, classifier: IntentClassifier | None, encode: Callable, themes: Iterable[str]
    ) -> None:
        """`themes`: the catalog's theme vocabulary (CatalogGraph.themes())."""
        self.gazetteer, self.classifier, self.encode = gazetteer, classifier, encode
        self.themes = {
            theme for theme in themes if len(theme) >= 4 and theme not in GENRE_WORDS and theme not in COMMON
        }

    def parse_many(self, texts: list[str]) -> list[ParsedQuery]:
        if self.classifier is None:
            intents = [rule_intent(text) for text in texts]
        else:
            intents = self.classifier.predict(np.asarray(self.encode(texts)))
        return [self.entities(text, intent) for text, intent in zip(texts, intents, strict=True)]

    def parse(self, text: str) -> ParsedQuery:
        return self.parse_many([text])[0]

    def entities(self, text: str, intent: str) -> ParsedQuery:
        found = self.gazetteer.find_titles(text)
        titles = [TitleRef(movie.id, movie.title, movie.year) for movie, _ in found]
        bare_title = len(found) == 1 and self.gazetteer.is_whole_title(text)
        if bare_title:  # "heat 1995", "the matrix": someone looking for that movie
            intent = "non_rec"
        question = title_question(self.gazetteer, text)
        if question:
            intent = "non_rec"
            add_title(titles, question[0])
        wanted, excluded = genres_in(text, [variant for movie, _ in found for variant in title_variants(movie.title)])
        less, more = less_more_in(text)
        folded = fold(text)
        plot = _PLOT.search(folded)
        return ParsedQuery(
            intent=intent,
            ask=question[1] if question else rule_ask(text, intent, bare_title),
            titles=list(dict.fromkeys(titles)),
            people=[
                PersonRef(name, _role(folded, name))
                for name in self.gazetteer.find_people(text, [title.title for title in titles])
            ],
            genres=wanted,
            themes=self.themes_in(folded),
            decades=decades_in(text),
            plot=plot.group(1) if plot and intent == "rec" else None,
            constraints=Constraints(exclude_genres=excluded, less=less, more=more),
        )

    def themes_in(self, folded: str) -> list[str]:
        words = folded.split()
        found = []
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start : start + size])
                if phrase in self.themes and not any(phrase in longer for longer in found):
                    found.append(phrase)
        return found


def _role(folded: str, name: str) -> str | None:
    position = folded.find(fold(name))
    if position < 0:
        position = folded.find(fold(name).split(" ")[-1])
    before = folded[:position] if position > 0 else ""
    return next((role for role, cue in _ROLE_CUES if cue.search(before)), None)
