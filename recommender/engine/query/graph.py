"""The catalog as a small knowledge graph: movies with their genres, keywords, decade, runtime and
people by role. Plain data, built by a service from the database (or by hand in tests); the
synthetic-query generator walks it and the gazetteer indexes it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class GraphMovie:
    id: int
    title: str  # as people write it: "The Shawshank Redemption"
    year: int | None
    genres: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # TMDB keywords: themes and plot details
    runtime: int | None = None
    directors: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()  # billing order
    writers: tuple[str, ...] = ()
    rating_count: int = 0

    @property
    def decade(self) -> int | None:
        return None if self.year is None else self.year - self.year % 10


@dataclass
class CatalogGraph:
    movies: dict[int, GraphMovie]
    # person name -> role -> movie ids, filled from the movies
    people: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.people:
            people: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
            for movie in self.movies.values():
                for role, names in (("director", movie.directors), ("cast", movie.cast[:5]),
                                    ("writer", movie.writers)):  # fmt: skip
                    for name in names:
                        people[name][role].append(movie.id)
            self.people = {name: dict(roles) for name, roles in people.items()}

    def themes(self, min_movies: int = 3) -> set[str]:
        """TMDB keywords at least `min_movies` movies share: the theme vocabulary of requests."""
        counts: dict[str, int] = defaultdict(int)
        for movie in self.movies.values():
            for keyword in movie.keywords:
                counts[keyword] += 1
        return {keyword for keyword, count in counts.items() if count >= min_movies}
