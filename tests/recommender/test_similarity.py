"""Embeddings in pgvector with the real bundled MiniLM: refresh on change, similar movies, filtered search."""

import pytest

from catalog.models import Genre, Movie
from catalog.services import rating_upsert
from recommender.models import MovieEmbedding
from recommender.services.embeddings import embeddings_refresh

pytestmark = pytest.mark.django_db

PLOTS = {
    "Deep Space Horror": ("Sci-Fi", "A crew aboard a mining spaceship is hunted by an alien creature."),
    "Orbit of Silence": ("Sci-Fi", "Astronauts stranded on a space station fight to survive and return to Earth."),
    "The Last Heist": ("Crime", "A crew of bank robbers plans one final heist before retiring."),
    "Vault Job": ("Crime", "Thieves break into a casino vault and the robbery goes wrong."),
    "Summer Picnic": ("Romance", "Two strangers fall in love during a sunny summer in the countryside."),
}


@pytest.fixture
def plots(make_movie):
    movies = {title: make_movie(title, 1980 + n, (genre,), overview=plot) for n, (title, (genre, plot)) in
              enumerate(PLOTS.items())}  # fmt: skip
    result = embeddings_refresh()
    assert (result.checked, result.embedded) == (5, 5)
    return movies


@pytest.mark.ml
def test_embeddings_are_refreshed_only_when_a_movies_text_changes(plots):
    assert embeddings_refresh().embedded == 0  # nothing changed: nothing to do
    heist = plots["The Last Heist"]
    before = MovieEmbedding.objects.get(movie=heist)
    heist.overview = "An alien crew aboard a spaceship is hunted in deep space."
    heist.save()
    assert embeddings_refresh().embedded == 1
    after = MovieEmbedding.objects.get(movie=heist)
    assert after.document_hash != before.document_hash and "alien crew" in after.document


@pytest.mark.ml
def test_similar_movies_api_ranks_by_meaning_and_gives_a_grounded_reason(api, plots):
    alien = plots["Deep Space Horror"]
    body = api.get(f"/api/v1/movies/{alien.id}/similar/", {"k": 2}).json()
    titles = [item["movie"]["title"] for item in body["results"]]
    assert titles[0] == "Orbit of Silence" and alien.title not in titles
    reason = body["results"][0]["reason"]
    assert reason.startswith("If you enjoyed Deep Space Horror (1980), you might love Orbit of Silence (1981)")
    assert "sci-fi" in reason  # the one thing their metadata shares


@pytest.mark.ml
def test_similar_movies_of_an_unknown_id_is_404(api, plots):
    assert api.get("/api/v1/movies/987654/similar/").status_code == 404


@pytest.mark.ml
def test_search_finds_movies_by_plot_not_title(api, plots):
    body = api.get("/api/v1/search/", {"q": "robbers steal money from a bank", "k": 2}).json()
    assert {item["movie"]["title"] for item in body["results"]} == {"The Last Heist", "Vault Job"}


@pytest.mark.ml
def test_a_filtered_search_returns_k_results_when_enough_movies_match(api, make_movie):
    # 200 movies, 10% Western: a plain HNSW scan would often return fewer than k of them.
    western = Genre.objects.create(name="Western")
    for n in range(200):
        movie = Movie.objects.create(title=f"Film {n}", year=1950 + n % 50, overview=f"Story number {n} about life.")
        if n % 10 == 0:
            movie.genres.add(western)
    embeddings_refresh()
    body = api.get("/api/v1/search/", {"q": "a story about life", "k": 10, "genre": "Western"}).json()
    assert len(body["results"]) == 10
    assert all(item["movie"]["genres"] == ["Western"] for item in body["results"])


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 501}, {"q": "ok", "k": 0}, {"q": "ok", "genre": "Nope"}])
def test_bad_search_queries_are_400(api, params):
    assert api.get("/api/v1/search/", params).status_code == 400


@pytest.mark.ml
def test_the_movie_page_shows_more_like_this_and_the_search_page_works(client, plots):
    page = client.get(f"/movies/{plots['Vault Job'].id}/").content.decode()
    assert "More like this" in page and "The Last Heist" in page
    results = client.get("/search/", {"q": "astronauts in trouble", "genre": "Sci-Fi"}).content.decode()
    assert "Orbit of Silence" in results and "Vault Job" not in results


