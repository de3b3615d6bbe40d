"""Hypothesis writes malformed MovieLens files (ratings.csv, movies.csv): every one is either read or
refused with a file, the line and a reason (ImportFileError), never another exception. The file named
may be another one (a links.csv line naming a movie the broken movies.csv lost). The database side, a refused file
leaving every table as it was, is tested in tests/catalog/test_importers.py."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.importers.movielens import read_movielens_folder
from catalog.importers.records import ImportFileError
from tests.catalog.files import latest_small_folder
from tests.check.conftest import figure

pytestmark = [pytest.mark.check, pytest.mark.slow]

GOOD = [b"1,1,4.0,964982703", b"2,6,0.5,964983815", b"3,69122,2.5,964982931"]
FIELD = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(lambda n: str(n).encode()),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda x: repr(x).encode()),
    st.sampled_from([b"", b"4.0", b"0.5", b"5.5", b"NaN", b'"1"', b"1e3", b" 1", b"\xff\xfe", b"\x00"]),
    st.binary(max_size=12),
    st.text(max_size=12).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
LINE = st.one_of(
    st.sampled_from(GOOD),
    st.lists(FIELD, min_size=0, max_size=6).map(b",".join),
    st.binary(max_size=40),
)
HEADERS = {
    "ratings.csv": [b"userId,movieId,rating,timestamp", b"userId,movieId,rating", b"movieId,userId,rating,timestamp",
                    b"", b"\xef\xbb\xbfuserId,movieId,rating,timestamp"],
    "movies.csv": [b"movieId,title,genres", b"movieId,title", b"", b"\xef\xbb\xbfmovieId,title,genres"],
}  # fmt: skip
CHECKED = {"files": 0, "refused": 0}


@given(
    name=st.sampled_from(sorted(HEADERS)),
    choice=st.integers(min_value=0, max_value=4),
    lines=st.lists(LINE, min_size=0, max_size=8),
    newline=st.sampled_from([b"\n", b"\r\n", b"\r"]),
)
@settings(max_examples=500, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_a_malformed_file_is_read_or_refused_with_file_line_and_reason(tmp_path_factory, name, choice, lines, newline):
    folder = latest_small_folder(tmp_path_factory.mktemp("fuzz"))
    header = HEADERS[name][choice % len(HEADERS[name])]
    (folder / name).write_bytes(newline.join([header, *lines]) + newline)
    CHECKED["files"] += 1
    figure("malformed MovieLens files, each read or refused", CHECKED["files"])
    try:
        read_movielens_folder(folder)
    except ImportFileError as error:
        CHECKED["refused"] += 1
        figure("  MovieLens files refused with file, line, reason", CHECKED["refused"])
        assert re.match(r"^\S+\.csv(, line \d+)?: \S", str(error)), str(error)
