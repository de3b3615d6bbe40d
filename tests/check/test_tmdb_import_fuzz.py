"""Hypothesis writes malformed TMDB files (movies.csv with its credits.csv): every pair is either
read or refused with a file, the line and a reason (ImportFileError), never another exception. The
JSON columns get JSON of every shape: not a list, lists of numbers, objects without names."""

import csv
import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.importers.records import ImportFileError
from catalog.importers.tmdb import read_tmdb_csv
from tests.check.conftest import figure

pytestmark = [pytest.mark.check, pytest.mark.slow]

MOVIE_COLUMNS = ["id", "title", "original_title", "overview", "tagline", "genres", "keywords", "release_date",
                 "runtime", "popularity"]  # fmt: skip
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "id", "job", "order",
                                                                                 "character"]), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip
NAMED = st.fixed_dictionaries({"name": st.text(max_size=10)}, optional={"id": st.integers(), "job": st.text(max_size=9),
                              "order": JSON_VALUE, "character": JSON_VALUE})  # fmt: skip
JSON_COLUMN = st.one_of(
    st.lists(NAMED, max_size=3).map(json.dumps),
    JSON_VALUE.map(json.dumps),
    st.text(max_size=12),
)
FIELD = st.one_of(
    st.sampled_from(["", "862", "1995-10-30", "81", "nan", "inf", "-1e400", "1e309", "99999999999999999999", "x"]),
    st.integers().map(str),
    st.floats().map(repr),
    st.text(max_size=12),
)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def movie_rows(draw):
    row = [draw(FIELD) for _ in MOVIE_COLUMNS]
    for column in ("genres", "keywords"):
        row[MOVIE_COLUMNS.index(column)] = draw(JSON_COLUMN)
    if draw(st.booleans()):
        row = row[: draw(st.integers(min_value=0, max_value=len(row)))]  # a short line
    return row


CHECKED = {"pairs": 0, "refused": 0}


@given(
    header=st.sampled_from([MOVIE_COLUMNS, MOVIE_COLUMNS[:5], ["id", "title"], []]),
    movies=st.lists(movie_rows(), max_size=5),
    credits=st.lists(st.tuples(FIELD, JSON_COLUMN, JSON_COLUMN), max_size=4),
    raw_tail=st.sampled_from([b"", b"\xff\xfe\n", b"\x00\n", b'"unclosed\n']),
)
@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_a_malformed_tmdb_pair_is_read_or_refused_with_file_line_and_reason(tmp_path_factory, header, movies,
                                                                            credits, raw_tail):  # fmt: skip
    folder = tmp_path_factory.mktemp("tmdb")
    movies_path, credits_path = folder / "movies.csv", folder / "credits.csv"
    movies_path.write_bytes(_csv(header, movies).encode("utf-8", "surrogatepass") + raw_tail)
    credits_path.write_text(_csv(["movie_id", "title", "cast", "crew"], [[i, "t", c, w] for i, c, w in credits]),
                            encoding="utf-8", errors="surrogatepass")  # fmt: skip
    CHECKED["pairs"] += 1
    figure("malformed TMDB file pairs, each read or refused", CHECKED["pairs"])
    try:
        read_tmdb_csv(movies_path, credits_path)
    except ImportFileError as error:
        CHECKED["refused"] += 1
        figure("  TMDB pairs refused with file, line and reason", CHECKED["refused"])
        assert re.match(r"^\S+\.csv(, line \d+)?: \S", str(error)), str(error)