@pytest.mark.ml
def test_evaluate_semantic_reports_the_protocol_and_finds_plots_by_meaning(plots):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("evaluate_semantic", "--fraction", "1", "--k", "1", stdout=out)
    text = out.getvalue()
    assert "protocol: 5 held-out movies (100% of the 5 with an overview, seed 42)" in text
    base = next(line for line in text.splitlines() if line.startswith("base"))
    recall, ndcg, related, unrelated = (float(value) for value in base.split()[2:6])
    assert recall >= 0.6 and related > unrelated  # five very different plots: most find their film first


def test_held_out_movies_are_a_stable_choice_per_seed():
    from recommender.engine.evaluation.semantic import held_out

    first = held_out(list(range(1000)), fraction=0.2, seed=1)
    assert first == held_out(list(range(1000)), fraction=0.2, seed=1)
    assert first != held_out(list(range(1000)), fraction=0.2, seed=2)
    assert 150 < len(first) < 250
    assert set(first) <= set(held_out(list(range(2000)), fraction=0.2, seed=1))  # stable as the catalog grows


@pytest.mark.ml
def test_llm_reasons_are_requested_once_then_served_from_the_cache(
    api, make_user, plots, monkeypatch, broker, django_capture_on_commit_callbacks
):
    from recommender.services import llm as llm_service
    from recommender.services.reasons import similar_reasons_generate
    from tests.recommender.scripted_llm import ScriptedLLM

    alien, orbit = plots["Deep Space Horror"], plots["Orbit of Silence"]
    with django_capture_on_commit_callbacks(execute=True):
        api.get(f"/api/v1/movies/{alien.id}/similar/", {"k": 1})  # anonymous: template reasons, nothing queued
    assert broker.messages("interactive") == []
    api.force_authenticate(make_user())
    with django_capture_on_commit_callbacks(execute=True):
        api.get(f"/api/v1/movies/{alien.id}/similar/", {"k": 1})
        api.get(f"/api/v1/movies/{alien.id}/similar/", {"k": 1})  # a second view does not queue again
    assert broker.messages("interactive") == [("workers.similar_reasons", [alien.id, [orbit.id]], {})]

    # The worker's part: an invented name is rejected, a grounded sentence is stored and then served.
    monkeypatch.setattr(llm_service, "generator", lambda: ScriptedLLM(["lost astronaut named Ripley."]))
    assert similar_reasons_generate(movie_id=alien.id, other_ids=[orbit.id]) == 0
    monkeypatch.setattr(llm_service, "generator", lambda: ScriptedLLM(["tense survival story in space."]))
    assert similar_reasons_generate(movie_id=alien.id, other_ids=[orbit.id]) == 1
    reason = api.get(f"/api/v1/movies/{alien.id}/similar/", {"k": 1}).json()["results"][0]["reason"]
    assert reason == (
        "If you enjoyed Deep Space Horror, you might love Orbit of Silence for its tense survival story in space."
    )


@pytest.mark.ml
def test_more_like_this_puts_what_the_same_people_liked_before_a_title_look_alike(api, make_movie, make_user):
    heat = make_movie("Heat", 1995, ("Crime", "Thriller"))
    make_movie("City Heat", 1984, ("Crime",))  # shares a title word and a genre, no audience
    casino = make_movie("Casino", 1995, ("Crime", "Drama"))
    embeddings_refresh()
    fans = [make_user() for _ in range(5)]
    for n, fan in enumerate(fans):
        rating_upsert(user=fan, movie=heat, value=5)
        rating_upsert(user=fan, movie=casino, value=4 if n < 4 else 2)  # four liked both; one did not
    results = api.get(f"/api/v1/movies/{heat.id}/similar/", {"k": 2}).json()["results"]
    assert [item["movie"]["title"] for item in results] == ["Casino", "City Heat"]
    # The count is true: the people who rated both 4 stars or more.
    assert results[0]["reason"] == "4 people who liked Heat (1995) also liked Casino (1995). In common: crime."
    assert results[1]["reason"].startswith("If you enjoyed Heat (1995), you might love City Heat (1984)")


@pytest.mark.ml
def test_more_like_this_needs_at_least_three_shared_likers_to_cite_an_audience(api, make_movie, make_user):
    heat, casino = make_movie("Heat", 1995, ("Crime",)), make_movie("Casino", 1995, ("Crime",))
    embeddings_refresh()
    for fan in [make_user() for _ in range(2)]:
        rating_upsert(user=fan, movie=heat, value=5)
        rating_upsert(user=fan, movie=casino, value=5)
    results = api.get(f"/api/v1/movies/{heat.id}/similar/", {"k": 1}).json()["results"]
    assert "people who liked" not in results[0]["reason"]
