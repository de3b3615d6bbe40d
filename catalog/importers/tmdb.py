"""TMDB 5000-style CSV pair (movies.csv + credits.csv) and the CC0 OMDb table from bokeh-sampledata."""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import sys
from collections import Counter
from pathlib import Path

from catalog.importers.records import CreditRecord, ImportFileError, MovieRecord, not_text_error, parse_int

TOP_CAST = 10
WRITER_JOBS = {"Screenplay", "Writer", "Author", "Novel"}

csv.field_size_limit(sys.maxsize)  # credits.csv carries whole cast lists as JSON in one field


def _json_list(raw: str, path: Path, line: int, column: str) -> list[dict]:
    if not raw.strip():
        return []
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImportFileError(path, line, f"column {column} is not valid JSON ({exc.msg})") from None
    if not isinstance(value, list):
        raise ImportFileError(path, line, f"column {column} is not a JSON list")
    return value


def _objects(raw: str, path: Path, line: int, column: str) -> list[dict]:
    """A JSON list of objects (genres, keywords, cast, crew); anything else is refused."""
    items = _json_list(raw, path, line, column)
    if not all(isinstance(item, dict) for item in items):
        raise ImportFileError(path, line, f"column {column} must be a JSON list of objects")
    return items


def _names_of(raw: str, path: Path, line: int, column: str) -> list[str]:
    """The "name" of every object in a JSON list: [{"id": 16, "name": "Animation"}] -> ["Animation"]."""
    names = [item.get("name") for item in _objects(raw, path, line, column)]
    if not all(isinstance(name, str) for name in names):
        raise ImportFileError(path, line, f'column {column}: every entry needs a text "name"')
    return [name.strip()[:255] for name in names if name.strip()]


def _text(value) -> str:
    """A JSON value shown as text only if it is text (a character name, a job)."""
    return value.strip() if isinstance(value, str) else ""


def _optional_number(raw: str, kind, path: Path, line: int, column: str):
    if not raw.strip():
        return None
    try:
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError
        return kind(value)
    except (ValueError, OverflowError):
        raise ImportFileError(path, line, f"{column} {raw!r} is not a number") from None


def read_tmdb_csv(movies_path: Path, credits_path: Path | None = None) -> list[MovieRecord]:
    movies_path = Path(movies_path)
    records: dict[int, MovieRecord] = {}
    for read, path in ((_read_tmdb_movies, movies_path), (_read_tmdb_credits, credits_path)):
        if path is None:
            continue
        try:
            read(Path(path), records)
        except UnicodeDecodeError:
            raise not_text_error(Path(path), "utf-8") from None
    return list(records.values())


