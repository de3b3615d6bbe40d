"""GET /api/v1/search/ and the site's search page route each kind of request, on the real database
and cache: questions answered from the catalog, bare titles found (typos, remakes by year), and
recommendation requests filtered by what they name ("no horror" honoured, people, decades) and
personalised for a signed-in user. The parser here is the no-model baseline (no query_parser run
is trained in these tests): routing does not depend on which parser read the request."""

from datetime import UTC, datetime

import pytest

from catalog.models import Credit, Person, Rating

pytestmark = pytest.mark.django_db
URL = "/api/v1/search/"


@pytest.fixture
def catalog(make_movie):
    def credit(movie, name, role, order=0):
        Credit.objects.create(movie=movie, person=Person.objects.get_or_create(name=name)[0], role=role, order=order)

    heat = make_movie("Heat", 1995, ("Action", "Crime"), rating_count=104, rating_mean=4.0, runtime=170,
                      overview="A group of professional bank robbers is hunted by a detective.")  # fmt: skip
    remake = make_movie("Heat", 1986, ("Action",), rating_count=2, rating_mean=2.5)
    ghost = make_movie("Ghostbusters", 1984, ("Comedy", "Horror"), rating_count=90, rating_mean=3.8)
    groundhog = make_movie("Groundhog Day", 1993, ("Comedy", "Romance"), rating_count=95, rating_mean=4.1)
    stripes = make_movie("Stripes", 1981, ("Comedy",), rating_count=30, rating_mean=3.4)
    shining = make_movie("The Shining", 1980, ("Horror",), rating_count=80, rating_mean=4.2)
    airplane = make_movie("Airplane!", 1980, ("Comedy",), rating_count=70, rating_mean=3.9)
    credit(heat, "Michael Mann", "director")
    credit(heat, "Michael Mann", "writer")
    credit(heat, "Al Pacino", "cast", 0)
    credit(heat, "Robert De Niro", "cast", 1)
    for movie in (ghost, groundhog, stripes):
        credit(movie, "Bill Murray", "cast")
    credit(ghost, "Ivan Reitman", "director")
    credit(stripes, "Ivan Reitman", "director")
    return {"heat": heat, "remake": remake, "ghost": ghost, "groundhog": groundhog, "stripes": stripes,
            "shining": shining, "airplane": airplane}  # fmt: skip


def _search(client, q, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"query", "parser", "route", "answer", "understood", "parse", "results"}
    return body


def _titles(body):
    return [(hit["movie"]["title"], hit["movie"]["year"]) for hit in body["results"]]


def test_a_question_about_a_movie_is_answered_from_the_catalog(api, catalog):
    body = _search(api, "who directed Heat?")
    assert body["route"] == "answer" and body["answer"] == "Heat (1995) was directed by Michael Mann."
    assert _titles(body)[0] == ("Heat", 1995)
    assert _search(api, "how long is heat")["answer"] == "Heat (1995) runs 170 minutes (2 h 50 min)."
    assert _search(api, "who is in heat 1995")["answer"] == "Heat (1995) stars Al Pacino and Robert De Niro."


def test_a_fact_the_catalog_lacks_is_said_plainly_not_guessed(api, catalog):
    assert (
        _search(api, "who directed heat (1986)?")["answer"] == "The catalog does not list the director of Heat (1986)."
    )


def test_a_bare_title_finds_the_title_with_typos_and_the_year_picks_the_remake(api, catalog):
    body = _search(api, "heat 1995")
    assert body["route"] == "title" and body["answer"] == "" and _titles(body)[0] == ("Heat", 1995)
    assert ("Heat", 1986) in _titles(body)  # the namesake follows
    assert _titles(_search(api, "heat (1986)"))[0] == ("Heat", 1986)
    assert _titles(_search(api, "groundhg day"))[0] == ("Groundhog Day", 1993)


def test_my_rating_is_mine_and_anonymous_people_are_asked_to_log_in(api, user_api, catalog):
    client, user = user_api
    Rating.objects.create(user=user, movie=catalog["heat"], value=4.5, rated_at=datetime(2024, 1, 1, tzinfo=UTC))
    assert _search(client, "what did i rate heat")["answer"] == "You rated Heat (1995) 4.5 stars."
    assert _search(api, "what did i rate heat")["answer"] == "Log in to see your rating of Heat (1995)."


def test_no_horror_is_honoured_and_people_and_decades_filter(api, catalog):
    body = _search(api, "funny movies from the 80s with Bill Murray, no horror")
    assert body["route"] == "recommendations"
    assert _titles(body) == [("Stripes", 1981)]  # Ghostbusters is a horror comedy; Groundhog Day is from 1993
    assert "no Horror" in body["understood"] and "with Bill Murray" in body["understood"]
    assert body["results"][0]["reason"] == "With Bill Murray"
    assert ("The Shining", 1980) not in _titles(_search(api, "anything from the 80s but no horror"))


