"""The enricher training run: LoRA-tune the description writer, judge it on held-out movies, promote.

Training pairs are (metadata without the overview -> the real overview) for movies that are not
held out, keeping only overviews that themselves pass the grounding check against that metadata:
the model should learn to describe without naming characters or places it was not given.
Held-out movies (a stable hash share) are described by the serving enricher (or the base model) and
by the candidate; ROUGE-L and embedding cosine against the real overview are measured on the raw
outputs and on what enrichment would keep (an ungrounded output is stored as nothing, scoring 0).
The candidate is promoted only if the ROUGE-L of its kept descriptions beats the current writer's.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path

from django.conf import settings

from recommender.engine.evaluation.semantic import held_out
from recommender.engine.llm.prompts import MovieFacts, description_prompt
from recommender.engine.text.grounding import is_grounded
from recommender.models import ModelVersion, TrainingRun
from recommender.selectors.movie_text import movie_facts
from recommender.services import llm as llm_service
from recommender.services.embeddings import embedder
from recommender.services.registry import FolderArtifact, model_version_publish
from training.engine.generation_eval import evaluate_descriptions
from training.engine.lora_sft import LoraConfig, sft_lora
from training.services.gate import promotion_gate

MAX_TARGET_WORDS = 70  # the writer has ~96 new tokens: teach it descriptions that fit


def enricher_datasets(
    facts: dict[int, MovieFacts], *, fraction: float, seed: int, eval_movies: int
) -> tuple[list[tuple[list[dict], str]], list[tuple[MovieFacts, str]]]:
    """(training examples, held-out (facts without overview, real overview)); disjoint by movie."""
    with_overview = sorted(movie_id for movie_id, f in facts.items() if f.overview)
    evaluation = set(held_out(with_overview, fraction=fraction, seed=seed))
    examples = []
    for movie_id in with_overview:
        if movie_id in evaluation:
            continue
        bare = replace(facts[movie_id], overview="")
        target = _shorten(facts[movie_id].overview)
        if target and is_grounded(target, bare):
            examples.append((description_prompt(bare), target))
    held = [(replace(facts[i], overview=""), facts[i].overview) for i in sorted(evaluation)[:eval_movies]]
    return examples, held


def _shorten(text: str) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    kept: list[str] = []
    for sentence in sentences:
        if kept and len(" ".join([*kept, sentence]).split()) > MAX_TARGET_WORDS:
            break
        kept.append(sentence)
    shortened = " ".join(kept)
    return shortened if len(shortened.split()) <= MAX_TARGET_WORDS else ""


def train(run: TrainingRun, reporter) -> tuple[dict, ModelVersion | None]:
    p = run.parameters
    reporter.step(3, "loading movie metadata")
    examples, held = enricher_datasets(
        movie_facts(), fraction=p["held_out_fraction"], seed=p["seed"], eval_movies=p["eval_movies"]
    )
    if len(examples) < 2 or len(held) < 2:
        raise ValueError("too few movies with a grounded overview to train and evaluate; import data first")
    protocol = {
        "name": "held-out movies (stable hash share) described from metadata without their overview; "
        "compared with the real overview",
        "seed": p["seed"], "held_out_fraction": p["held_out_fraction"], "eval_movies": len(held),
        "train_examples": len(examples), "metrics": "ROUGE-L F1, MiniLM cosine to the reference, grounded share",
    }  # fmt: skip
    reporter.step(5, f"{len(examples)} grounded training examples; judging the current writer on {len(held)} movies")
    baseline = _rounded(evaluate_descriptions(llm_service.enricher(), held, embedder()))
    reporter.step(20, f"current writer: {_format(baseline)}")
    config = LoraConfig(
        steps=p["steps"], batch_size=p["batch_size"], lr=p["lr"], rank=p["rank"], max_length=p["max_length"],
        quantize_4bit=p["quantize_4bit"], seed=p["seed"],
    )  # fmt: skip
    with tempfile.TemporaryDirectory(dir=settings.MODEL_DIR) as scratch:
        adapter = Path(scratch) / "adapter"

        def progress(step: int, total: int, loss: float) -> None:
            if step == total or step % max(1, total // 20) == 0:
                reporter.step(20 + int(55 * step / total), f"LoRA step {step}/{total}, loss {loss:.3f}")

        sft_lora(llm_service.llm_base_path(), examples, config, adapter, progress)
        candidate_llm = llm_service.local_llm(adapter, name_suffix=f"+run-{run.pk}")
        metrics = _rounded(evaluate_descriptions(candidate_llm, held, embedder()))
        passed, reason = promotion_gate(kind="enricher", candidate=metrics, measured={"the current writer": baseline})
        reporter.step(90, f"fine-tuned: {_format(metrics)}; gate: {'pass' if passed else 'refused'} ({reason})")
        run_metrics = {"validation": metrics, "baseline": baseline, "protocol": protocol,
                       "gate": {"passed": passed, "reason": reason}}  # fmt: skip
        version = None
        if passed:
            version = model_version_publish(
                kind="enricher", parameters=p, metrics=run_metrics, model=FolderArtifact(adapter)
            )
            reporter.step(95, f"promoted {version}; descriptions will be rewritten by it")
    return run_metrics, version


def _rounded(metrics: dict) -> dict:
    return {name: round(float(value), 4) if isinstance(value, float) else value for name, value in metrics.items()}


def _format(metrics: dict) -> str:
    return (f"ROUGE-L {metrics['rouge_l']:.4f}, embedding cosine {metrics['embedding_cosine']:.4f}, "
            f"grounded {metrics['grounded']:.0%}; kept descriptions: ROUGE-L {metrics['rouge_l_kept']:.4f}, "
            f"cosine {metrics['embedding_cosine_kept']:.4f}")  # fmt: skip