def _read_tmdb_movies(movies_path: Path, records: dict[int, MovieRecord]) -> None:
    with movies_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        required = ["id", "title", "overview", "genres", "release_date"]
        missing = [column for column in required if column not in (reader.fieldnames or [])]
        if missing:
            raise ImportFileError(movies_path, 1, f"missing column(s) {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            if None in row or None in row.values():  # more fields than the header, or fewer
                raise ImportFileError(
                    movies_path, line, f"wrong number of fields (the header has {len(reader.fieldnames)})"
                )
            tmdb_id = parse_int(row["id"], "id", movies_path, line)
            release = (row.get("release_date") or "").strip()
            year = parse_int(release[:4], "release_date year", movies_path, line) if release else None
            runtime = _optional_number(row.get("runtime") or "", int, movies_path, line, "runtime")
            records[tmdb_id] = MovieRecord(
                title=row["title"].strip(),
                year=year,
                tmdb_id=tmdb_id,
                genres=_names_of(row["genres"], movies_path, line, "genres"),
                overview=(row.get("overview") or "").strip(),
                tagline=(row.get("tagline") or "").strip(),
                keywords=_names_of(row.get("keywords") or "", movies_path, line, "keywords"),
                studios=_names_of(row.get("production_companies") or "", movies_path, line, "production_companies"),
                runtime=runtime or None,
                popularity=_optional_number(row.get("popularity") or "", float, movies_path, line, "popularity"),
            )
            records[tmdb_id].original_title = (row.get("original_title") or "").strip()


def _read_tmdb_credits(path: Path, records: dict[int, MovieRecord]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("movie_id", "cast", "crew") if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportFileError(path, 1, f"missing column(s) {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            if None in row or None in row.values():  # more fields than the header, or fewer
                raise ImportFileError(path, line, f"wrong number of fields (the header has {len(reader.fieldnames)})")
            record = records.get(parse_int(row["movie_id"], "movie_id", path, line))
            if record is None:
                continue  # credits for a film the movies file does not have: nothing to attach to
            credits = []
            for member in _objects(row["crew"], path, line, "crew"):
                job, name = _text(member.get("job")), _text(member.get("name"))
                role = "director" if job == "Director" else "writer" if job in WRITER_JOBS else None
                if role and name:
                    credits.append(CreditRecord(name[:255], role, 0, "", _person_id(member)))
            cast = sorted(_objects(row["cast"], path, line, "cast"), key=_billing)
            for order, member in enumerate(cast[:TOP_CAST]):
                name = _text(member.get("name"))
                if name:
                    character = _text(member.get("character"))[:255]
                    credits.append(CreditRecord(name[:255], "cast", order, character, _person_id(member)))
            record.credits = credits


def _billing(member: dict) -> float:
    """A cast member's place in the billing; members without a usable "order" come last."""
    order = member.get("order")
    return order if isinstance(order, int | float) and math.isfinite(order) else math.inf


def _person_id(member: dict) -> int | None:
    person_id = member.get("id")
    return person_id if isinstance(person_id, int) and 0 < person_id < 2**31 else None


def read_omdb_sqlite(path: Path) -> list[MovieRecord]:
    """bokeh-sampledata's movies.db (CC0): IMDb id, title, year, runtime, director, writer, cast,
    languages (the original first), countries and Oscars."""
    path = Path(path)
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        rows = connection.execute(
            'SELECT imdbID, Title, Year, Runtime, Genre, Director, Writer, "Cast", Language, Country, Awards, ID '
            "FROM omdb"
        ).fetchall()
        reviews = _critic_reviews(connection)
    except sqlite3.Error as exc:
        raise ImportFileError(path, None, f"not a readable OMDb SQLite file ({exc})") from None
    finally:
        connection.close()
    # The table lists each film's cast alphabetically (Heat opens with Al Pacino, Amy Brenneman...),
    # not by billing. How many critics reviewed an actor's films (its tomatoes table) is the best
    # stand-in for billing it offers: stars lead widely reviewed films, prolific character actors
    # appear in many small ones.
    audience = Counter()
    for row in rows:
        for name in set(_names(row[7])):
            audience[name] += reviews.get(row[11], 0)
    records = []
    for imdb_id, title, year, runtime, genre, director, writer, cast, languages, countries, awards, _ in rows:
        if not title or not imdb_id:
            continue
        credits = [CreditRecord(name, "director", order) for order, name in enumerate(_names(director))]
        credits += [CreditRecord(name, "writer", order) for order, name in enumerate(_names(writer))]
        billed = sorted(_names(cast), key=lambda name: -audience[name])  # stable: ties stay alphabetical
        credits += [CreditRecord(name, "cast", order) for order, name in enumerate(billed[:TOP_CAST])]
        records.append(
            MovieRecord(
                title=title,
                year=int(year) if year else None,
                imdb_id=imdb_id,
                runtime=int(runtime) if runtime else None,
                genres=_names(genre),
                languages=[name for name in _names(languages) if name != "N/A"],
                countries=[name for name in _names(countries) if name != "N/A"],
                awards=(awards or "").strip()[:255],
                credits=credits,
            )
        )
    return records


def _critic_reviews(connection: sqlite3.Connection) -> dict[int, int]:
    """Critic review counts by the omdb table's ID, from its tomatoes table ({} if a copy lacks it)."""
    try:
        rows = connection.execute("SELECT ID, Reviews FROM tomatoes").fetchall()
    except sqlite3.Error:
        return {}
    return {movie_id: int(count) for movie_id, count in rows if isinstance(count, int | float) and count > 0}


def _names(raw: str | None) -> list[str]:
    # Writer credits carry notes like 'Jane Doe (novel)'; keep the name.
    names = []
    for part in (raw or "").split(","):
        name = part.split(" (")[0].strip()
        if name and name not in names:
            names.append(name[:255])
    return names
