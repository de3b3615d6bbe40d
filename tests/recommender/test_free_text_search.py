"""Free-text requests through GET /api/v1/search/ on the real database with the bundled MiniLM
embeddings and Postgres full-text search: described requests find the films that match them,
filters still return k results, and every reason cites only the film's own data."""

from datetime import UTC, datetime

import numpy as np
import pytest

from catalog.models import Credit, Movie, Person, Rating
from catalog.services import movie_stats_refresh
from recommender.engine.narrative.cross_encoder import CrossEncoder
from recommender.engine.narrative.reasons import content_words
from recommender.engine.text.embedder import default_model_path
from recommender.models import ModelVersion
from recommender.services.embeddings import embeddings_refresh
from training.engine.cross_encoder import CrossEncoderConfig, Group, train_cross_encoder

pytestmark = [pytest.mark.django_db, pytest.mark.ml]
URL = "/api/v1/search/"

FILMS = [
    ("The Vault", 1999, ("Crime", "Thriller"), ["heist", "bank robbery", "twist ending"],
     "A crew of thieves plans one last bank heist, but one of them is an undercover cop.", 120, 4.0),
    ("Casino Job", 2003, ("Crime", "Comedy"), ["heist", "casino", "con artist"],
     "Con artists rob a Las Vegas casino with an elaborate scheme.", 80, 3.7),
    ("Quiet Orbit", 2009, ("Drama", "Sci-Fi"), ["loneliness", "space station", "clone"],
     "An astronaut alone on a lunar base for three years starts to doubt who he is.", 90, 4.1),
    ("Red Dust", 2015, ("Adventure", "Sci-Fi"), ["mars", "survival", "botanist"],
     "Stranded on Mars, a botanist grows food to survive until rescue.", 150, 4.0),
    ("Summer Picnic", 2001, ("Romance",), ["countryside", "first love"],
     "Two strangers fall in love during a sunny summer in the countryside.", 40, 3.5),
    ("Wedding Season", 2005, ("Comedy", "Romance"), ["wedding", "best man"],
     "A cynical wedding planner falls for the best man at a wedding she organises.", 60, 3.4),
    ("The Haunting Hour", 1980, ("Horror",), ["haunted house", "ghost"],
     "A family moves into an old house haunted by a vengeful ghost.", 70, 3.9),
    ("Gridiron", 1988, ("Drama",), ["american football", "underdog", "small town"],
     "A small-town football team of underdogs fights for the state title.", 50, 3.6),
    ("Hall Pass Blues", 1996, ("Comedy",), ["high school", "teenager", "prom"],
     "Three teenagers try to get dates for the senior prom.", 20, 3.2),
    ("Office Party", 1994, ("Comedy",), ["office", "boss"],
     "An accountant throws a party while his boss is away.", 140, 3.9),
]  # fmt: skip


@pytest.fixture
def catalog(make_movie):
    movies = {}
    for title, year, genres, keywords, overview, count, mean in FILMS:
        movies[title] = make_movie(title, year, genres, keywords=keywords, overview=overview,
                                   rating_count=count, rating_mean=mean)  # fmt: skip
    assert embeddings_refresh().embedded == len(FILMS)
    return movies


