"""Server-rendered pages through Django's test client (the browser test drives the same pages for real)."""

from decimal import Decimal

import pytest

from catalog.models import Profile, Rating
from catalog.services import rating_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def heat(make_movie):
    return make_movie("Heat", 1995, ("Crime",), overview="A group of professional bank robbers.")


def test_pages_render_for_anonymous_visitors(client, heat, make_movie):
    make_movie("Alien", 1979, ("Horror",))
    home = client.get("/")
    assert home.status_code == 200 and b"Heat" in home.content
    browse = client.get("/movies/", {"q": "hea", "genre": "Crime", "decade": "1990"})
    assert browse.status_code == 200
    assert b"Heat" in browse.content and b"Alien" not in browse.content
    detail = client.get(f"/movies/{heat.id}/")
    assert b"A group of professional bank robbers." in detail.content
    assert b"Log in</a> to rate" in detail.content
    assert client.get("/movies/987654/").status_code == 404


def test_browse_ignores_a_malformed_decade_and_page(client, heat):
    response = client.get("/movies/", {"decade": "199x", "page": "last-ish"})
    assert response.status_code == 200 and b"Heat" in response.content


def test_signup_logs_in_and_creates_a_profile(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "newbie", "password1": "a-long-test-password", "password2": "a-long-test-password"},
    )
    assert response.status_code == 302 and response["Location"] == "/for-you/start/"  # straight to onboarding
    assert Profile.objects.filter(user__username="newbie", source="").exists()
    assert client.get("/me/ratings/").status_code == 200


def test_signup_shows_errors_for_mismatched_passwords(client):
    response = client.post("/accounts/signup/", {"username": "x", "password1": "a-long-pw-1", "password2": "nope"})
    assert response.status_code == 200
    assert b"didn" in response.content  # "The two password fields didn't match."


def test_rating_through_the_form_changes_and_removes_it(client, make_user, heat):
    user = make_user()
    client.force_login(user)
    response = client.post(f"/movies/{heat.id}/rate/", {"rating": "4.5", "action": "rate"}, follow=True)
    assert b"You rated Heat 4.5 stars." in response.content
    assert Rating.objects.get(user=user, movie=heat).value == Decimal("4.5")
    client.post(f"/movies/{heat.id}/rate/", {"rating": "2.0", "action": "rate"})
    assert Rating.objects.get(user=user, movie=heat).value == Decimal("2.0")
    client.post(f"/movies/{heat.id}/rate/", {"action": "remove"})
    assert not Rating.objects.exists()


def test_rating_with_a_bad_value_shows_an_error_and_writes_nothing(client, make_user, heat):
    client.force_login(make_user())
    response = client.post(f"/movies/{heat.id}/rate/", {"rating": "5.5"}, follow=True)
    assert b"Choose a rating from 0.5 to 5 stars" in response.content
    json_response = client.post(f"/movies/{heat.id}/rate/", {"rating": "abc"}, HTTP_ACCEPT="application/json")
    assert json_response.status_code == 400 and "error" in json_response.json()
    assert not Rating.objects.exists()


def test_rating_requires_login_and_post(client, make_user, heat):
    assert client.post(f"/movies/{heat.id}/rate/", {"rating": "4"}).status_code == 302  # to the login page
    client.force_login(make_user())
    assert client.get(f"/movies/{heat.id}/rate/").status_code == 405
    assert not Rating.objects.exists()


def test_my_ratings_lists_only_my_own(client, make_user, heat, make_movie):
    me, other = make_user(), make_user()
    alien = make_movie("Alien", 1979)
    rating_upsert(user=me, movie=heat, value=4)
    rating_upsert(user=other, movie=alien, value=5)
    client.force_login(me)
    page = client.get("/me/ratings/").content
    assert b"Heat" in page and b"Alien" not in page
    assert client.get("/me/ratings/").status_code == 200
    client.logout()
    assert client.get("/me/ratings/").status_code == 302


def test_the_rating_form_rejects_a_request_without_csrf_token(make_user, heat):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user())
    assert strict.post(f"/movies/{heat.id}/rate/", {"rating": "4"}).status_code == 403


def test_favicon_is_served_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
    assert 'rel="icon"' in client.get("/").content.decode()
