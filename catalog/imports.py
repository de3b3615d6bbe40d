"""Writes an imported Dataset into the catalog: one transaction, bulk statements, idempotent.

Readers (catalog/importers) have already parsed and validated every file, so a bad file never
gets here; anything that fails while writing rolls the whole import back.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from tqdm import tqdm

from catalog.importers.records import Dataset, MovieRecord, RatingColumns, rating_columns
from catalog.importers.titles import TitleYearIndex
from catalog.models import Credit, Genre, ImportRun, Movie, Person, Profile, Tag, TaggedMovie
from catalog.services import movie_stats_refresh

BATCH = 5000
MOVIE_FIELDS = ["title", "year", "overview", "tagline", "keywords", "runtime", "popularity", "languages", "countries",
                "studios", "awards"]  # fmt: skip
ID_FIELDS = ["movielens_id", "tmdb_id", "imdb_id"]


@dataclass
class ImportResult:
    source: str
    skipped: bool = False
    movies_created: int = 0
    movies_updated: int = 0
    users_created: int = 0
    ratings_written: int = 0
    tags_written: int = 0

    def summary(self) -> str:
        if self.skipped:
            return f"{self.source}: unchanged since the last import, nothing to do"
        return (
            f"{self.source}: {self.movies_created} movies created, {self.movies_updated} updated, "
            f"{self.users_created} users created, {self.ratings_written} ratings and "
            f"{self.tags_written} tags written"
        )


def import_already_done(*, source: str, fingerprint: str) -> bool:
    return ImportRun.objects.filter(source=source, fingerprint=fingerprint).exists()


def dataset_import(*, dataset: Dataset, fingerprint: str = "", progress: bool = False) -> ImportResult:
    result = ImportResult(source=dataset.name)
    with transaction.atomic():
        movie_ids = _movies_upsert(dataset.movies, result, progress)
        item_to_movie = {
            getattr(record, dataset.item_key): movie_id
            for record, movie_id in zip(dataset.movies, movie_ids, strict=True)
            if getattr(record, dataset.item_key) is not None
        }
        ratings = rating_columns(dataset.ratings)
        user_ids = set(np.unique(ratings.user_ids).tolist()) | {record.user_id for record in dataset.tags}
        user_map = _users_ensure(dataset.name, sorted(user_ids), result)
        _ratings_upsert(ratings, item_to_movie, user_map, result, progress)
        _tags_upsert(dataset, item_to_movie, user_map, result)
        movie_stats_refresh(movie_ids=set(item_to_movie.values()) if len(ratings) else set())
        ImportRun.objects.create(source=dataset.name, fingerprint=fingerprint, stats=asdict(result))
    return result


def _movies_upsert(records: list[MovieRecord], result: ImportResult, progress: bool) -> list[int]:
    """Create or update one Movie per record; return the movie ids in record order."""
    existing = {movie.id: movie for movie in Movie.objects.all()}
    by_id = {name: {getattr(m, name): m.id for m in existing.values() if getattr(m, name)} for name in ID_FIELDS}
    title_index = TitleYearIndex((m.title, m.year, (m.id,)) for m in existing.values())

    to_create: list[tuple[int, Movie]] = []
    to_update: dict[int, Movie] = {}
    movie_ids: list[int | None] = []
    for position, record in enumerate(records):
        movie_id = next((by_id[n].get(getattr(record, n)) for n in ID_FIELDS if by_id[n].get(getattr(record, n))), None)
        if movie_id is None:
            match = title_index.take(record.title, record.year)
            if match and not _ids_conflict(existing[match[0]], record):
                movie_id = match[0]
        if movie_id is None:
            movie = Movie()
            to_create.append((position, movie))
        else:
            movie = to_update.setdefault(movie_id, existing[movie_id])
        _copy_record(record, movie, by_id, movie_id)
        movie_ids.append(movie_id)

    fields = MOVIE_FIELDS + ID_FIELDS
    Movie.objects.bulk_update(list(to_update.values()), fields, batch_size=1000)
    created = Movie.objects.bulk_create([movie for _, movie in to_create], batch_size=BATCH)
    for (position, _), movie in zip(to_create, created, strict=True):
        movie_ids[position] = movie.id
    result.movies_created, result.movies_updated = len(created), len(to_update)

    _genres_replace(records, movie_ids)
    _credits_replace(records, movie_ids, progress)
    return movie_ids  # type: ignore[return-value]


def _ids_conflict(movie: Movie, record: MovieRecord) -> bool:
    return any(getattr(movie, n) and getattr(record, n) and getattr(movie, n) != getattr(record, n) for n in ID_FIELDS)


def _copy_record(record: MovieRecord, movie: Movie, by_id: dict[str, dict], movie_id: int | None) -> None:
    """Fields the record has overwrite the movie's; empty ones leave the movie as it was."""
    for name in MOVIE_FIELDS:
        value = getattr(record, name)
        if value not in (None, "", []):
            setattr(movie, name, value)
    for name in ID_FIELDS:
        value = getattr(record, name)
        owner = by_id[name].get(value)
        # An external id already held by another movie stays there: ids are unique.
        if value and (owner is None or owner == movie_id) and not getattr(movie, name):
            setattr(movie, name, value)
            by_id[name][value] = movie_id or -1


