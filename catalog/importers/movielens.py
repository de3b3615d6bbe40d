"""Official MovieLens layouts: latest-small / 25m (CSV), ml-1m (.dat) and ml-100k (u.data, u.item)."""

from __future__ import annotations

import csv
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from catalog.importers.records import (
    ID_LIMITS,
    Dataset,
    ImportFileError,
    MovieRecord,
    RatingColumns,
    RatingRecord,
    TagRecord,
    not_text_error,
    parse_int,
    parse_rating_value,
)
from catalog.importers.titles import display_title, split_title_year

ML100K_GENRES = [
    "unknown", "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
]  # fmt: skip


def clean_genres(raw: str) -> list[str]:
    genres = []
    for name in raw.split("|"):
        name = name.strip().replace("Children's", "Children")
        if name and name not in ("(no genres listed)", "unknown"):
            genres.append(name)
    return genres


def _csv_rows(path: Path, expected: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        try:
            missing = [column for column in expected if column not in (reader.fieldnames or [])]
            if missing:
                raise ImportFileError(path, 1, f"missing column(s) {', '.join(missing)}")
            for row in reader:
                if None in row or any(row.get(column) is None for column in expected):
                    raise ImportFileError(path, reader.line_num, "wrong number of fields")
                yield reader.line_num, row
        except UnicodeDecodeError:
            raise not_text_error(path, "utf-8") from None


def _separated_rows(path: Path, separator: str, fields: int, encoding: str) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding=encoding) as handle:
        line_number = 0
        try:
            for line_number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if not line:
                    continue
                parts = line.split(separator)
                if len(parts) < fields:
                    raise ImportFileError(path, line_number, f"expected {fields} fields separated by {separator!r}")
                yield line_number, parts
        except UnicodeDecodeError:
            raise not_text_error(path, encoding) from None


def detect_layout(folder: Path) -> str:
    if (folder / "movies.csv").exists() and (folder / "ratings.csv").exists():
        return "csv"
    if (folder / "movies.dat").exists() and (folder / "ratings.dat").exists():
        return "ml-1m"
    if (folder / "u.data").exists() and (folder / "u.item").exists():
        return "ml-100k"
    raise ImportFileError(folder, None, "not a MovieLens folder (no movies.csv, movies.dat or u.data)")


def read_movielens_folder(folder: Path, name: str | None = None) -> Dataset:
    folder = Path(folder)
    layout = detect_layout(folder)
    reader = {"csv": _read_csv_layout, "ml-1m": _read_ml1m, "ml-100k": _read_ml100k}[layout]
    return reader(folder, name or folder.name)


def _read_csv_layout(folder: Path, name: str) -> Dataset:
    movies: dict[int, MovieRecord] = {}
    path = folder / "movies.csv"
    for line, row in _csv_rows(path, ["movieId", "title", "genres"]):
        movie_id = parse_int(row["movieId"], "movieId", path, line)
        title, year = split_title_year(row["title"])
        if not title:
            raise ImportFileError(path, line, "empty title")
        movies[movie_id] = MovieRecord(
            title=display_title(title), year=year, movielens_id=movie_id, genres=clean_genres(row["genres"])
        )
    files = [path]

    links = folder / "links.csv"
    if links.exists():
        files.append(links)
        for line, row in _csv_rows(links, ["movieId", "imdbId", "tmdbId"]):
            movie = movies.get(parse_int(row["movieId"], "movieId", links, line))
            if movie is None:
                raise ImportFileError(links, line, f"movieId {row['movieId']} is not in movies.csv")
            if row["imdbId"].strip():
                movie.imdb_id = f"tt{parse_int(row['imdbId'], 'imdbId', links, line):07d}"
            if row["tmdbId"].strip():
                movie.tmdb_id = parse_int(row["tmdbId"], "tmdbId", links, line)

    path = folder / "ratings.csv"
    files.append(path)
    ratings = _ratings_csv_fast(path, movies)
    if ratings is None:
        ratings = RatingColumns.from_records(list(_ratings_csv_checked(path, movies)))

    tags = []
    path = folder / "tags.csv"
    if path.exists():
        files.append(path)
        for line, row in _csv_rows(path, ["userId", "movieId", "tag", "timestamp"]):
            movie_id = parse_int(row["movieId"], "movieId", path, line)
            if movie_id not in movies:
                raise ImportFileError(path, line, f"movieId {movie_id} is not in movies.csv")
            tag = row["tag"].strip()
            if tag:
                tags.append(
                    TagRecord(
                        user_id=parse_int(row["userId"], "userId", path, line),
                        item_id=movie_id,
                        tag=tag[:255],
                        timestamp=parse_int(row["timestamp"], "timestamp", path, line),
                    )
                )
    return Dataset(name=name, movies=list(movies.values()), ratings=ratings, tags=tags, files=files)


RATING_COLUMNS = ["userId", "movieId", "rating", "timestamp"]


