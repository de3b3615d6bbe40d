"""Importers on small files the tests write: layouts, idempotence, bad lines, atomicity."""

import sqlite3
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from catalog.importers.join import join_movies
from catalog.importers.movielens import read_movielens_folder
from catalog.importers.records import Dataset, ImportFileError, MovieRecord, RatingRecord
from catalog.importers.tmdb import read_omdb_sqlite
from catalog.imports import dataset_import
from catalog.models import Credit, Movie, Profile, Rating, TaggedMovie
from tests.catalog.files import latest_small_folder, ml1m_folder, ml100k_folder, tmdb_pair, write

pytestmark = pytest.mark.django_db


def _import(folder, *args) -> str:
    out = StringIO()
    call_command("import_movielens", str(folder), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _table_counts() -> tuple[int, ...]:
    return (Movie.objects.count(), Rating.objects.count(), Profile.objects.count(), TaggedMovie.objects.count())


def test_latest_small_layout_imports_movies_users_ratings_tags_and_link_ids(tmp_path):
    _import(latest_small_folder(tmp_path / "ml-latest-small"))

    assert _table_counts() == (4, 5, 3, 2)
    hangover = Movie.objects.get(movielens_id=69122)
    assert (hangover.title, hangover.year, hangover.tmdb_id, hangover.imdb_id) == (
        "The Hangover",
        2009,
        18785,
        "tt1119646",
    )
    toy = Movie.objects.get(movielens_id=1)
    assert sorted(toy.genres.values_list("name", flat=True)) == [
        "Adventure",
        "Animation",
        "Children",
        "Comedy",
        "Fantasy",
    ]
    assert (toy.rating_count, toy.rating_mean) == (2, 4.5)
    user = Profile.objects.get(source="ml-latest-small", external_id=2).user
    assert not user.has_usable_password()
    assert sorted(Rating.objects.filter(user=user).values_list("value", flat=True)) == [0.5, 5.0]


def test_importing_the_same_folder_twice_changes_nothing(tmp_path):
    folder = latest_small_folder(tmp_path / "small")
    _import(folder)
    before = _table_counts()
    assert "imported already" in _import(folder)
    _import(folder, "--force")
    assert _table_counts() == before


def test_a_rating_given_twice_keeps_the_latest_and_a_changed_file_updates_ratings_in_place(tmp_path):
    twice = """
userId,movieId,rating,timestamp
1,1,2.0,964982703
1,1,4.5,964990000
1,6,3.0,964982224
"""
    _import(latest_small_folder(tmp_path / "small", ratings=twice))
    user = Profile.objects.get(external_id=1).user
    assert dict(Rating.objects.filter(user=user).values_list("movie__movielens_id", "value")) == {1: 4.5, 6: 3.0}
    changed = twice.replace("1,6,3.0,964982224", "1,6,1.5,964999999")
    _import(latest_small_folder(tmp_path / "small", ratings=changed), "--force")
    rows = Rating.objects.filter(user=user)
    assert dict(rows.values_list("movie__movielens_id", "value")) == {1: 4.5, 6: 1.5}
    assert rows.get(movie__movielens_id=6).rated_at.timestamp() == 964999999
    assert Movie.objects.get(movielens_id=6).rating_mean == 1.5  # the stats follow


def test_ml1m_layout_imports_with_integer_ratings_and_normalised_genres(tmp_path):
    _import(ml1m_folder(tmp_path / "ml-1m"))
    toy = Movie.objects.get(movielens_id=1)
    assert "Children" in toy.genres.values_list("name", flat=True)
    assert Rating.objects.count() == 3
    assert Profile.objects.filter(source="ml-1m").count() == 2


def test_ml100k_items_join_existing_movies_by_title_and_year(tmp_path):
    _import(latest_small_folder(tmp_path / "small"))
    _import(ml100k_folder(tmp_path / "ml-100k"))
    # Toy Story exists already (from the first import), GoldenEye is new.
    assert Movie.objects.filter(title="Toy Story").count() == 1
    assert Movie.objects.get(title="GoldenEye").movielens_id is None
    assert Rating.objects.filter(movie__title="Toy Story").count() == 3
    _import(ml100k_folder(tmp_path / "ml-100k"), "--force")
    assert Movie.objects.filter(title="GoldenEye").count() == 1


def test_tmdb_pair_enriches_by_tmdb_id_and_adds_unknown_films(tmp_path):
    _import(latest_small_folder(tmp_path / "small"))
    movies_csv, credits_csv = tmdb_pair(tmp_path / "tmdb")
    call_command("import_tmdb", str(movies_csv), str(credits_csv), stdout=StringIO(), stderr=StringIO())

    toy = Movie.objects.get(movielens_id=1)
    assert toy.overview.startswith("Led by Woody")
    assert (toy.tagline, toy.runtime, toy.keywords) == ("The adventure takes off!", 81, ["toy", "friendship"])
    assert toy.studios == ["Pixar Animation Studios"]
    assert Movie.objects.get(title="Heat").studios == []
    assert list(Credit.objects.filter(movie=toy, role="cast").values_list("person__name", "character")) == [
        ("Tom Hanks", "Woody"),
        ("Tim Allen", "Buzz Lightyear"),
    ]
    assert Credit.objects.get(movie=toy, role="director").person.name == "John Lasseter"
    assert Movie.objects.get(tmdb_id=99999).title == "Brand New Film"
    assert Movie.objects.count() == 5


def test_a_malformed_line_names_the_file_line_and_reason(tmp_path):
    folder = latest_small_folder(
        tmp_path / "bad", ratings="userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,four,964981247\n"
    )
    with pytest.raises(CommandError, match=r"ratings\.csv, line 3: rating 'four' is not a number"):
        _import(folder)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1,1,5.5,964982703", "rating '5.5' is not 0.5 to 5.0 in half steps"),
        ("1,1,3.3,964982703", "rating '3.3' is not 0.5 to 5.0 in half steps"),
        ("1,777,4.0,964982703", "movieId 777 is not in movies.csv"),
        ("1,1,4.0", "wrong number of fields"),
        ("99999999999,1,4.0,964982703", r"userId 99999999999 is out of range \(-2147483648 to 2147483647\)"),
        ("1,1,4.0,99999999999999999999", "timestamp 99999999999999999999 is out of range"),
    ],
)
def test_bad_rating_lines_are_rejected_with_their_reason(tmp_path, line, reason):
    ratings = f"userId,movieId,rating,timestamp\n1,2,3.0,964982703\n{line}\n"
    with pytest.raises(ImportFileError, match=f"line 3: {reason}"):
        read_movielens_folder(latest_small_folder(tmp_path / "bad", ratings=ratings))