def _genres_replace(records: list[MovieRecord], movie_ids: list[int]) -> None:
    names = sorted({genre for record in records for genre in record.genres})
    Genre.objects.bulk_create([Genre(name=name) for name in names], ignore_conflicts=True)
    genre_ids = dict(Genre.objects.filter(name__in=names).values_list("name", "id"))
    through = Movie.genres.through
    touched = [movie_id for record, movie_id in zip(records, movie_ids, strict=True) if record.genres]
    through.objects.filter(movie_id__in=touched).delete()
    rows = [
        through(movie_id=movie_id, genre_id=genre_ids[genre])
        for record, movie_id in zip(records, movie_ids, strict=True)
        for genre in dict.fromkeys(record.genres)
    ]
    through.objects.bulk_create(rows, batch_size=BATCH)


def _credits_replace(records: list[MovieRecord], movie_ids: list[int], progress: bool) -> None:
    with_credits = [(r, m) for r, m in zip(records, movie_ids, strict=True) if r.credits]
    if not with_credits:
        return
    people = {}
    for record, _ in with_credits:
        for credit in record.credits:
            people.setdefault(credit.name, credit.tmdb_person_id)
    Person.objects.bulk_create(
        [Person(name=name, tmdb_id=tmdb_id) for name, tmdb_id in people.items()],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    person_ids = dict(Person.objects.filter(name__in=list(people)).values_list("name", "id"))
    Credit.objects.filter(movie_id__in=[m for _, m in with_credits]).delete()
    credits, seen = [], set()
    for record, movie_id in tqdm(with_credits, desc="credits", unit="movie", disable=not progress):
        for credit in record.credits:
            key = (movie_id, credit.name, credit.role)
            if key not in seen:
                seen.add(key)
                credits.append(
                    Credit(movie_id=movie_id, person_id=person_ids[credit.name], role=credit.role,
                           order=credit.order, character=credit.character)
                )  # fmt: skip
    Credit.objects.bulk_create(credits, batch_size=BATCH)


def _users_ensure(source: str, external_ids: list[int], result: ImportResult) -> dict[int, int]:
    """Accounts for a dataset's users: real users with unusable passwords, so their ratings train models."""
    if not external_ids:
        return {}
    profiles = Profile.objects.filter(source=source, external_id__in=external_ids)
    known = dict(profiles.values_list("external_id", "user_id"))
    missing = [uid for uid in external_ids if uid not in known]
    if missing:
        User = get_user_model()
        wanted = {f"{source}_{uid}": uid for uid in missing}
        taken = set(User.objects.filter(username__in=list(wanted)).values_list("username", flat=True))
        usernames = {uid: (name if name not in taken else f"{name}_imported") for name, uid in wanted.items()}
        unusable = make_password(None)
        User.objects.bulk_create(
            [User(username=usernames[uid], password=unusable) for uid in missing], batch_size=BATCH
        )
        created = dict(User.objects.filter(username__in=list(usernames.values())).values_list("username", "id"))
        Profile.objects.bulk_create(
            [Profile(user_id=created[usernames[uid]], source=source, external_id=uid) for uid in missing],
            batch_size=BATCH,
        )
        known.update({uid: created[usernames[uid]] for uid in missing})
        result.users_created = len(missing)
    return known


def _timestamp(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


COPY_CHUNK = 500_000  # rows per COPY write: bounded memory for the text of one chunk


def _ratings_upsert(ratings: RatingColumns, item_to_movie, user_map, result: ImportResult, progress: bool) -> None:
    """Every rating in with COPY into a temporary table and one INSERT ... ON CONFLICT: a re-import
    updates values in place. A file may rate the same movie twice for one user; the latest wins."""
    order = np.lexsort((ratings.timestamps, ratings.item_ids, ratings.user_ids))  # stable: a later line wins a tie
    users, items = ratings.user_ids[order], ratings.item_ids[order]
    last_of_pair = np.ones(len(order), dtype=bool)
    last_of_pair[:-1] = (users[1:] != users[:-1]) | (items[1:] != items[:-1])
    keep = order[last_of_pair]
    user_pks = _lookup(user_map, ratings.user_ids[keep])
    movie_pks = _lookup(item_to_movie, ratings.item_ids[keep])
    with connection.cursor() as cursor, _bulk_load(cursor, "catalog_rating", incoming=len(keep)):
        cursor.execute(
            "CREATE TEMPORARY TABLE rating_import (user_id integer, movie_id integer, value numeric(2, 1), "
            "epoch bigint) ON COMMIT DROP"
        )
        with cursor.copy("COPY rating_import (user_id, movie_id, value, epoch) FROM STDIN") as copy:
            for start in tqdm(range(0, len(keep), COPY_CHUNK), desc="ratings", unit="chunk", disable=not progress):
                part = slice(start, start + COPY_CHUNK)
                rows = keep[part]
                chunk = pd.DataFrame({"u": user_pks[part], "m": movie_pks[part], "v": ratings.values[rows],
                                      "t": ratings.timestamps[rows]})  # fmt: skip
                copy.write(chunk.to_csv(sep="\t", header=False, index=False, float_format="%.1f"))
        cursor.execute(
            "INSERT INTO catalog_rating (user_id, movie_id, value, rated_at) "
            "SELECT user_id, movie_id, value, to_timestamp(epoch) FROM rating_import "
            "ON CONFLICT (user_id, movie_id) DO UPDATE SET value = EXCLUDED.value, rated_at = EXCLUDED.rated_at"
        )
        cursor.execute("DROP TABLE rating_import")
    result.ratings_written = len(keep)


BULK_LOAD_MIN_ROWS = 200_000


@contextmanager
def _bulk_load(cursor, table: str, *, incoming: int):
    """For an import that at least doubles `table` (ml-25m into a fresh site): its foreign keys and
    plain indexes are dropped for the load and rebuilt after it, as Postgres' "Populating a
    Database" advises. At 1M ratings the import took 21 s instead of 48 s: index upkeep row by row
    and the deferred foreign-key checks at commit were most of it. Unique indexes stay (ON CONFLICT
    needs them). It is all in the import's transaction: a failure restores both. Readers of the
    table wait for that transaction, so a big import belongs before people arrive."""
    cursor.execute(f"SELECT count(*) FROM {table}")
    if incoming < max(BULK_LOAD_MIN_ROWS, cursor.fetchone()[0]):
        yield
        return
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _lookup(mapping: dict[int, int], keys: np.ndarray) -> np.ndarray:
    """mapping[key] for every key, vectorised (every key is in the mapping: the readers checked)."""
    known = np.fromiter(mapping.keys(), np.int64, len(mapping))
    targets = np.fromiter(mapping.values(), np.int64, len(mapping))
    order = np.argsort(known)
    return targets[order][np.searchsorted(known[order], keys)]


def _tags_upsert(dataset, item_to_movie, user_map, result: ImportResult) -> None:
    if not dataset.tags:
        return
    names = sorted({record.tag for record in dataset.tags})
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True, batch_size=BATCH)
    tag_ids = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
    rows = [
        TaggedMovie(user_id=user_map[r.user_id], movie_id=item_to_movie[r.item_id], tag_id=tag_ids[r.tag],
                    created_at=_timestamp(r.timestamp))
        for r in dataset.tags
    ]  # fmt: skip
    TaggedMovie.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    result.tags_written = len(rows)
