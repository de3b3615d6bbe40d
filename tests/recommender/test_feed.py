"""The feed: precomputed by the worker-side service, read by the API and the site."""

import pytest
from django.db import connection

from catalog.models import Movie, Rating
from catalog.preferences import preference_update
from catalog.services import rating_upsert
from recommender.models import ModelVersion, UserFeed
from recommender.selectors.feeds import RANKINGS, feed_for_user
from recommender.services.feeds import feed_refresh_for_user

pytestmark = pytest.mark.django_db


def _titles(body: dict) -> list[str]:
    return [item["movie"]["title"] for item in body["results"]]


def test_anonymous_feed_requests_are_401(api):
    assert api.get("/api/v1/me/feed/").status_code == 401


@pytest.mark.parametrize("k", ["0", "101", "ten", "-3"])
def test_a_bad_k_is_400(user_api, k):
    client, _ = user_api
    response = client.get("/api/v1/me/feed/", {"k": k})
    assert response.status_code == 400 and "k" in response.json()


def test_a_trained_users_feed_is_personal_unseen_and_explained(api, serving_ease, taste_catalog):
    users_a, _, movies_a, _ = taste_catalog
    user = users_a[0]
    api.force_authenticate(user)
    body = api.get("/api/v1/me/feed/", {"k": 5}).json()
    assert set(body) == {"model_version", "personal", "updating", "ranking", "note", "ruled_out", "results"}
    assert body["ruled_out"] == ""  # wrote nothing, ruled nothing out
    assert body["ranking"] == "classic" and body["note"] == "no language re-ranker serves yet"
    assert body["model_version"] == f"ease-v{serving_ease.pk}" and body["personal"] and not body["updating"]
    rated = set(Rating.objects.filter(user=user).values_list("movie_id", flat=True))
    shown = [item["movie"]["id"] for item in body["results"]]
    assert len(shown) == 5 and not rated & set(shown)
    # The user's unrated space operas come first: they are what people like them liked.
    unrated_a = {m.id for m in movies_a} - rated
    assert len(unrated_a) >= 5 and set(shown) <= unrated_a
    first = body["results"][0]
    assert set(first) == {"movie", "score", "sources", "explanation", "predicted_rating"} and "cf" in first["sources"]
    assert first["predicted_rating"] is None  # no SVD serves here: no stars are made up
    assert first["explanation"].startswith("Because you gave Space Opera") and " 5 stars" in first["explanation"]


def test_each_user_sees_only_their_own_feed(api, serving_ease, taste_catalog):
    users_a, users_b, _, _ = taste_catalog
    api.force_authenticate(users_b[0])
    theirs = api.get("/api/v1/me/feed/", {"k": 3}).json()["results"]
    assert all(item["movie"]["title"].startswith("Costume Drama") for item in theirs)
    assert all("Space Opera" not in item["explanation"] for item in theirs)


def test_a_new_users_feed_turns_personal_after_five_ratings_without_retraining(
    api, make_user, serving_ease, taste_catalog, django_capture_on_commit_callbacks
):
    _, _, movies_a, movies_b = taste_catalog
    newcomer = make_user()
    api.force_authenticate(newcomer)
    before = api.get("/api/v1/me/feed/", {"k": 10}).json()
    assert before["model_version"] == "popularity" and not before["personal"]

    with django_capture_on_commit_callbacks(execute=True):  # as after each request's commit
        for movie in movies_b[:5]:
            rating_upsert(user=newcomer, movie=movie, value=5)
    assert api.get("/api/v1/me/feed/").json()["updating"]  # rated, not yet refreshed
    with django_capture_on_commit_callbacks(execute=True):
        feed_refresh_for_user(user_id=newcomer.pk)  # what the debounced task runs: a fold-in
    after = api.get("/api/v1/me/feed/", {"k": 10}).json()

    assert after["personal"] and not after["updating"] and after["model_version"] == f"ease-v{serving_ease.pk}"
    assert _titles(after) != _titles(before)
    assert all(title.startswith("Costume Drama") for title in _titles(after)[:5])
    assert ModelVersion.objects.count() == 1  # no retrain happened


def test_a_movie_rated_after_the_refresh_disappears_at_once(
    api, serving_ease, taste_catalog, django_capture_on_commit_callbacks
):
    users_a, _, _, _ = taste_catalog
    user = users_a[1]
    api.force_authenticate(user)
    top = api.get("/api/v1/me/feed/", {"k": 3}).json()["results"][0]["movie"]
    with django_capture_on_commit_callbacks(execute=True):
        rating_upsert(user=user, movie=Movie.objects.get(pk=top["id"]), value=2)
    body = api.get("/api/v1/me/feed/", {"k": 3}).json()
    assert top["id"] not in [item["movie"]["id"] for item in body["results"]]
    assert len(body["results"]) == 3 and body["updating"]


def test_the_for_you_page_onboards_new_users_then_shows_the_feed(client, make_user, serving_ease, taste_catalog):
    users_a, _, _, _ = taste_catalog
    newcomer = make_user()
    client.force_login(newcomer)
    onboarding = client.get("/for-you/").content.decode()
    assert "Tell us what you have seen" in onboarding and 'href="/for-you/?feed=1#preferences"' in onboarding
    client.force_login(users_a[0])
    page = client.get("/for-you/").content.decode()
    assert "Space Opera" in page and "Because you gave" in page
    # How it was ranked, in words: no model version names or internal states on the page.
    assert "Picked and ordered by the ratings of people with tastes like yours." in page
    assert f"ease-v{serving_ease.pk}" not in page and "re-ranker" not in page and "reranker" not in page
    client.logout()
    assert client.get("/for-you/").status_code == 302


