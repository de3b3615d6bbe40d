"""The "embedder" training run: fine-tune the serving embedder, compare, gate, promote, re-embed.

With `requests_dataset` "newest" (the default) the embedder is trained as the search bi-encoder on
the newest narrative data set (see _on_requests). With "" it is trained and judged on overviews:

Protocol (the same as `evaluate_semantic`): movies with an overview are held out by a hash of
(seed, id); none of them is trained on, nor used as a hard negative. On the held-out movies each
overview must find its own metadata document (Recall@10, NDCG@10, related-pair cosine).

The gate is a head-to-head on this run's held-out movies: the candidate must be at least as good
as the embedder serving now (the bundled base when no version serves, so even a first version
must beat it), measured just now by the same code. The serving version's recorded NDCG came from
an older catalog with other held-out movies, so it is not comparable: the kind's gate leaves it
out (recommender/kinds.py, `against_serving_record=False`). After a promotion the kind's hook
re-embeds every movie.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path

from recommender.engine.evaluation.semantic import evaluate_embedder, held_out
from recommender.engine.text.embedder import Embedder, default_model_path
from recommender.models import ModelVersion, MovieEmbedding, TrainingRun
from recommender.selectors.movie_text import movie_texts
from recommender.services.embeddings import embedder_source
from recommender.services.registry import FolderArtifact, model_version_publish
from training.engine.contrastive import ContrastiveConfig, contrastive_examples, fine_tune
from training.engine.plots import metrics_bar_chart
from training.engine.synthetic.retrieval_set import movies_by_split
from training.services.gate import promotion_gate
from training.services.narrative_data import bi_encoder_examples, narrative_dataset_read, newest_narrative_dataset
from training.services.narrative_eval import EmbedderRetriever, synthetic_scores

K = 10
KIND = "embedder"
TRAINING_PROGRESS = (15, 75)  # the share of the progress bar that the batches fill


def train(run: TrainingRun, reporter) -> tuple[dict, ModelVersion | None]:
    parameters = dict(run.parameters)
    fraction, seed = parameters.pop("held_out_fraction"), parameters["seed"]
    requests = parameters.pop("requests_dataset")
    per_request = parameters.pop("per_request")
    config = ContrastiveConfig(**parameters)
    if requests:
        return _train_and_judge(run, reporter, config, *_on_requests(reporter, config, per_request))
    return _train_and_judge(run, reporter, config, *_on_overviews(reporter, config, fraction, seed))


def _on_overviews(reporter, config: ContrastiveConfig, fraction: float, seed: int):
    """(examples, protocol, evaluate, what): overview -> metadata pairs, judged on held-out movies."""
    reporter.step(2, "loading movie texts")
    texts = movie_texts()
    evaluation = set(held_out([i for i, t in texts.items() if t.description], fraction=fraction, seed=seed))
    examples = contrastive_examples(texts, exclude=evaluation, config=config)
    if len(examples) < 2 or len(evaluation) < 2:
        raise ValueError("too few movies with an overview to train and evaluate; import data first")
    held = {movie_id: texts[movie_id] for movie_id in sorted(evaluation)}
    protocol = {"name": "held-out overview -> own metadata document (evaluate_semantic)", "k": K, "seed": seed,
                "held_out_fraction": fraction, "queries": len(held)}  # fmt: skip

    def evaluate(embedder: Embedder) -> dict:
        result = asdict(evaluate_embedder(embedder, held, k=K, seed=seed))
        return {name: round(float(value), 5) if isinstance(value, float) else value for name, value in result.items()}

    return examples, protocol, evaluate, f"held-out overview -> movie (k={K}, {len(held)} queries)"


def _on_requests(reporter, config: ContrastiveConfig, per_request: int):
    """(examples, protocol, evaluate, what): the search bi-encoder. Train requests of the newest
    narrative data set (theme requests built now when there is none) against the documents of the
    films that answer them, plus overview pairs, all of train-split movies; judged by NDCG@10 of
    validation requests ranked among validation movies."""
    reporter.step(2, "loading the narrative data set and movie texts")
    dataset = newest_narrative_dataset(seed=config.seed)
    data_seed = json.loads((dataset / "manifest.json").read_text())["seed"]
    examples, train_requests = bi_encoder_examples(dataset, movie_texts(), config, per_request=per_request)
    validation = narrative_dataset_read(dataset, "validation")
    corpora = movies_by_split(MovieEmbedding.objects.values_list("movie_id", flat=True), seed=data_seed)
    if len(examples) < 2 or not validation:
        raise ValueError("too few requests to train and judge the bi-encoder; import data and embed movies first")
    protocol = {"name": "validation requests ranked among validation movies (evaluate_narrative)", "k": K,
                "dataset": dataset.name, "validation_requests": len(validation), "corpus": len(corpora["validation"]),
                "train_requests": train_requests}  # fmt: skip

    def evaluate(embedder: Embedder) -> dict:
        result = synthetic_scores(EmbedderRetriever(embedder.name, embedder), validation, corpora)["all"]
        return {"ndcg": round(result["ndcg@10"], 5), "mrr": round(result["mrr"], 5),
                "recall@100": round(result["recall@100"], 5)}  # fmt: skip

    return examples, protocol, evaluate, f"validation requests (k={K}, {len(validation)} requests)"


def _train_and_judge(run: TrainingRun, reporter, config: ContrastiveConfig, examples, protocol, evaluate, what: str):
    """Fine-tune the serving embedder on `examples`, measure it and the serving one with `evaluate`,
    gate, publish: the same for either protocol."""
    serving_path, serving_name = embedder_source()
    triplets = sum(len(example) == 3 for example in examples)
    protocol = {**protocol, "train_examples": len(examples), "hard_negatives": triplets, "started_from": serving_name}
    reporter.step(5, f"fine-tuning {serving_name} on {len(examples)} examples ({triplets} with a hard negative); "
                     f"judged on {what}, never trained on")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="embedder-run-") as scratch:
        low, high = TRAINING_PROGRESS

        def progress(step: int, total: int, loss: float) -> None:
            # Every 5% of the batches: a heartbeat well within TRAINING_STALE_AFTER_S, and a log
            # tail that keeps the lines before and after training.
            if step == total or step % max(1, total // 20) == 0:
                reporter.step(low + (high - low) * step // total, f"batch {step}/{total}, loss {loss:.4f}")

        tuned = fine_tune(serving_path or default_model_path(), examples, config, Path(scratch) / "model", progress)
        reporter.step(high + 2, f"evaluating {serving_name} and the candidate on {what}")
        baseline = evaluate(Embedder(serving_path, name=serving_name))
        metrics = evaluate(Embedder(tuned, name=f"run-{run.pk}"))
        passed, reason = promotion_gate(kind=KIND, candidate=metrics, measured={"the serving embedder": baseline})
        reporter.step(88, f"candidate ndcg@{K} {metrics['ndcg']:.4f}; serving ndcg@{K} {baseline['ndcg']:.4f}; "
                          f"gate: {'pass' if passed else 'refused'} ({reason})")  # fmt: skip
        run_metrics = {"validation": metrics, "baseline": baseline, "protocol": protocol,
                       "gate": {"passed": passed, "reason": reason}}  # fmt: skip
        version = None
        if passed:
            chart = {f"embedder run #{run.pk} (candidate)": metrics, f"{serving_name} (serving)": baseline}
            plot = metrics_bar_chart(chart, f"embedder: {what}")
            version = model_version_publish(
                kind=KIND, parameters=run.parameters, metrics=run_metrics, model=FolderArtifact(tuned), plot_png=plot
            )
    if version is not None:
        reporter.step(95, f"promoted {version}; every movie will be re-embedded")
    return run_metrics, version