def test_a_signed_in_user_gets_recommendations_without_what_they_rated(user_api, catalog):
    client, user = user_api
    Rating.objects.create(user=user, movie=catalog["airplane"], value=5.0, rated_at=datetime(2024, 1, 1, tzinfo=UTC))
    assert ("Airplane!", 1980) in _titles(_search(client.__class__(), "comedies from the 80s"))
    assert ("Airplane!", 1980) not in _titles(_search(client, "comedies from the 80s"))


def test_what_a_person_ruled_out_in_their_words_is_left_out_unless_the_request_asks_for_it(user_api, catalog):
    from catalog.preferences import preference_update

    client, user = user_api
    preference_update(user=user, text="I love comedies, but no horror please.")
    body = _search(client, "comedies from the 80s")
    assert ("Ghostbusters", 1984) not in _titles(body) and ("Stripes", 1981) in _titles(body)
    assert "leaving out horror, as your words ask" in body["understood"]
    assert ("Ghostbusters", 1984) in _titles(_search(client.__class__(), "comedies from the 80s"))  # not for others
    asked = _search(client, "horror comedies from the 80s")  # asked by name: the request wins
    assert ("Ghostbusters", 1984) in _titles(asked)
    assert not any(words.startswith("leaving out") for words in asked["understood"])


@pytest.mark.ml
def test_like_a_title_puts_what_its_fans_liked_first_and_says_how_many(api, catalog, make_user):
    from catalog.services import rating_upsert
    from recommender.services.embeddings import embeddings_refresh

    embeddings_refresh()
    for fan in [make_user() for _ in range(4)]:  # Heat's fans also liked Airplane!, nothing like it in text
        rating_upsert(user=fan, movie=catalog["heat"], value=5)
        rating_upsert(user=fan, movie=catalog["airplane"], value=4.5)
    body = _search(api, "something like heat")
    assert _titles(body)[0] == ("Airplane!", 1980)
    assert body["results"][0]["reason"].startswith("4 people who liked Heat liked this too")
    assert all("people who liked" not in hit["reason"] for hit in body["results"][1:])


@pytest.mark.ml  # a described request is embedded
def test_a_studio_people_choose_films_by_filters_the_recommendations(api, catalog, make_movie):
    make_movie("Toy Story", 1995, ("Animation", "Comedy"), rating_count=200, rating_mean=3.9,
               studios=["Pixar Animation Studios"])  # fmt: skip
    make_movie("Up", 2009, ("Animation", "Adventure"), rating_count=80, rating_mean=4.0,
               studios=["Walt Disney Pictures", "Pixar Animation Studios"])  # fmt: skip
    make_movie("Shrek", 2001, ("Animation", "Comedy"), rating_count=150, rating_mean=3.8,
               studios=["DreamWorks Animation"])  # fmt: skip
    body = _search(api, "best pixar movies")
    assert body["route"] == "recommendations" and "from Pixar" in body["understood"]
    assert sorted(_titles(body)) == [("Toy Story", 1995), ("Up", 2009)]
    assert all(hit["reason"].startswith("From Pixar") for hit in body["results"])
    both = _search(api, "animated films from pixar or dreamworks")
    assert sorted(_titles(both)) == [("Shrek", 2001), ("Toy Story", 1995), ("Up", 2009)]
    assert _search(api, "movies set in washington dc")["understood"] == []  # "dc" alone is not the studio


def test_a_year_or_a_running_time_the_request_asks_for_filters_the_recommendations(api, catalog, make_movie):
    make_movie("Fight Club", 1999, ("Drama",), rating_count=120, rating_mean=4.2, runtime=139)
    make_movie("Run Lola Run", 1998, ("Action",), rating_count=60, rating_mean=3.9, runtime=81)
    make_movie("Toy Story 2", 1999, ("Animation",), rating_count=90, rating_mean=3.9, runtime=92)
    body = _search(api, "best movies of 1999")
    assert body["route"] == "recommendations" and body["understood"] == ["from 1999"]
    assert _titles(body) == [("Fight Club", 1999), ("Toy Story 2", 1999)]  # most rated first

    # Not a question about the runtime of some movie: a request for short ones (of unknown length: none).
    body = _search(api, "short movies under 90 minutes")
    assert body["route"] == "recommendations" and body["answer"] == ""
    assert body["understood"] == ["at most 90 minutes"] and _titles(body) == [("Run Lola Run", 1998)]
    assert body["results"][0]["reason"].endswith("· 81 minutes")
    assert sorted(_titles(_search(api, "long movies, over 2 hours"))) == [("Fight Club", 1999), ("Heat", 1995)]
    assert ("Heat", 1995) in _titles(_search(api, "heat 1995"))  # a year after a title is the title's


