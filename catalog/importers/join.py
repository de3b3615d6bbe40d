"""Joins sources that describe the same films: by id where both have one, else title + year."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.importers.records import MovieRecord
from catalog.importers.titles import TitleYearIndex


@dataclass(frozen=True)
class JoinStats:
    source: str
    matched_by_id: int
    matched_by_title: int
    total: int

    @property
    def matched(self) -> int:
        return self.matched_by_id + self.matched_by_title


def merge_movie(target: MovieRecord, source: MovieRecord) -> None:
    """Fill what `target` lacks from `source`; never overwrite what the target already has."""
    for name in ("tmdb_id", "imdb_id", "year", "runtime", "popularity"):
        if getattr(target, name) is None and getattr(source, name) is not None:
            setattr(target, name, getattr(source, name))
    for name in ("overview", "tagline", "awards"):
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
    if not target.keywords:
        target.keywords = list(source.keywords)
    if not target.genres:
        target.genres = list(source.genres)
    if not target.languages:
        target.languages = list(source.languages)
    if not target.countries:
        target.countries = list(source.countries)
    if not target.studios:
        target.studios = list(source.studios)
    if not target.credits:
        target.credits = list(source.credits)


def join_movies(movies: list[MovieRecord], others: list[MovieRecord], *, id_field: str, source: str) -> JoinStats:
    """Merge each of `others` into at most one of `movies` (and each movie takes at most one)."""
    by_id = {getattr(other, id_field): other for other in others if getattr(other, id_field)}
    entries = [(other.title, other.year, other) for other in others]
    entries += [(other.original_title, other.year, other) for other in others if other.original_title]
    index = TitleYearIndex(entries)

    matched_by_id = matched_by_title = 0
    unmatched = []
    for movie in movies:
        other = by_id.get(getattr(movie, id_field)) if getattr(movie, id_field) else None
        if other is not None:
            index.mark_taken(other)
            merge_movie(movie, other)
            matched_by_id += 1
        else:
            unmatched.append(movie)
    for movie in unmatched:
        other = index.take(movie.title, movie.year)
        if other is not None and not _id_conflict(movie, other, id_field):
            merge_movie(movie, other)
            matched_by_title += 1
    return JoinStats(source, matched_by_id, matched_by_title, len(movies))


def _id_conflict(movie: MovieRecord, other: MovieRecord, id_field: str) -> bool:
    # The movie knows its id (from links.csv) and it differs: the titles match by accident.
    return bool(getattr(movie, id_field)) and getattr(movie, id_field) != getattr(other, id_field)