def test_a_file_that_is_not_utf8_names_the_line_of_the_first_bad_byte(tmp_path):
    folder = latest_small_folder(tmp_path / "latin")
    ratings = folder / "ratings.csv"
    ratings.write_bytes(ratings.read_bytes() + b"1,1,4.0,964982703 \xe9t\xe9\n")
    lines = ratings.read_bytes().count(b"\n")
    with pytest.raises(CommandError, match=rf"ratings\.csv, line {lines}: not valid utf-8 text \(byte 0xe9\)"):
        _import(folder)
    assert _table_counts() == (0, 0, 0, 0)


def test_a_file_that_fails_halfway_leaves_the_database_unchanged(tmp_path):
    _import(latest_small_folder(tmp_path / "good"))
    before = _table_counts()
    # A second dataset whose movies are fine but whose ratings break after valid lines.
    bad = tmp_path / "bad"
    write(bad / "movies.csv", "movieId,title,genres\n1,Toy Story (1995),Comedy\n500,New (2001),Drama\n")
    write(bad / "ratings.csv", "userId,movieId,rating,timestamp\n9,1,4.0,1\n9,500,4.0,2\n9,x,4.0,3\n")
    with pytest.raises(CommandError, match=r"ratings\.csv, line 4: movieId 'x' is not an integer"):
        _import(bad)
    assert _table_counts() == before
    assert not Movie.objects.filter(movielens_id=500).exists()


def test_a_failure_while_writing_rolls_back_the_movies_already_written():
    # Readers validate ratings, so force a database-level failure after the movies are written.
    dataset = Dataset(
        name="broken",
        movies=[MovieRecord(title="Written First", year=2000, movielens_id=42)],
        ratings=[RatingRecord(user_id=1, item_id=42, value=7.0, timestamp=1)],
    )
    with pytest.raises(IntegrityError):
        dataset_import(dataset=dataset)
    assert not Movie.objects.filter(movielens_id=42).exists()
    assert not Profile.objects.filter(source="broken").exists()


def test_missing_columns_are_named(tmp_path):
    folder = latest_small_folder(tmp_path / "cols")
    write(folder / "movies.csv", "movieId,name\n1,Toy Story\n")
    with pytest.raises(ImportFileError, match=r"movies\.csv, line 1: missing column\(s\) title, genres"):
        read_movielens_folder(folder)