def test_what_the_user_rules_out_in_words_leaves_the_feed_before_and_after_the_refresh(
    api, serving_ease, taste_catalog, django_capture_on_commit_callbacks
):
    users_a, _, _, _ = taste_catalog
    fan = users_a[0]  # loves the space operas: they fill the top of the feed
    api.force_authenticate(fan)
    assert _titles(api.get("/api/v1/me/feed/", {"k": 5}).json())[0].startswith("Space Opera")

    with django_capture_on_commit_callbacks(execute=True):  # the cached feed retires, as after a request
        preference_update(user=fan, text="Period pieces please, and no science fiction")
    waiting = api.get("/api/v1/me/feed/", {"k": 5}).json()  # the refresh has not run: the reader leaves them out
    with django_capture_on_commit_callbacks(execute=True):
        feed_refresh_for_user(user_id=fan.pk)
    refreshed = api.get("/api/v1/me/feed/", {"k": 5}).json()

    for body in (waiting, refreshed):
        assert body["ruled_out"] == "science fiction"  # in their words
        assert _titles(body) and not any(title.startswith("Space Opera") for title in _titles(body))
        assert all("Sci-Fi" not in item["movie"]["genres"] for item in body["results"])


def test_a_newcomer_who_rules_out_a_genre_gets_popular_movies_without_it(api, make_user, serving_ease, taste_catalog):
    newcomer = make_user()
    preference_update(user=newcomer, text="I don't like dramas")
    api.force_authenticate(newcomer)
    body = api.get("/api/v1/me/feed/", {"k": 10}).json()
    assert body["ruled_out"] == "dramas" and len(body["results"]) == 10
    assert all("Drama" not in item["movie"]["genres"] for item in body["results"])


def test_a_reason_never_cites_a_movie_whose_rating_was_lowered_below_four_stars(
    api, serving_ease, taste_catalog, django_capture_on_commit_callbacks
):
    users_a, _, _, _ = taste_catalog
    user = users_a[2]
    api.force_authenticate(user)
    first = api.get("/api/v1/me/feed/", {"k": 1}).json()["results"][0]
    cited = first["explanation"].removeprefix("Because you gave ").split(" (")[0]
    assert cited.startswith("Space Opera")
    with django_capture_on_commit_callbacks(execute=True):
        rating_upsert(user=user, movie=Movie.objects.get(title=cited), value=2)
    again = [
        item for item in api.get("/api/v1/me/feed/", {"k": 5}).json()["results"] if item["movie"] == first["movie"]
    ]
    assert again[0]["explanation"] == "Recommended from the ratings of people with tastes like yours."


def test_the_database_filter_leaves_out_films_of_every_genre_in_a_ruled_out_set_and_by_keyword(make_movie):
    from recommender.engine.text.exclusions import ruled_out
    from recommender.selectors.exclusions import ruled_out_movie_ids

    romcom = make_movie("Sleepless", genres=("Comedy", "Romance"))
    comedy = make_movie("Airplane", genres=("Comedy",))
    romance = make_movie("Casablanca", genres=("Drama", "Romance"))
    gory = make_movie("Evil Dead", genres=("Comedy",), keywords=["gore", "cabin"])
    ids = [romcom.id, comedy.id, romance.id, gory.id]
    assert ruled_out_movie_ids(rules=ruled_out("not a fan of romantic comedies"), movie_ids=ids) == {romcom.id}
    assert ruled_out_movie_ids(rules=ruled_out("no romance or gore"), movie_ids=ids) == {romcom.id, romance.id, gory.id}
    assert ruled_out_movie_ids(rules=ruled_out("I love everything"), movie_ids=ids) == set()


def test_a_feed_rewritten_while_it_is_read_is_shown_from_one_version_of_the_row(serving_ease, taste_catalog):
    """A refresh may commit between the feed's query and any later read of the same row: everything
    shown comes from the one query (found under two servers and three workers: a 500, once)."""
    user = taste_catalog[0][0]
    stored = UserFeed.objects.get(user=user)
    rewritten = []

    def a_refresh_commits_after_the_first_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not rewritten and 'FROM "recommender_userfeed"' in sql:
            rewritten.append(sql)
            last = slice(-3, None)  # a shorter candidate list, as a refresh may write
            UserFeed.objects.filter(user=user).update(movie_ids=stored.movie_ids[last], scores=stored.scores[last],
                                                      because_movie_ids=stored.because_movie_ids[last])  # fmt: skip
        return result

    for ranking in RANKINGS:
        rewritten.clear()
        UserFeed.objects.filter(pk=stored.pk).update(movie_ids=stored.movie_ids, scores=stored.scores,
                                                     because_movie_ids=stored.because_movie_ids)  # fmt: skip
        with connection.execute_wrapper(a_refresh_commits_after_the_first_read):
            feed = feed_for_user(user=user, k=10, ranking=ranking)
        assert rewritten, "the feed was read"
        assert [item.movie.id for item in feed.items] == stored.movie_ids[:10]  # the row as first read