def test_chat_account_and_off_topic_requests_get_a_polite_reply_and_no_movies(api, catalog):
    for q in ("hello there", "how do i change my password", "what is 17 times 23"):
        body = _search(api, q)
        assert body["route"] == "answer" and body["answer"] and body["results"] == [], q


@pytest.mark.parametrize(
    ("q", "message"),
    [("", "This field may not be blank."), ("x" * 501, "no more than 500"), ("heat\u0000", "control characters"),
     ("a\u001bb", "control characters")],
)  # fmt: skip
def test_bad_input_is_a_clear_400(api, q, message):
    response = api.get(URL, {"q": q})
    assert response.status_code == 400 and message in response.json()["q"][0]


def test_the_site_search_box_answers_questions_and_shows_how_it_read_the_request(client, catalog):
    page = client.get("/search/", {"q": "who directed Heat?"}).content.decode()
    assert "Heat (1995) was directed by Michael Mann." in page
    page = client.get("/search/", {"q": "funny 80s movies with bill murray no horror"}).content.decode()
    assert "Stripes" in page and "Ghostbusters" not in page and "with Bill Murray" in page
    refused = client.get("/search/", {"q": "x\u0000", "genre": "\u0000"})  # a page that says why, not a 500
    assert refused.status_code == 400 and "control characters" in refused.content.decode()


@pytest.mark.ml
def test_like_a_title_finds_the_closest_movies_without_the_title_and_says_what_they_share(api, make_movie):
    from recommender.services.embeddings import embeddings_refresh

    plots = {
        "Vault Job": ("Crime", "Thieves break into a casino vault and the robbery goes wrong."),
        "The Last Heist": ("Crime", "A crew of bank robbers plans one final heist before retiring."),
        "Summer Picnic": ("Romance", "Two strangers fall in love during a sunny summer in the countryside."),
        "Orbit of Silence": ("Sci-Fi", "Astronauts stranded on a space station fight to survive."),
    }
    for n, (title, (genre, plot)) in enumerate(plots.items()):
        make_movie(title, 1990 + n, (genre,), overview=plot, rating_count=10)
    embeddings_refresh()
    body = _search(api, "movies like Vault Job")
    assert body["route"] == "recommendations" and body["understood"] == ["like Vault Job (1990)"]
    assert ("Vault Job", 1990) not in _titles(body) and _titles(body)[0] == ("The Last Heist", 1991)
    assert body["results"][0]["reason"] == "Like Vault Job: also Crime"
    less = _search(api, "movies like Vault Job but less romantic")
    assert less["parse"]["constraints"]["less"] == ["romantic"]
    assert _titles(less)[-1] == ("Summer Picnic", 1992)  # moved away from what it asks less of


def test_like_a_title_before_the_catalog_is_embedded_offers_movies_of_its_genres(api, catalog):
    body = _search(api, "movies like heat")
    assert body["route"] == "recommendations" and _titles(body) == [("Heat", 1986)]
    assert body["results"][0]["reason"] == "Like Heat: also Action"


def test_a_theme_is_named_in_a_reason_only_when_the_movie_carries_it(make_movie):
    from recommender.engine.query.schema import ParsedQuery
    from recommender.selectors.search import _reasons

    cold = make_movie("Cold Front", 1980, ("Drama",), keywords=["cold war", "spy"])
    warrior = make_movie("Iron Warrior", 1987, ("Action",), keywords=["warrior"])
    reasons = _reasons([cold, warrior], ParsedQuery(intent="rec", themes=["war"]), [])
    assert reasons == ["About war", "Action, 1987"]


@pytest.mark.ml  # the request is embedded: nothing in the parse says what it wants
def test_a_request_read_as_off_topic_that_speaks_of_films_is_answered_with_films(api, catalog, monkeypatch):
    from recommender.engine.query.schema import ParsedQuery
    from recommender.selectors import search

    # A parser may read "zombie comedy movies" as off-topic; the words of the request overrule it.
    monkeypatch.setattr(search, "query_parse", lambda q: (ParsedQuery(intent="non_rec", ask="other"), "test"))
    body = _search(api, "funny movies")
    assert body["route"] == "recommendations" and body["results"]
    body = _search(api, "what is 17 times 23")
    assert body["route"] == "answer" and body["results"] == []