def _results(api, q, **params):
    response = api.get(URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_described_request_finds_the_films_that_match_it_first(api, catalog):
    body = _results(api, "a heist movie where thieves rob a bank")
    titles = [hit["movie"]["title"] for hit in body["results"]]
    assert body["route"] == "recommendations" and titles[0] == "The Vault" and "Casino Job" in titles[:3]
    long_request = ("My partner and I want something thoughtful tonight: a lonely astronaut far from home, "
                    "quiet and sad rather than action, nothing scary")  # fmt: skip
    titles = [hit["movie"]["title"] for hit in _results(api, long_request)["results"]]
    assert titles[0] == "Quiet Orbit" and "The Haunting Hour" not in titles  # "nothing scary": no horror


def test_every_reason_cites_only_data_the_film_has(api, catalog):
    for q in ("a heist movie with a twist ending", "romantic comedy about a wedding", "stranded on mars"):
        for hit in _results(api, q)["results"]:
            movie = catalog[hit["movie"]["title"]]
            reason = hit["reason"]
            quoted = reason.split("“")[1:]  # each quoted word must be in the request and in the film's data
            film_words = content_words(
                " ".join([*movie.keywords, movie.overview, *[g.name for g in movie.genres.all()]])
            )
            for piece in quoted:
                text = piece.split("”")[0].rstrip("…").lstrip("…")
                assert all(word in film_words for word in content_words(text)), (q, reason)
            for keyword in reason.split("keywords ")[1].split(" · ")[0].split(", ") if "keywords " in reason else []:
                assert keyword in movie.keywords, (q, reason)


def test_genre_and_decade_filters_still_return_k_results_for_a_described_request(api, catalog):
    body = _results(api, "something tense and exciting", genre="Crime")
    assert {hit["movie"]["title"] for hit in body["results"]} == {"The Vault", "Casino Job"}
    body = _results(api, "a story about people", decade=2000, k=3)
    assert len(body["results"]) == 3 and all(2000 <= hit["movie"]["year"] < 2010 for hit in body["results"])


def test_a_serving_cross_encoder_reorders_the_first_candidates_with_the_weights_fitted_with_it(
    api, catalog, settings, tmp_path
):
    settings.MODEL_DIR = tmp_path
    folder = train_cross_encoder(default_model_path(), [Group("a film", "A film.", ("Another film.",))] * 2,
                                 CrossEncoderConfig(), tmp_path / "cross_encoder" / "v1")  # fmt: skip
    only_cross = {"dense": 0.0, "lexical": 0.0, "cross": 1.0, "quality": 0.0, "popularity": 0.0}
    ModelVersion.objects.create(kind="cross_encoder", artifact_dir="cross_encoder/v1", is_serving=True,
                                metrics={"weights": {"with_cross_encoder": only_cross}})  # fmt: skip
    query = "a heist movie where thieves rob a bank"
    titles = [hit["movie"]["title"] for hit in _results(api, query)["results"]]
    documents = {m.title: m.embedding.document for m in catalog.values()}
    scores = CrossEncoder(folder).score(query, [documents[title] for title in titles])
    assert list(scores) == sorted(scores, reverse=True)  # the order is the cross-encoder's, as its weights say


def test_words_the_parse_did_not_place_still_rank_a_request_with_a_genre_and_a_decade(api, catalog):
    # "comedies" and "90s" are filters; the prom is what the request is about, not popularity.
    titles = [hit["movie"]["title"] for hit in _results(api, "90s prom comedies")["results"]]
    assert titles[0] == "Hall Pass Blues" and set(titles) == {"Hall Pass Blues", "Office Party"}


def test_a_long_request_keeps_films_of_any_genre_it_mentions_but_a_chosen_genre_is_always_kept(api, catalog):
    long_request = ("Date night tomorrow and we cannot agree: she wants something romantic, I want something "
                    "funny, and neither of us wants to think too hard")  # fmt: skip
    titles = {hit["movie"]["title"] for hit in _results(api, long_request)["results"]}
    assert {"Summer Picnic", "Office Party"} <= titles  # romance or comedy, not only romantic comedies
    titles = {hit["movie"]["title"] for hit in _results(api, long_request, genre="Romance")["results"]}
    assert titles == {"Summer Picnic", "Wedding Season"}


def test_cross_encoder_scores_keep_the_documents_order_whatever_the_batching(tmp_path):
    folder = train_cross_encoder(default_model_path(), [Group("a film", "A film.", ("Another film.",))] * 2,
                                 CrossEncoderConfig(), tmp_path / "cross_encoder")  # fmt: skip
    documents = [text for *_, text, _, _ in FILMS]
    scorer = CrossEncoder(folder)
    alone = [scorer.score("a lonely astronaut on the moon", [document])[0] for document in documents]
    one_by_one = scorer.score("a lonely astronaut on the moon", documents, batch_size=1)
    assert np.allclose(one_by_one, alone, atol=1e-6)  # each score lands on its own document, not its length rank
    grouped = scorer.score("a lonely astronaut on the moon", documents, batch_size=4)
    assert len(grouped) == len(documents) and np.allclose(one_by_one, grouped, atol=0.05)
    assert len(CrossEncoder(folder).score("anything", [])) == 0


def _film_loved_by(fans, title: str, **fields) -> Movie:
    """A film every one of `fans` rated 5 stars."""
    movie = Movie.objects.create(title=title, year=1990, **fields)
    stamp = datetime(2021, 1, 1, tzinfo=UTC)
    Rating.objects.bulk_create(Rating(user=user, movie=movie, value=5.0, rated_at=stamp) for user in fans)
    return movie


@pytest.fixture
def two_ballroom_films(taste_catalog):
    """Two films that match "ballroom" and "manor" alike, with the same number of 5-star ratings: one
    loved by the costume-drama fans, the other by the space-opera fans (taste_catalog's two groups)."""
    users_a, users_b, _, _ = taste_catalog
    films = {title: _film_loved_by(fans, title, keywords=["ballroom", "manor"])
             for title, fans in (("Manor Secrets", users_b), ("Ballroom Nights", users_a))}  # fmt: skip
    movie_stats_refresh()
    embeddings_refresh()
    return films


def test_collaborative_feedback_lifts_the_film_loved_by_the_fans_of_the_best_matches(
    api, two_ballroom_films, serving_ease, settings
):
    def gap(weight: float) -> int:  # how far below Manor Secrets Ballroom Nights ranks
        settings.SEARCH_FEEDBACK_WEIGHT = weight
        titles = [
            hit["movie"]["title"] for hit in _results(api, "a story in an old manor with a ballroom", k=40)["results"]
        ]
        return titles.index("Ballroom Nights") - titles.index("Manor Secrets")

    # The best matches are costume dramas: their fans loved Manor Secrets, not Ballroom Nights.
    assert gap(5.0) > gap(0.0) and gap(5.0) > 0


def test_a_long_request_naming_a_person_in_passing_still_gets_k_films(api, catalog):
    director = Person.objects.create(name="Dana Whitfield")
    Credit.objects.create(movie=catalog["The Vault"], person=director, role="director", order=0)
    long_request = ("I have seen everything Dana Whitfield ever made and I want more films in that vein: "
                    "crews of thieves, clever plans, a bank job that goes wrong")  # fmt: skip
    body = _results(api, long_request, k=4)
    assert "with Dana Whitfield" in body["understood"]
    titles = [hit["movie"]["title"] for hit in body["results"]]
    assert titles[0] == "The Vault" and len(titles) == 4  # the person's film, then the words rank the rest
    assert len(_results(api, "heist movies with Dana Whitfield", k=4)["results"]) == 1  # a short request: exact


@pytest.fixture
def tea_at_four(taste_catalog):
    """A film with no words in common with a ballroom request, loved by the costume-drama fans."""
    _, users_b, _, _ = taste_catalog
    movie = _film_loved_by(users_b, "Tea at Four")
    movie_stats_refresh()
    embeddings_refresh()
    return movie


def test_a_film_matching_no_word_of_the_request_says_which_film_above_it_its_fans_liked(
    api, two_ballroom_films, tea_at_four, serving_ease
):
    results = _results(api, "a story in an old manor with a ballroom", k=40)["results"]
    titles = [hit["movie"]["title"] for hit in results]
    liked = [(titles.index(hit["movie"]["title"]), hit["reason"].removeprefix("Liked by people who liked "))
             for hit in results if hit["reason"].startswith("Liked by people who liked ")]  # fmt: skip
    assert "Tea at Four" in [titles[position] for position, _ in liked]  # it matches no word of the request
    for position, seed in liked:
        assert titles.index(seed) < position  # the film named is shown above
        fans = set(Rating.objects.filter(movie__title=seed, value__gte=4).values_list("user", flat=True))
        film_fans = set(
            Rating.objects.filter(movie__title=titles[position], value__gte=4).values_list("user", flat=True)
        )
        assert len(fans & film_fans) >= 3  # and people who liked it did like this one
