"""The text a movie is embedded and searched by. Plain Python."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

# TMDB keywords about the production or the credits, not about the film's story or mood: no reason
# says a film is "about duringcreditsstinger", and no theme request is built from them.
NOT_THEMES = frozenset({
    "duringcreditsstinger", "aftercreditsstinger", "woman director", "independent film", "3d", "sequel",
    "remake", "imax", "short", "anime", "silent film", "black and white",
})  # fmt: skip


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
    languages: list[str] = field(default_factory=list)  # the original language first
    countries: list[str] = field(default_factory=list)
    awards: str = ""


HOME_COUNTRIES = {"United States", "USA"}  # a film from here is not described by its country


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
    # Last, so the part the bi-encoder was trained to read comes first (full-text search reads it all).
    if origin := origin_line(movie.languages, movie.countries):
        parts.append(origin)
    if movie.awards:
        parts.append(movie.awards.rstrip(".") + ".")
    return " ".join(parts)


def origin_line(languages: list[str], countries: list[str]) -> str:
    """Where a film comes from, in words people search with: "Foreign language film in Japanese, from
    Japan." or "From the United Kingdom."; "" for an English-language American film or when unknown."""
    abroad = [country for country in countries if country not in HOME_COUNTRIES][:2]
    where = " and ".join(_with_article(country) for country in abroad)
    if languages and languages[0] != "English":
        return f"Foreign language film in {languages[0]}" + (f", from {where}." if where else ".")
    return f"From {where}." if where else ""


def _with_article(country: str) -> str:
    plural_or_union = country.startswith(("United ", "Czech Republic", "Netherlands", "Philippines"))
    return f"the {country}" if plural_or_union else country


def document_hash(document: str, model_name: str) -> str:
    """Changes when the text or the embedding model changes: the signal to embed again."""
    return hashlib.sha256(f"{model_name}\n{document}".encode()).hexdigest()[:32]
