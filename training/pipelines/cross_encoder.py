"""The "cross_encoder" training run: the free-text search re-ranker and the weights it ranks with.

Data: the newest narrative data set (build_narrative_dataset); when there is none, theme requests
only are built on the fly (seconds, no language model). Training: `max_groups` train requests, each
with a film that answers it and `negatives` near misses of the serving embedder among train-split
movies (training/services/cross_encoder_data.py).

Protocol: `validation_requests` validation requests, each ranked among the validation split's
movies, and the hand-written development requests (training/data/narrative_dev_requests.jsonl),
each ranked among the whole catalog, by the pipeline as served (recommender/engine/narrative/
ranking.py): once without a cross-encoder, once with the candidate (and once with the serving one,
if any), the blend weights fitted for each on these same requests (both groups weighed equally).
Gate: the candidate's objective (mean NDCG@10 of the two groups) must beat every other row.
The test split is for `manage.py evaluate_narrative`, never for fitting or choosing.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

from recommender.engine.narrative.cross_encoder import CrossEncoder
from recommender.engine.text.embedder import Embedder, default_model_path
from recommender.models import ModelVersion, MovieEmbedding, TrainingRun
from recommender.services.embeddings import embedder_source
from recommender.services.registry import FolderArtifact, model_version_publish, serving_model
from training.engine.cross_encoder import CrossEncoderConfig, train_cross_encoder
from training.engine.plots import loss_curve_png
from training.engine.synthetic.retrieval_set import movies_by_split
from training.services.cross_encoder_data import dataset_groups
from training.services.gate import promotion_gate
from training.services.narrative_data import narrative_dataset_read, newest_narrative_dataset
from training.services.narrative_eval import (
    HANDWRITTEN_DEV,
    EmbedderRetriever,
    PipelineRetriever,
    fit_pipeline_weights,
    handwritten_requests,
)

KIND = "cross_encoder"


def train(run: TrainingRun, reporter) -> tuple[dict, ModelVersion | None]:
    p = run.parameters
    reporter.step(2, "finding the narrative data set")
    dataset = newest_narrative_dataset(seed=p["seed"])
    seed = json.loads((dataset / "manifest.json").read_text())["seed"]
    serving_path, serving_name = embedder_source()
    dense = EmbedderRetriever(serving_name, Embedder(serving_path, name=serving_name))
    reporter.step(5, f"hard negatives for up to {p['max_groups']} train requests from {serving_name}")
    groups = dataset_groups(dataset, dense, max_groups=p["max_groups"], negatives=p["negatives"], seed=p["seed"])
    config = CrossEncoderConfig(epochs=p["epochs"], batch_size=p["batch_size"], lr=p["lr"], seed=p["seed"])
    losses: list[float] = []
    with tempfile.TemporaryDirectory(prefix="cross-encoder-run-") as scratch:

        def progress(step: int, total: int, loss: float) -> None:
            losses.append(loss)
            if step == total or step % max(1, total // 20) == 0:
                reporter.step(10 + 60 * step // total, f"batch {step}/{total}, loss {loss:.4f}")

        tuned = train_cross_encoder(default_model_path(), groups, config, Path(scratch) / "model", progress)
        reporter.step(72, "fitting the ranking weights on validation requests, with and without it")
        validation = narrative_dataset_read(dataset, "validation")
        random.Random(p["seed"]).shuffle(validation)
        validation = validation[: p["validation_requests"]]
        embedded = list(MovieEmbedding.objects.order_by("movie_id").values_list("movie_id", flat=True))
        corpus = movies_by_split(embedded, seed=seed)["validation"]
        development = handwritten_requests(HANDWRITTEN_DEV, complete=False)
        rows = {"without a cross-encoder": None, "candidate": CrossEncoder(tuned, name=f"run-{run.pk}")}
        served = serving_model(KIND)
        if served is not None:
            rows["the serving cross-encoder"] = served[1]
        measured = {}
        for name, scorer in rows.items():
            pipeline = PipelineRetriever(name, dense, scorer, top_n=p["top_n"])
            weights, scores = fit_pipeline_weights(pipeline, validation, corpus, development, embedded)
            measured[name] = {"ndcg": scores["objective"], "by_group": scores, "weights": weights}
        candidate = measured.pop("candidate")
        passed, reason = promotion_gate(kind=KIND, candidate=candidate, measured=measured)
        summary = "; ".join(f"{name} {row['ndcg']:.4f}" for name, row in measured.items())
        reporter.step(90, f"validation objective (mean NDCG@10, synthetic and hand-written) with the candidate "
                          f"{candidate['ndcg']:.4f}; {summary}; "
                          f"gate: {'pass' if passed else 'refused'} ({reason})")  # fmt: skip
        protocol = {"dataset": dataset.name, "validation_requests": len(validation), "corpus": len(corpus),
                    "development_requests": len(development), "catalog": len(embedded),
                    "first_stage": serving_name, "train_groups": len(groups), "top_n": p["top_n"], "k": 10}  # fmt: skip
        metrics = {
            "validation": {"ndcg": candidate["ndcg"], **candidate["by_group"]},
            "baselines": measured,
            "weights": {
                "with_cross_encoder": candidate["weights"],
                "without_cross_encoder": measured["without a cross-encoder"]["weights"],
            },  # fmt: skip
            "protocol": protocol,
            "gate": {"passed": passed, "reason": reason},
        }
        version = None
        if passed:
            plot = loss_curve_png(losses, f"cross-encoder run #{run.pk}: listwise loss per step")
            version = model_version_publish(kind=KIND, parameters=p, metrics=metrics, model=FolderArtifact(tuned),
                                            plot_png=plot)  # fmt: skip
    return metrics, version
