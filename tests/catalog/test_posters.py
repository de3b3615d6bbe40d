"""Posters: generated SVG art by default, the operator's real posters when configured, on every card."""

import re
from xml.etree import ElementTree

import pytest

from catalog.posters import poster_svg

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    return [node.text for node in ElementTree.fromstring(svg).iter(f"{SVG}text")]


def test_a_generated_poster_is_the_same_every_time_and_valid_svg():
    first = poster_svg(movie_id=1, title="Heat", year=1995, genres=["Crime", "Thriller"])
    assert first == poster_svg(movie_id=1, title="Heat", year=1995, genres=["Thriller", "Crime"])
    assert _texts(first) == ["Heat", "1995 · CRIME"]


def test_a_title_cannot_inject_markup_and_long_titles_wrap():
    svg = poster_svg(movie_id=2, title='<script>alert(1)</script> & "Friends"', year=None, genres=[])
    assert "<script>" not in svg and ElementTree.fromstring(svg) is not None
    long = poster_svg(movie_id=3, title="Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb",
                      year=1964, genres=["Comedy", "War"])  # fmt: skip
    lines = _texts(long)[:-1]
    assert 2 <= len(lines) <= 4 and all(len(line) <= 14 for line in lines) and lines[-1].endswith("…")


def test_genres_give_posters_their_own_look():
    def background(genres):
        return re.search(r'stop-color="(#[0-9a-f]{6})"', poster_svg(movie_id=4, title="X", year=2000, genres=genres))[1]

    assert len({background([g]) for g in ("Horror", "Comedy", "Sci-Fi", "Romance", "Western", "Drama")}) == 6


@pytest.mark.django_db
def test_the_poster_view_serves_art_an_operators_file_or_a_redirect(client, make_movie, settings, tmp_path):
    heat = make_movie("Heat", 1995, ("Crime",))
    response = client.get(f"/movies/{heat.id}/poster/")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "max-age" in response["Cache-Control"] and "Heat" in response.content.decode()
    assert client.get("/movies/999999/poster/").status_code == 404

    settings.POSTER_DIR = str(tmp_path)
    (tmp_path / f"{heat.id}.png").write_bytes(b"\x89PNG fake")
    real = client.get(f"/movies/{heat.id}/poster/")
    assert real["Content-Type"] == "image/png" and b"".join(real.streaming_content) == b"\x89PNG fake"
    settings.POSTER_DIR, settings.POSTER_BASE_URL = None, "https://posters.example/w342/"
    redirect = client.get(f"/movies/{heat.id}/poster/")
    assert redirect.status_code == 302 and redirect["Location"] == f"https://posters.example/w342/{heat.id}.jpg"


@pytest.mark.django_db
def test_every_card_and_the_movie_page_show_a_poster_with_alt_text(client, make_movie):
    heat = make_movie("Heat", 1995, ("Crime",))
    make_movie("Alien", 1979, ("Horror", "Sci-Fi"))
    for url in ("/", "/movies/", f"/movies/{heat.id}/"):
        page = client.get(url).content.decode()
        cards = page.count('<li class="card')
        posters = re.findall(r'<img class="poster[^"]*" src="/movies/\d+/poster/"[^>]*alt="Poster for [^"]+"', page)
        assert len(posters) >= max(cards, 1), url
