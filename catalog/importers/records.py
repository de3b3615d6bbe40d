"""What the readers produce: plain records, independent of any file layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class ImportFileError(ValueError):
    """A data file that cannot be imported: names the file, the line and the reason."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}, line {line}" if line else self.path
        super().__init__(f"{where}: {reason}")


@dataclass
class CreditRecord:
    name: str
    role: str  # "director", "writer" or "cast"
    order: int = 0
    character: str = ""
    tmdb_person_id: int | None = None


@dataclass
class MovieRecord:
    title: str
    year: int | None = None
    original_title: str = ""  # TMDB's title in the original language; a second join key
    movielens_id: int | None = None
    source_item_id: int | None = None  # the item id inside its own file, when not a MovieLens id
    tmdb_id: int | None = None
    imdb_id: str | None = None
    genres: list[str] = field(default_factory=list)
    overview: str = ""
    tagline: str = ""
    keywords: list[str] = field(default_factory=list)
    runtime: int | None = None
    popularity: float | None = None
    languages: list[str] = field(default_factory=list)  # spoken in the film, the original language first
    countries: list[str] = field(default_factory=list)  # of production
    studios: list[str] = field(default_factory=list)  # production companies, as TMDB names them
    awards: str = ""  # e.g. "Won 3 Oscars. Nominated for 6 Oscars."
    credits: list[CreditRecord] = field(default_factory=list)


@dataclass(frozen=True)
class RatingRecord:
    user_id: int  # the user's id inside the dataset
    item_id: int  # the movie's id inside the dataset (movielens_id or source_item_id)
    value: float
    timestamp: int  # seconds since the epoch


@dataclass(frozen=True)
class TagRecord:
    user_id: int
    item_id: int
    tag: str
    timestamp: int


@dataclass(frozen=True)
class RatingColumns:
    """Ratings as columns: 25 million RatingRecord objects would take gigabytes, these arrays 600 MB."""

    user_ids: np.ndarray  # int64, the dataset's own user ids
    item_ids: np.ndarray  # int64, the dataset's own item ids
    values: np.ndarray  # float32, 0.5 to 5.0 in half steps
    timestamps: np.ndarray  # int64, seconds since the epoch

    @classmethod
    def from_records(cls, records: list[RatingRecord]) -> RatingColumns:
        return cls(
            user_ids=np.fromiter((r.user_id for r in records), np.int64, len(records)),
            item_ids=np.fromiter((r.item_id for r in records), np.int64, len(records)),
            values=np.fromiter((r.value for r in records), np.float32, len(records)),
            timestamps=np.fromiter((r.timestamp for r in records), np.int64, len(records)),
        )

    def __len__(self) -> int:
        return len(self.user_ids)


def rating_columns(ratings: list[RatingRecord] | RatingColumns) -> RatingColumns:
    return ratings if isinstance(ratings, RatingColumns) else RatingColumns.from_records(ratings)


@dataclass
class Dataset:
    """One source's contents. `item_key` says which MovieRecord field ratings refer to."""

    name: str
    movies: list[MovieRecord]
    ratings: list[RatingRecord] | RatingColumns = field(default_factory=list)
    tags: list[TagRecord] = field(default_factory=list)
    item_key: str = "movielens_id"
    files: list[Path] = field(default_factory=list)


def parse_rating_value(raw: str, path: Path | str, line: int) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ImportFileError(path, line, f"rating {raw!r} is not a number") from None
    if not 0.5 <= value <= 5.0 or value * 2 != int(value * 2):
        raise ImportFileError(path, line, f"rating {raw!r} is not 0.5 to 5.0 in half steps")
    return value


# Ids and timestamps are stored in 32- and 64-bit columns: a larger value is refused with its line,
# not left to fail as a database error halfway through the import.
INT_LIMITS = {"timestamp": (-(2**63), 2**63 - 1)}
ID_LIMITS = (-(2**31), 2**31 - 1)


def parse_int(raw: str, what: str, path: Path | str, line: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ImportFileError(path, line, f"{what} {raw!r} is not an integer") from None
    low, high = INT_LIMITS.get(what.lower(), ID_LIMITS)
    if not low <= value <= high:
        raise ImportFileError(path, line, f"{what} {raw} is out of range ({low} to {high})")
    return value


def not_text_error(path: Path, encoding: str) -> ImportFileError:
    """The error for a file that is not `encoding` text, naming the line of the first bad byte (the
    text reader decodes ahead in chunks, so only the raw bytes tell the line)."""
    raw = path.read_bytes()
    try:
        raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return ImportFileError(
            path, line, f"not valid {encoding} text (byte 0x{raw[exc.start]:02x}); save it as {encoding}"
        )
    return ImportFileError(path, None, f"not valid {encoding} text")
