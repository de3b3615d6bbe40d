import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(make_movie):
    return {
        "toy": make_movie("Toy Story", 1995, ("Animation", "Comedy"), rating_count=50, rating_mean=3.9),
        "toy2": make_movie("Toy Story 2", 1999, ("Animation",), rating_count=20, rating_mean=3.8),
        "heat": make_movie("Heat", 1995, ("Crime",), rating_count=30, rating_mean=4.0, overview="Robbers."),
        "alien": make_movie("Alien", 1979, ("Horror", "Sci-Fi"), rating_count=40, rating_mean=4.1),
    }


def _titles(response) -> list[str]:
    return [movie["title"] for movie in response.json()["results"]]


def test_movie_list_is_paginated_most_rated_first(api, catalog):
    response = api.get("/api/v1/movies/")
    assert response.status_code == 200
    assert response.json()["count"] == 4
    assert _titles(response) == ["Toy Story", "Alien", "Heat", "Toy Story 2"]
    assert set(response.json()["results"][0]) == {"id", "title", "year", "genres", "rating_mean", "rating_count"}


def test_search_matches_every_word_of_the_title_case_insensitively(api, catalog):
    assert _titles(api.get("/api/v1/movies/", {"search": "toy story"})) == ["Toy Story", "Toy Story 2"]
    assert _titles(api.get("/api/v1/movies/", {"search": "STORY 2"})) == ["Toy Story 2"]


def test_genre_and_decade_filters_combine(api, catalog):
    assert _titles(api.get("/api/v1/movies/", {"genre": "animation", "decade": 1990})) == ["Toy Story", "Toy Story 2"]
    assert _titles(api.get("/api/v1/movies/", {"decade": 1970})) == ["Alien"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"decade": 1995}, "decade", "ending in 0"),
        ({"decade": "nineties"}, "decade", "valid integer"),
        ({"genre": "Westerns"}, "genre", "Unknown genre 'Westerns'"),
        ({"sort": "random"}, "sort", "not a valid choice"),
    ],
)
def test_bad_filters_are_400_with_a_field_message(api, catalog, params, field, message):
    response = api.get("/api/v1/movies/", params)
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_movie_detail_has_metadata_and_no_rating_for_anonymous(api, catalog):
    response = api.get(f"/api/v1/movies/{catalog['heat'].id}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["overview"], body["my_rating"], body["genres"]) == ("Heat", "Robbers.", None, ["Crime"])


def test_unknown_movie_is_404(api, catalog):
    assert api.get("/api/v1/movies/999999/").status_code == 404


def test_movies_are_read_only(user_api, catalog):
    client, _ = user_api
    assert client.post("/api/v1/movies/", {"title": "x"}).status_code == 405
    assert client.delete(f"/api/v1/movies/{catalog['heat'].id}/").status_code == 405


def test_schema_and_docs_are_served_with_local_assets(api):
    assert api.get("/api/v1/schema/").status_code == 200
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html and "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
