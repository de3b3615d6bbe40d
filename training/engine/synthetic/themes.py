"""Theme requests from the catalog's own knowledge: "a heist thriller from the 90s", "films about
time travel", with the movies that carry those traits as the relevant set. Plain Python.

A request combines a TMDB keyword with a genre or a decade (or two keywords, or a genre and a
decade) through a small grammar. Relevant movies are the movies of the request's split that carry
every trait; a request with fewer than MIN_RELEVANT of them is not written. Validation and test use
phrasings that training never sees, as people's own words will not match the grammar either.
"""

from __future__ import annotations

import random
from collections import defaultdict

from recommender.engine.query.graph import CatalogGraph, GraphMovie
from recommender.engine.text.documents import NOT_THEMES
from training.engine.synthetic.retrieval_set import RetrievalExample, split_of

MIN_RELEVANT = 2
MAX_RELEVANT = 150  # "dramas from the 90s" has hundreds: too vague to teach anything


# How people name a genre in a sentence: (singular with article, plural).
GENRE_NOUNS = {
    "Action": ("an action movie", "action movies"),
    "Adventure": ("an adventure film", "adventure films"),
    "Animation": ("an animated film", "animated films"),
    "Children": ("a kids' movie", "family films for kids"),
    "Comedy": ("a comedy", "comedies"),
    "Crime": ("a crime film", "crime movies"),
    "Documentary": ("a documentary", "documentaries"),
    "Drama": ("a drama", "dramas"),
    "Fantasy": ("a fantasy film", "fantasy movies"),
    "Film-Noir": ("a film noir", "noir films"),
    "Horror": ("a horror movie", "horror films"),
    "Musical": ("a musical", "musicals"),
    "Mystery": ("a mystery", "mystery films"),
    "Romance": ("a romance", "romantic movies"),
    "Sci-Fi": ("a science fiction film", "sci-fi movies"),
    "Thriller": ("a thriller", "thrillers"),
    "War": ("a war film", "war movies"),
    "Western": ("a western", "westerns"),
}

# {kw}, {kw2}: keyword phrases; {a_genre} / {genres}: GENRE_NOUNS; {decade}: "1990s" or "90s".
TEMPLATES = {
    "keyword": {
        "train": [
            "movies about {kw}",
            "a film about {kw}",
            "something with {kw} in it",
            "{kw} movies",
            "i want to watch a movie about {kw}",
            "recommend me films about {kw}",
            "looking for a good {kw} movie",
            "any films dealing with {kw}?",
            "stories about {kw}",
            "what should i watch if i'm into {kw}",
        ],
        "held_out": [
            "got any good {kw} flicks",
            "a story that revolves around {kw}",
            "films where {kw} is the main theme",
            "show me something involving {kw}",
        ],
    },
    "keyword_genre": {
        "train": [
            "{a_genre} about {kw}",
            "{kw} {genres}",
            "{genres} about {kw}",
            "i'd like {a_genre} with {kw}",
            "recommend {a_genre} about {kw}",
            "{a_genre} that deals with {kw}",
            "looking for {genres} involving {kw}",
            "good {genres} with {kw}",
        ],
        "held_out": [
            "in the mood for {a_genre}, something around {kw}",
            "{genres} where {kw} matters",
            "find me {a_genre} centered on {kw}",
        ],
    },
    "keyword_decade": {
        "train": [
            "{decade} movies about {kw}",
            "a film about {kw} from the {decade}",
            "{kw} films of the {decade}",
            "something from the {decade} about {kw}",
        ],
        "held_out": ["{kw} stories made in the {decade}", "a {decade} film dealing with {kw}"],
    },
    "two_keywords": {
        "train": [
            "a movie about {kw} and {kw2}",
            "films with {kw} and {kw2}",
            "{kw} meets {kw2}",
            "something involving both {kw} and {kw2}",
        ],
        "held_out": ["a story mixing {kw} with {kw2}", "i want {kw} plus {kw2}"],
    },
    "genre_decade": {
        "train": ["{genres} from the {decade}", "a {decade} {genre_word}", "good {genres} made in the {decade}"],
        "held_out": ["best {genres} of the {decade}"],
    },
}
RECIPES = {"keyword": 4, "keyword_genre": 4, "keyword_decade": 2, "two_keywords": 1, "genre_decade": 1}  # weights


