"""Onboarding: posters to rate, "haven't seen it" skips, and a visible count toward a personal feed."""

import pytest

from catalog.models import Rating
from catalog.services import rating_upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def dramas(make_movie):
    return [make_movie(f"Drama {n}", 1990 + n, ("Drama",), rating_count=100 - n) for n in range(8)]


def test_haven_t_seen_it_takes_the_movie_away_and_the_next_one_of_its_genre_comes_in(client, make_user, dramas):
    client.force_login(make_user())
    page = client.get("/for-you/start/").content.decode()
    assert "Drama 0" in page and "Drama 6" not in page  # six per group, most rated first
    assert "0 of 5 ratings" in page and 'id="onboarding-progress"' in page

    response = client.post(f"/for-you/start/skip/{dramas[0].id}/")
    assert response.status_code == 302 and response["Location"] == "/for-you/start/"
    page = client.get("/for-you/start/").content.decode()
    assert "Drama 0" not in page and "Drama 6" in page
    assert not Rating.objects.exists()  # not having seen a film says nothing about liking it

    fetched = client.post(f"/for-you/start/skip/{dramas[1].id}/", HTTP_ACCEPT="application/json")
    assert fetched.json() == {"skipped": dramas[1].id}
    assert client.post("/for-you/start/skip/999999/").status_code == 404
    assert client.get(f"/for-you/start/skip/{dramas[2].id}/").status_code == 405


def test_skipping_needs_a_login(client, dramas):
    response = client.post(f"/for-you/start/skip/{dramas[0].id}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_count_says_when_recommendations_turn_personal(client, make_user, dramas):
    user = make_user()
    client.force_login(user)
    for movie in dramas[:2]:
        rating_upsert(user=user, movie=movie, value=4.0)
    assert "2 of 5 ratings" in client.get("/for-you/start/").content.decode()
    saved = client.post(f"/movies/{dramas[2].id}/rate/", {"rating": "3.5"}, HTTP_ACCEPT="application/json").json()
    assert saved["rated_total"] == 3  # what the page's counter follows without a reload
    for movie in dramas[3:5]:
        rating_upsert(user=user, movie=movie, value=4.0)
    assert "your recommendations</a> are personal now" in client.get("/for-you/start/").content.decode()


def test_onboarding_offers_nothing_the_user_ruled_out_in_words(client, make_user, make_movie, dramas):
    from catalog.preferences import preference_update

    scary = [make_movie(f"Scary {n}", 2000 + n, ("Horror",), rating_count=200 - n) for n in range(3)]
    gory_drama = make_movie("Gory Drama", 1999, ("Drama",), rating_count=500, keywords=["gore"])
    user = make_user()
    client.force_login(user)
    before = client.get("/for-you/start/").content.decode()
    assert "Scary 0" in before and "Gory Drama" in before

    preference_update(user=user, text="Period dramas please. No horror, nothing gory.")
    after = client.get("/for-you/start/").content.decode()
    assert not [movie.title for movie in [*scary, gory_drama] if movie.title in after]
    assert "Drama 0" in after  # the rest of the page is as it was
