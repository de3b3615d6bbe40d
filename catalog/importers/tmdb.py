"""TMDB 5000-style CSV pair (movies.csv + credits.csv) and the CC0 OMDb table from bokeh-sampledata."""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path

from catalog.importers.records import CreditRecord, ImportFileError, MovieRecord, parse_int

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


def _optional_number(raw: str, kind, path: Path, line: int, column: str):
    if not raw.strip():
        return None
    try:
        return kind(float(raw))
    except ValueError:
        raise ImportFileError(path, line, f"{column} {raw!r} is not a number") from None


def read_tmdb_csv(movies_path: Path, credits_path: Path | None = None) -> list[MovieRecord]:
    movies_path = Path(movies_path)
    records: dict[int, MovieRecord] = {}
    with movies_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        required = ["id", "title", "overview", "genres", "release_date"]
        missing = [column for column in required if column not in (reader.fieldnames or [])]
        if missing:
            raise ImportFileError(movies_path, 1, f"missing column(s) {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            if None in row:
                raise ImportFileError(movies_path, line, "wrong number of fields")
            tmdb_id = parse_int(row["id"], "id", movies_path, line)
            release = (row.get("release_date") or "").strip()
            year = parse_int(release[:4], "release_date year", movies_path, line) if release else None
            runtime = _optional_number(row.get("runtime") or "", int, movies_path, line, "runtime")
            records[tmdb_id] = MovieRecord(
                title=row["title"].strip(),
                year=year,
                tmdb_id=tmdb_id,
                genres=[g["name"] for g in _json_list(row["genres"], movies_path, line, "genres")],
                overview=(row.get("overview") or "").strip(),
                tagline=(row.get("tagline") or "").strip(),
                keywords=[k["name"] for k in _json_list(row.get("keywords") or "", movies_path, line, "keywords")],
                runtime=runtime or None,
                popularity=_optional_number(row.get("popularity") or "", float, movies_path, line, "popularity"),
            )
            records[tmdb_id].original_title = (row.get("original_title") or "").strip()
    if credits_path is not None:
        _read_tmdb_credits(Path(credits_path), records)
    return list(records.values())


def _read_tmdb_credits(path: Path, records: dict[int, MovieRecord]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("movie_id", "cast", "crew") if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportFileError(path, 1, f"missing column(s) {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            record = records.get(parse_int(row["movie_id"], "movie_id", path, line))
            if record is None:
                continue  # credits for a film the movies file does not have: nothing to attach to
            credits = []
            for member in _json_list(row["crew"], path, line, "crew"):
                job = member.get("job")
                role = "director" if job == "Director" else "writer" if job in WRITER_JOBS else None
                if role and member.get("name"):
                    credits.append(CreditRecord(member["name"], role, 0, "", member.get("id")))
            cast = sorted(_json_list(row["cast"], path, line, "cast"), key=lambda m: m.get("order", 0))
            for order, member in enumerate(cast[:TOP_CAST]):
                if member.get("name"):
                    credits.append(
                        CreditRecord(
                            member["name"], "cast", order, (member.get("character") or "")[:255], member.get("id")
                        )
                    )
            record.credits = credits


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