def _ratings_csv_fast(path: Path, movies: dict[int, MovieRecord]) -> RatingColumns | None:
    """ratings.csv read by pandas' C parser and checked as columns: ml-25m's 25 million lines in
    seconds. None when anything is off; the line-by-line reader then names the line and the reason."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a malformed file may warn on its way to the checked reader
        try:
            frame = pd.read_csv(path, usecols=RATING_COLUMNS, encoding="utf-8", engine="c",
                                dtype={"userId": np.int64, "movieId": np.int64, "rating": np.float64,
                                       "timestamp": np.int64})  # fmt: skip
        except (ValueError, OverflowError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            return None
    if list(frame.columns[:4]) != RATING_COLUMNS or len(frame.columns) != len(RATING_COLUMNS):
        return None
    values = frame["rating"].to_numpy()
    ids = frame[["userId", "movieId"]].to_numpy()
    low, high = ID_LIMITS
    valid = (
        np.all((values >= 0.5) & (values <= 5.0) & (values * 2 == np.round(values * 2)))
        and np.all((ids >= low) & (ids <= high))
        and np.all(np.isin(frame["movieId"].to_numpy(), np.fromiter(movies, np.int64, len(movies))))
    )
    if not valid:
        return None
    return RatingColumns(user_ids=ids[:, 0].copy(), item_ids=ids[:, 1].copy(), values=values.astype(np.float32),
                         timestamps=frame["timestamp"].to_numpy())  # fmt: skip


def _ratings_csv_checked(path: Path, movies: dict[int, MovieRecord]) -> Iterator[RatingRecord]:
    for line, row in _csv_rows(path, RATING_COLUMNS):
        movie_id = parse_int(row["movieId"], "movieId", path, line)
        if movie_id not in movies:
            raise ImportFileError(path, line, f"movieId {movie_id} is not in movies.csv")
        yield RatingRecord(
            user_id=parse_int(row["userId"], "userId", path, line),
            item_id=movie_id,
            value=parse_rating_value(row["rating"], path, line),
            timestamp=parse_int(row["timestamp"], "timestamp", path, line),
        )


def _read_ml1m(folder: Path, name: str) -> Dataset:
    movies: dict[int, MovieRecord] = {}
    path = folder / "movies.dat"
    for line, (raw_id, raw_title, raw_genres, *_) in _separated_rows(path, "::", 3, "latin-1"):
        movie_id = parse_int(raw_id, "MovieID", path, line)
        title, year = split_title_year(raw_title)
        movies[movie_id] = MovieRecord(
            title=display_title(title), year=year, movielens_id=movie_id, genres=clean_genres(raw_genres)
        )
    path = folder / "ratings.dat"
    ratings = _separated_ratings(path, "::", movies, ("UserID", "MovieID", "Timestamp"), "movies.dat")
    return Dataset(name=name, movies=list(movies.values()), ratings=ratings, files=[folder / "movies.dat", path])


def _separated_ratings(
    path: Path, separator: str, movies: dict, names: tuple[str, str, str], movies_file: str
) -> list[RatingRecord]:
    """user, item, rating, timestamp lines (ml-1m ratings.dat, ml-100k u.data), in that file's own words."""
    user_name, item_name, time_name = names
    ratings = []
    for line, (user, item, value, timestamp, *_) in _separated_rows(path, separator, 4, "latin-1"):
        item_id = parse_int(item, item_name, path, line)
        if item_id not in movies:
            raise ImportFileError(path, line, f"{item_name} {item_id} is not in {movies_file}")
        ratings.append(
            RatingRecord(
                user_id=parse_int(user, user_name, path, line),
                item_id=item_id,
                value=parse_rating_value(value, path, line),
                timestamp=parse_int(timestamp, time_name, path, line),
            )
        )
    return ratings


def _read_ml100k(folder: Path, name: str) -> Dataset:
    # ml-100k numbers its items 1..1682 on its own: not MovieLens ids, so they join by title + year.
    movies: dict[int, MovieRecord] = {}
    path = folder / "u.item"
    for line, parts in _separated_rows(path, "|", 5 + len(ML100K_GENRES), "latin-1"):
        item_id = parse_int(parts[0], "movie id", path, line)
        title, year = split_title_year(parts[1])
        if year is None and parts[2][-4:].isdigit():
            year = int(parts[2][-4:])  # release date '01-Jan-1995'
        flags = parts[5 : 5 + len(ML100K_GENRES)]
        genres = [genre for genre, flag in zip(ML100K_GENRES, flags, strict=True) if flag == "1"]
        movies[item_id] = MovieRecord(
            title=display_title(title), year=year, source_item_id=item_id, genres=clean_genres("|".join(genres))
        )
    path = folder / "u.data"
    ratings = _separated_ratings(path, "\t", movies, ("user id", "item id", "timestamp"), "u.item")
    return Dataset(
        name=name,
        movies=list(movies.values()),
        ratings=ratings,
        item_key="source_item_id",
        files=[folder / "u.item", path],
    )