def test_a_folder_that_is_not_movielens_is_refused(tmp_path):
    with pytest.raises(CommandError, match="not a MovieLens folder"):
        _import(tmp_path)


def test_omdb_languages_countries_and_oscars_join_by_title_and_year_and_reach_the_catalog(tmp_path):
    path = tmp_path / "movies.db"
    columns = 'imdbID, Title, Year, Runtime, Genre, Director, Writer, "Cast", Language, Country, Awards, ID'
    rows = [
        (
            "tt0047478",
            "Seven Samurai",
            1954,
            207,
            "Drama",
            "Kurosawa",
            "",
            "",
            "Japanese",
            "Japan",
            "Nominated for 2 Oscars.",
            "300,000",
        ),
        (
            "tt0113277",
            "Heat",
            1995,
            170,
            "Crime",
            "Michael Mann",
            "",
            "",
            "English, Spanish",
            "United States",
            None,
            None,
        ),
    ]
    with sqlite3.connect(path) as connection:
        connection.execute(f"CREATE TABLE omdb ({columns})")
        connection.executemany(f"INSERT INTO omdb VALUES ({', '.join('?' * 12)})", rows)
    omdb = {record.title: record for record in read_omdb_sqlite(path)}
    assert (omdb["Heat"].languages, omdb["Heat"].countries, omdb["Heat"].awards) == (["English", "Spanish"],
                                                                                  ["United States"], "")  # fmt: skip
    films = [MovieRecord("Seven Samurai (Shichinin no samurai)", 1954, movielens_id=2019), MovieRecord("Heat", 1995)]
    assert join_movies(films, list(omdb.values()), id_field="imdb_id", source="OMDb").matched == 2
    dataset_import(dataset=Dataset(name="test", movies=films, ratings=[], tags=[], item_key="movielens_id"))
    samurai = Movie.objects.get(movielens_id=2019)
    assert (samurai.languages, samurai.countries, samurai.awards) == (
        ["Japanese"],
        ["Japan"],
        "Nominated for 2 Oscars.",
    )


def test_omdb_cast_listed_alphabetically_is_ordered_by_how_widely_each_actors_films_were_reviewed(tmp_path):
    path = tmp_path / "movies.db"
    columns = 'imdbID, Title, Year, Runtime, Genre, Director, Writer, "Cast", Language, Country, Awards, ID'
    films = [
        ("tt0113277", "Heat", "Al Pacino, Danny Trejo, Robert De Niro, Val Kilmer", 154),
        ("tt0071562", "The Godfather: Part II", "Al Pacino, Robert De Niro", 120),
        ("tt0075314", "Taxi Driver", "Robert De Niro", 110),
        ("tt0108358", "Tombstone", "Val Kilmer", 60),
        *((f"tt99{n:05d}", f"Small Film {n}", "Danny Trejo", 3) for n in range(15)),  # many films, few reviews
    ]
    with sqlite3.connect(path) as connection:
        connection.execute(f"CREATE TABLE omdb ({columns})")
        connection.execute("CREATE TABLE tomatoes (ID, Reviews)")
        for number, (imdb_id, title, cast, reviews) in enumerate(films):
            row = (imdb_id, title, 2000, 100, "Crime", "", "", cast, "English", "", "", number)
            connection.execute(f"INSERT INTO omdb VALUES ({', '.join('?' * 12)})", row)
            connection.execute("INSERT INTO tomatoes VALUES (?, ?)", (number, reviews))
    heat = next(record for record in read_omdb_sqlite(path) if record.title == "Heat")
    cast = [credit.name for credit in sorted(heat.credits, key=lambda c: c.order) if credit.role == "cast"]
    assert cast == ["Robert De Niro", "Al Pacino", "Val Kilmer", "Danny Trejo"]


def _rating_schema() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'catalog_rating'::regclass"
        )
        constraints = set(cursor.fetchall())
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'catalog_rating'")
        return constraints | set(cursor.fetchall())


def test_a_bulk_load_rebuilds_every_index_and_foreign_key_it_set_aside(tmp_path, monkeypatch):
    from catalog import imports

    monkeypatch.setattr(imports, "BULK_LOAD_MIN_ROWS", 1)  # the path a large import takes, on small files
    before = _rating_schema()
    _import(latest_small_folder(tmp_path / "small"))
    assert Rating.objects.count() == 5 and _rating_schema() == before
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:  # the keys hold again
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("INSERT INTO catalog_rating (user_id, movie_id, value, rated_at) VALUES (999999, 1, 4, now())")