class ThemeGenerator:
    """Walks the catalog graph; deterministic for a seed. Movies are split by `split_of`."""

    def __init__(self, graph: CatalogGraph, *, seed: int = 42):
        self.seed = seed
        self.rng = random.Random(seed)
        self.split = {movie_id: split_of(movie_id, seed=seed, salt="movie") for movie_id in graph.movies}
        self.movies = graph.movies
        # (split, trait) -> movie ids carrying it; traits: ("keyword", k), ("genre", g), ("decade", d)
        self.index: dict[tuple[str, tuple[str, object]], set[int]] = defaultdict(set)
        for movie in graph.movies.values():
            for trait in _traits(movie):
                self.index[(self.split[movie.id], trait)].add(movie.id)

    def generate(self, count: int, split: str) -> list[RetrievalExample]:
        """Up to `count` distinct requests of one split (fewer when the split's catalog runs out)."""
        keywords = sorted({trait[1] for (s, trait) in self.index if s == split and trait[0] == "keyword"
                           and len(self.index[(s, trait)]) >= MIN_RELEVANT})  # fmt: skip
        if not keywords:
            return []
        recipes, weights = zip(*RECIPES.items(), strict=True)
        examples: dict[str, RetrievalExample] = {}
        for _ in range(count * 20):  # many draws have too few relevant movies; stop when enough are found
            if len(examples) >= count:
                break
            recipe = self.rng.choices(recipes, weights)[0]
            example = self._draw(recipe, split, keywords)
            if example is not None and example.query not in examples:
                examples[example.query] = example
        return list(examples.values())

    def _draw(self, recipe: str, split: str, keywords: list[str]) -> RetrievalExample | None:
        rng = self.rng
        keyword = rng.choice(keywords)
        traits = [("keyword", keyword)]
        slots = {"kw": _phrase(keyword)}
        if recipe in ("keyword_genre", "keyword_decade", "two_keywords"):
            carriers = sorted(self.index[(split, ("keyword", keyword))])
            other = self.movies[rng.choice(carriers)]  # a second trait that at least one movie shares
            if recipe == "keyword_genre":
                genres = [genre for genre in other.genres if genre in GENRE_NOUNS]
                if not genres:
                    return None
                genre = rng.choice(genres)
                traits.append(("genre", genre))
                slots |= _genre_slots(genre)
            elif recipe == "keyword_decade":
                if other.decade is None:
                    return None
                traits.append(("decade", other.decade))
                slots["decade"] = _decade_words(other.decade, rng)
            else:
                others = [k for k in other.keywords if k != keyword and k not in NOT_THEMES]
                if not others:
                    return None
                second = rng.choice(others)
                traits.append(("keyword", second))
                slots["kw2"] = _phrase(second)
        elif recipe == "genre_decade":
            movie = self.movies[rng.choice(sorted(self.index[(split, ("keyword", keyword))]))]
            genres = [genre for genre in movie.genres if genre in GENRE_NOUNS]
            if not genres or movie.decade is None:
                return None
            genre = rng.choice(genres)
            traits = [("genre", genre), ("decade", movie.decade)]
            slots = _genre_slots(genre) | {"decade": _decade_words(movie.decade, rng)}
        relevant = set.intersection(*(self.index[(split, trait)] for trait in traits))
        if not MIN_RELEVANT <= len(relevant) <= MAX_RELEVANT:
            return None
        phrasing = "train" if split == "train" else "held_out"
        query = rng.choice(TEMPLATES[recipe][phrasing]).format(**slots)
        source = {"recipe": recipe, "traits": [[kind, value] for kind, value in traits]}
        return RetrievalExample(query=query, kind="theme", relevant=sorted(relevant), split=split, source=source)


def _traits(movie: GraphMovie) -> list[tuple[str, object]]:
    traits: list[tuple[str, object]] = [("keyword", k) for k in movie.keywords if k not in NOT_THEMES]
    traits += [("genre", g) for g in movie.genres]
    if movie.decade is not None:
        traits.append(("decade", movie.decade))
    return traits


def _phrase(keyword: str) -> str:
    """How a TMDB keyword reads in a sentence: "london england" -> "london"."""
    return " ".join(keyword.removesuffix(" england").removesuffix(" usa").split())


def _genre_slots(genre: str) -> dict[str, str]:
    singular, plural = GENRE_NOUNS[genre]
    return {"a_genre": singular, "genres": plural, "genre_word": singular.split(" ", 1)[1]}


def _decade_words(decade: int, rng: random.Random) -> str:
    return f"{decade}s" if decade < 1950 or rng.random() < 0.5 else f"{decade % 100:02d}s"
