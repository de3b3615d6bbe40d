"""The query_parser training run with the real bundled models on a small catalog: synthetic requests,
the baseline classifier, a (short) LoRA fine-tune of SmolLM2, validation of both, the gate, and the
version the search API then serves. The QLoRA path (4-bit base) runs where CUDA is."""

import pytest
from django.conf import settings

from catalog.models import Credit, Person
from recommender.engine.query.artifact import ADAPTER
from recommender.models import TrainingRun
from recommender.services import llm as llm_service
from training.engine.lora_sft import LoraConfig, sft_lora
from training.services.runs import training_run_create, training_run_execute

pytestmark = pytest.mark.django_db
GENRES = ("Comedy", "Drama", "Horror", "Sci-Fi", "Crime", "Western")


@pytest.fixture
def catalog(make_movie):
    """60 movies, each with a director, two cast members (shared across movies) and keywords."""
    people = [Person.objects.create(name=f"{first} {last}") for first, last in
              zip(("Ada", "Boris", "Celia", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas") * 2,
                  ("Marlowe", "Quint", "Okafor", "Lindqvist", "Brandt", "Moreau", "Castellano", "Novak", "Ferreira",
                   "Halloran", "Ibsen", "Vance", "Sorensen", "Achebe", "Kowalski", "Duarte", "Whitlock", "Ansel",
                   "Petrova", "Yilmaz"), strict=True)]  # fmt: skip
    movies = []
    for n in range(60):
        movie = make_movie(f"The {('Silver', 'Hollow', 'Crimson', 'Quiet', 'Last')[n % 5]} "
                           f"{('Harbour', 'Frontier', 'Signal', 'Orchard', 'Engine', 'Lantern')[n % 6]} {n}",
                           1950 + n, (GENRES[n % 6],), keywords=[f"theme {n % 7}", f"motif {n % 4}"],
                           rating_count=100 - n)  # fmt: skip
        Credit.objects.create(movie=movie, person=people[n % 10], role="director")
        Credit.objects.create(movie=movie, person=people[10 + n % 10], role="cast", order=0)
        Credit.objects.create(movie=movie, person=people[10 + (n + 3) % 10], role="cast", order=1)
        movies.append(movie)
    return movies


@pytest.mark.ml
@pytest.mark.slow
def test_a_run_tunes_the_llm_records_both_parsers_and_the_search_api_serves_the_version(catalog, api):
    run = training_run_create(
        kind="query_parser",
        parameters={"examples": 300, "eval_examples": 12, "steps": 12, "batch_size": 4, "lr": 2e-3},
        dispatch=False,
    )
    run = training_run_execute(run_id=run.pk, worker="test")
    assert run.status == TrainingRun.Status.SUCCEEDED, run.log_tail
    metrics = run.metrics
    assert set(metrics["measured"]) == {"baseline", "fine-tuned"}  # nothing served before: no third row
    for scores in metrics["measured"].values():
        assert {"intent_f1", "titles_f1", "ask_f1", "valid", "parse_f1"} <= set(scores)
    assert metrics["protocol"]["base_model"] == llm_service.llm_base_path().name
    assert metrics["protocol"]["lora"]["steps"] == 12 and "LoRA step 12/12" in run.log_tail
    version = run.model_version
    assert version.is_serving and version.plot_png.startswith(b"\x89PNG")  # the loss curve
    folder = settings.MODEL_DIR / version.artifact_dir
    assert (folder / ADAPTER / "adapter_config.json").exists() and (folder / "intent_classifier.npz").exists()

    body = api.post("/api/v1/query/parse/", {"q": "who directed the silver harbour 0?"}, format="json").json()
    assert body["parser"] == f"llm+query_parser-v{version.pk}"
    assert body["intent"] in ("rec", "non_rec") and set(body["constraints"]) == {"exclude_genres", "less", "more"}
    search = api.get("/api/v1/search/", {"q": "who directed the silver harbour 0?"}).json()
    assert search["parser"] == body["parser"] and search["route"] in ("answer", "title", "recommendations")


@pytest.mark.ml
@pytest.mark.gpu
def test_qlora_trains_an_adapter_on_a_4bit_base(tmp_path):
    examples = [([{"role": "user", "content": "who directed heat"}], "non_rec\nask: director\ntitle: heat")] * 4
    config = LoraConfig(steps=3, batch_size=2, quantize_4bit=True, max_length=64)
    adapter = sft_lora(llm_service.llm_base_path(), examples, config, tmp_path / "adapter")
    assert (adapter / "adapter_config.json").exists()
