"""A person's lists: "Want to watch" and the movies they hid, each with a way back."""

import re

import pytest

from catalog.models import NotInterested, WatchlistEntry

pytestmark = pytest.mark.django_db


def _card(title: str) -> str:
    return f'<span class="card-title">{title}</span>'


def test_want_to_watch_adds_once_lists_it_and_removes_it(client, make_user, make_movie):
    heat, alien = make_movie("Heat", 1995), make_movie("Alien", 1979)
    user = make_user()
    client.force_login(user)
    for _ in range(2):  # a double click keeps one entry
        assert client.post(f"/movies/{heat.id}/watchlist/").status_code == 302
    client.post(f"/movies/{alien.id}/watchlist/")
    assert WatchlistEntry.objects.filter(user=user).count() == 2
    page = client.get("/me/watchlist/").content.decode()
    assert page.index(_card("Alien")) < page.index(_card("Heat"))  # latest first
    assert 'On <a href="/me/watchlist/">your watchlist</a>' in client.get(f"/movies/{heat.id}/").content.decode()
    response = client.post(f"/movies/{heat.id}/watchlist/", {"action": "remove", "next": "watchlist"})
    assert response["Location"] == "/me/watchlist/"
    assert list(WatchlistEntry.objects.filter(user=user).values_list("movie__title", flat=True)) == ["Alien"]


def test_lists_are_private_and_need_a_login(client, make_user, make_movie):
    heat = make_movie("Heat", 1995)
    owner, other = make_user(), make_user()
    client.force_login(owner)
    client.post(f"/movies/{heat.id}/watchlist/")
    client.post(f"/movies/{heat.id}/not-interested/")
    client.force_login(other)
    assert _card("Heat") not in client.get("/me/watchlist/").content.decode()
    assert _card("Heat") not in client.get("/me/hidden/").content.decode()
    client.post(f"/movies/{heat.id}/watchlist/", {"action": "remove"})  # removes nothing of the owner's
    assert WatchlistEntry.objects.filter(user=owner).exists()
    client.logout()
    for url in ("/me/watchlist/", "/me/hidden/"):
        assert "/accounts/login/" in client.get(url)["Location"]
    assert client.post(f"/movies/{heat.id}/watchlist/").status_code == 302
    assert WatchlistEntry.objects.count() == 1
    client.force_login(other)
    assert client.get(f"/movies/{heat.id}/watchlist/").status_code == 405  # a change is a POST


def test_the_hidden_page_lists_what_was_hidden_and_undo_brings_it_back(client, make_user, make_movie):
    heat = make_movie("Heat", 1995)
    user = make_user()
    client.force_login(user)
    client.post(f"/movies/{heat.id}/not-interested/", {"next": "for_you"})
    page = client.get("/me/hidden/").content.decode()
    assert _card("Heat") in page and 'value="undo"' in page
    response = client.post(f"/movies/{heat.id}/not-interested/", {"action": "undo", "next": "hidden"})
    assert response["Location"] == "/me/hidden/" and not NotInterested.objects.filter(user=user).exists()
    assert "You have not hidden any movie." in client.get("/me/hidden/").content.decode()


def test_my_ratings_sort_and_filter(client, make_user, make_movie):
    from catalog.services import rating_upsert

    user = make_user()
    heat, alien, brazil = (
        make_movie("Heat", 1995, ("Crime",)),
        make_movie("Alien", 1979, ("Horror",)),
        make_movie("Brazil", 1985, ("Comedy",)),
    )
    for movie, value in ((heat, 4.0), (alien, 5.0), (brazil, 2.5)):
        rating_upsert(user=user, movie=movie, value=value)
    client.force_login(user)

    def titles(**params):
        page = client.get("/me/ratings/", params).content.decode()
        return re.findall(r'<td><a href="/movies/\d+/">([A-Za-z]+) \(\d{4}\)</a></td>', page)

    assert titles() == ["Brazil", "Alien", "Heat"]  # most recent first
    assert titles(sort="highest") == ["Alien", "Heat", "Brazil"]
    assert titles(sort="lowest") == ["Brazil", "Heat", "Alien"]
    assert titles(sort="title") == ["Alien", "Brazil", "Heat"]
    assert titles(stars="5.0") == ["Alien"] and titles(genre="Crime") == ["Heat"]
    assert titles(sort="bogus", stars="7", genre="Nope") == ["Brazil", "Alien", "Heat"]  # bad input: no filter
    assert "None of your ratings match" in client.get("/me/ratings/", {"stars": "0.5"}).content.decode()
