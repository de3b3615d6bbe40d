"""The text a movie is embedded and searched by. Plain Python."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MovieText:
    title: str
    year: int | None = None
    genres: list[str] = field(default_factory=list)
    description: str = ""  # the overview, or an enriched description where none exists
    tagline: str = ""
    keywords: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)


def movie_document(movie: MovieText, max_keywords: int = 15) -> str:
    """One paragraph: what a person would say about the film, most telling parts first.

    MiniLM reads 256 word pieces at most, so the description leads and long keyword lists are cut.
    """
    parts = [f"{movie.title} ({movie.year})." if movie.year else f"{movie.title}."]
    if movie.genres:
        parts.append(f"Genres: {', '.join(movie.genres)}.")
    if movie.tagline:
        parts.append(movie.tagline.rstrip(".") + ".")
    if movie.description:
        parts.append(movie.description.strip())
    if movie.keywords:
        parts.append(f"Keywords: {', '.join(movie.keywords[:max_keywords])}.")
    if movie.tags:
        parts.append(f"Tags: {', '.join(movie.tags[:max_keywords])}.")
    if movie.directors:
        parts.append(f"Directed by {', '.join(movie.directors)}.")
    return " ".join(parts)


def document_hash(document: str, model_name: str) -> str:
    """Changes when the text or the embedding model changes: the signal to embed again."""
    return hashlib.sha256(f"{model_name}\n{document}".encode()).hexdigest()[:32]
