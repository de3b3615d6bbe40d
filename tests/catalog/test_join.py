from catalog.importers.join import join_movies
from catalog.importers.records import MovieRecord


def test_join_matches_by_id_first_then_by_title_and_year_within_one_year():
    movies = [
        MovieRecord(title="Heat", year=1995, movielens_id=6, tmdb_id=949),
        MovieRecord(title="The Hangover", year=2009, movielens_id=69122),
        MovieRecord(title="Amélie (Fabuleux destin d'Amélie Poulain, Le)", year=2001, movielens_id=4973),
        MovieRecord(title="Unknown Film", year=1990, movielens_id=1),
    ]
    tmdb = [
        MovieRecord(title="Heat", year=1995, tmdb_id=949, overview="Robbers."),
        MovieRecord(title="The Hangover", year=2010, tmdb_id=18785, overview="A bachelor party."),
        MovieRecord(
            title="Amelie",
            year=2001,
            tmdb_id=194,
            original_title="Le Fabuleux Destin d'Amélie Poulain",
            overview="A shy waitress.",
        ),  # fmt: skip
    ]
    stats = join_movies(movies, tmdb, id_field="tmdb_id", source="tmdb")

    assert (stats.matched_by_id, stats.matched_by_title, stats.total) == (1, 2, 4)
    assert movies[1].tmdb_id == 18785 and movies[1].overview == "A bachelor party."
    assert movies[2].tmdb_id == 194
    assert movies[3].tmdb_id is None and movies[3].overview == ""


def test_join_never_gives_one_film_to_two_movies_nor_overrides_a_known_id():
    movies = [
        MovieRecord(title="Hamlet", year=1996, movielens_id=1),
        MovieRecord(title="Hamlet", year=1996, movielens_id=2),
        MovieRecord(title="Heat", year=1995, movielens_id=6, tmdb_id=1),  # links.csv says another film
    ]
    tmdb = [MovieRecord(title="Hamlet", year=1996, tmdb_id=10549), MovieRecord(title="Heat", year=1995, tmdb_id=949)]
    stats = join_movies(movies, tmdb, id_field="tmdb_id", source="tmdb")
    assert stats.matched == 1
    assert [m.tmdb_id for m in movies] == [10549, None, 1]


def test_join_keeps_what_the_target_already_has():
    movie = MovieRecord(title="Heat", year=1995, overview="Our own overview.", genres=["Crime"])
    join_movies([movie], [MovieRecord(title="Heat", year=1995, tmdb_id=949, overview="Theirs.", genres=["Drama"],
                                      runtime=170)], id_field="tmdb_id", source="tmdb")  # fmt: skip
    assert (movie.overview, movie.genres, movie.runtime) == ("Our own overview.", ["Crime"], 170)
