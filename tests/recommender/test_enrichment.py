"""Grounded description enrichment: only grounded text is stored, rejections are recorded and not
retried for the same writer, a description reaches the movie's embedding, the command reports speed."""

import pytest
from django.core.management import call_command

from recommender.engine.llm.prompts import PROMPT_VERSION
from recommender.engine.text.grounding import grounding_problems
from recommender.models import MovieDescription, MovieEmbedding
from recommender.services import enrichment
from recommender.services import llm as llm_service
from tests.recommender.scripted_llm import ScriptedLLM

pytestmark = pytest.mark.django_db

GROUNDED = "A tense crime thriller about a bank robbery. Fans of heist stories will enjoy it."
INVENTED = "In 2013, detective Al Pacini hunts a gang in Las Vegas."


@pytest.fixture
def heist(make_movie):
    return make_movie("Heat", 1995, ("Crime", "Thriller"), keywords=["bank robbery", "heist"])


@pytest.fixture
def scripted(monkeypatch):
    def use(*answers):
        llm = ScriptedLLM(answers)
        monkeypatch.setattr(llm_service, "enricher", lambda: llm)
        return llm

    return use


@pytest.mark.ml
def test_an_invented_description_is_rejected_then_a_grounded_retry_is_kept(heist, scripted):
    llm = scripted(INVENTED, GROUNDED)
    result = enrichment.descriptions_enrich(movie_ids=[heist.pk])
    stored = MovieDescription.objects.get(movie=heist)
    assert (result.accepted, result.rejected) == (1, 0)
    assert stored.accepted and stored.text == GROUNDED and stored.attempts == 2
    assert (stored.model_name, stored.prompt_version) == ("scripted", PROMPT_VERSION)
    assert "Heat" in llm.seen[0][-1]["content"]  # the prompt carries the movie's own facts


@pytest.mark.ml
def test_a_movie_whose_every_attempt_invents_gets_no_description_and_a_reason(heist, scripted):
    scripted(INVENTED, 'Like "The Lion King", it is about courage.')
    result = enrichment.descriptions_enrich(movie_ids=[heist.pk])
    stored = MovieDescription.objects.get(movie=heist)
    assert (result.accepted, result.rejected) == (0, 1)
    assert not stored.accepted and stored.text == ""
    assert "The Lion King" in stored.rejected_reason


@pytest.mark.ml
def test_a_description_that_is_not_about_the_movie_is_rejected(heist, scripted):
    scripted("A young girl discovers she has magical powers and must save her family.", GROUNDED)
    enrichment.descriptions_enrich(movie_ids=[heist.pk], max_attempts=1)
    stored = MovieDescription.objects.get(movie=heist)
    assert not stored.accepted and "not about this movie" in stored.rejected_reason


@pytest.mark.ml
def test_enrichment_resumes_and_a_new_writer_makes_movies_pending_again(make_movie, scripted):
    first = make_movie("Harbour Heist", 1990, ("Crime",), keywords=["bank robbery"])
    second = make_movie("Vault Job", 1991, ("Crime", "Thriller"), keywords=["heist"])
    scripted(GROUNDED)
    pending = enrichment.descriptions_pending(model_name="scripted")
    assert set(pending) == {first.pk, second.pk}
    enrichment.descriptions_enrich(movie_ids=pending[:1])  # "interrupted" after one movie
    assert enrichment.descriptions_pending(model_name="scripted") == pending[1:]
    assert set(enrichment.descriptions_pending(model_name="enricher-v2")) == {first.pk, second.pk}


def test_movies_with_an_overview_are_not_enriched_by_default(make_movie):
    make_movie("Has Overview", 1990, overview="A story already told.")
    assert enrichment.descriptions_pending(model_name="scripted") == []


@pytest.mark.ml
def test_a_description_becomes_part_of_the_embedded_document(heist, scripted):
    scripted(GROUNDED)
    result, remaining = enrichment.descriptions_enrich_next(chunk=10)
    assert (result.accepted, remaining) == (1, 0)
    assert "bank robbery" in MovieEmbedding.objects.get(movie=heist).document


@pytest.mark.ml
@pytest.mark.slow
def test_every_description_the_real_model_keeps_is_grounded(make_movie):
    movies = [
        make_movie("Toy Story", 1995, ("Animation", "Children", "Comedy"), keywords=["toy", "friendship"]),
        make_movie("Heat", 1995, ("Crime", "Thriller"), keywords=["bank robbery"]),
    ]
    enrichment.descriptions_enrich(movie_ids=[m.pk for m in movies], max_attempts=1)
    facts = enrichment.movie_facts(movie_ids=[m.pk for m in movies])
    rows = list(MovieDescription.objects.all())
    assert len(rows) == 2
    for row in rows:
        assert row.model_name == llm_service.BUNDLED_NAME
        if row.accepted:
            assert grounding_problems(row.text, facts[row.movie_id]) == []
        else:
            assert row.text == "" and row.rejected_reason


@pytest.mark.ml
def test_enrich_command_reports_speed_and_counts(heist, scripted, capsys):
    scripted(GROUNDED)
    call_command("enrich", "--limit", "5")
    out = capsys.readouterr().out
    assert "described 1 of 1 movies" in out and "movies/minute" in out
    assert "movies with a grounded description: 1" in out


def test_enrich_command_rejects_bad_input(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--limit must be at least 1"):
        call_command("enrich", "--limit", "0")
    with pytest.raises(CommandError, match="no movie with id"):
        call_command("enrich", "--movie", "999999")
