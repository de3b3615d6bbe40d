"""The movie page's facts people look for (billing order, people as links, IMDb, a histogram) and person pages."""

import re

import pytest

from catalog.models import Credit, Person
from catalog.services import rating_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def heat(make_movie):
    heat = make_movie("Heat", 1995, ("Crime",), imdb_id="tt0113277", studios=["Regency Enterprises", "Forward Pass"])
    mann = Person.objects.create(name="Michael Mann")
    Credit.objects.create(movie=heat, person=mann, role="director")
    Credit.objects.create(movie=heat, person=mann, role="writer")
    for order, name in enumerate(["Robert De Niro", "Al Pacino", "Val Kilmer"]):
        Credit.objects.create(movie=heat, person=Person.objects.create(name=name), role="cast", order=order)
    return heat


def test_the_movie_page_links_people_in_billing_order_imdb_and_shows_how_people_rated_it(client, heat, make_user):
    for value in (5.0, 4.5, 4.5, 2.0):
        rating_upsert(user=make_user(), movie=heat, value=value)
    page = client.get(f"/movies/{heat.id}/").content.decode()
    cast = re.findall(r'<a href="/people/\d+/">([^<]+)</a>', page.split("<dt>Cast</dt>")[1].split("</dd>")[0])
    assert cast == ["Robert De Niro", "Al Pacino", "Val Kilmer"]
    assert "<dt>Written by</dt>" in page and 'href="https://www.imdb.com/title/tt0113277/"' in page
    assert "<dt>Made by</dt><dd>Regency Enterprises, Forward Pass</dd>" in page
    bars = dict(re.findall(r'<span class="bar-label">([\d.]+) ★</span><span class="bar" [^>]*></span>'
                           r'<span class="bar-count">(\d+)</span>', page))  # fmt: skip
    assert len(bars) == 10 and (bars["4.5"], bars["5.0"], bars["2.0"], bars["3.0"]) == ("2", "1", "1", "0")


def test_a_person_page_lists_their_films_with_roles_and_your_ratings(client, heat, make_movie, make_user):
    mann = Person.objects.get(name="Michael Mann")
    thief = make_movie("Thief", 1981, ("Crime",))
    Credit.objects.create(movie=thief, person=mann, role="director")
    user = make_user()
    rating_upsert(user=user, movie=thief, value=4.0)
    client.force_login(user)
    page = client.get(f"/people/{mann.id}/").content.decode()
    assert page.index("Heat") < page.index("Thief")  # newest first
    assert "Director, Writer" in page and "You gave it ★ 4.0" in page
    assert client.get("/people/999999/").status_code == 404


def test_an_alphabetical_cast_is_shown_with_the_most_watched_actors_first(client, make_movie):
    heat = make_movie("Heat", 1995, ("Crime",))
    godfather = make_movie("The Godfather: Part II", 1974, ("Crime",), rating_count=300)
    for order, name in enumerate(["Al Pacino", "Amy Brenneman", "Robert De Niro"]):  # as OMDb lists them
        Credit.objects.create(movie=heat, person=Person.objects.get_or_create(name=name)[0], role="cast", order=order)
    taxi = make_movie("Taxi Driver", 1976, ("Crime",), rating_count=400)
    Credit.objects.create(movie=godfather, person=Person.objects.get(name="Al Pacino"), role="cast")
    Credit.objects.create(movie=taxi, person=Person.objects.get(name="Robert De Niro"), role="cast")
    Credit.objects.create(movie=godfather, person=Person.objects.get(name="Robert De Niro"), role="cast")
    page = client.get(f"/movies/{heat.id}/").content.decode()
    cast = re.findall(r'<a href="/people/\d+/">([^<]+)</a>', page.split("<dt>Cast</dt>")[1].split("</dd>")[0])
    assert cast == ["Robert De Niro", "Al Pacino", "Amy Brenneman"]
