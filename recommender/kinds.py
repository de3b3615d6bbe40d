"""The kinds registry: one entry per model kind says how it is trained, judged, served and followed up.

Plain Python, no Django. The pipeline, the loader and the after-promotion hook are dotted paths,
imported only when used: reading the registry stays cheap for the web process, and recommender
never imports training (the pipelines live there).

Everything that lists kinds reads `KINDS`: the `kind` column's choices, `manage.py train` and
`evaluate`, the admin's Retrain form, the training-run service, the promotion gate and
`registry.serving_model`. Adding a kind is one entry here, one module in training/pipelines/ and
one engine package (docs/ARCHITECTURE.md, "Adding a model kind").
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Gate:
    """What the one promotion gate (training/services/gate.py) compares for a kind.

    `metric` comes from the run's validation metrics; `greater_is_better` says which way is
    better. The candidate must not be worse than every baseline (`must_improve`: strictly
    better, by more than `min_margin`: a kind whose validation score moves between two runs of the
    same recipe sets it above that spread). `against_serving_record` adds the serving version's
    recorded metric as a baseline; kinds whose held-out set changes with the catalog turn it off and
    measure the serving model again beside the candidate instead.
    """

    metric: str = "ndcg"
    greater_is_better: bool = True
    must_improve: bool = False
    against_serving_record: bool = True
    min_margin: float = 0.0


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    queue: str  # Celery queue of its training runs: "default" (CPU) or "gpu"
    defaults: dict = field(default_factory=dict)  # every parameter a run takes, with its default
    pipeline: str = ""  # dotted path of `train(run, reporter) -> (metrics, promoted version or None)`
    gate: Gate = Gate()
    # Dotted path of `load(folder) -> model` for serving; "" means the artifact folder is the model
    # (a fine-tuned embedder, a LoRA adapter) and its users read the folder themselves.
    loader: str = ""
    # Dotted path of `hook(version)`, called after a run promoted a version (it enqueues follow-up work).
    after_promotion: str = ""


CF_LOADER = "recommender.engine.cf.load_model"
FEEDS_FOLLOW = "recommender.services.feeds.feeds_follow_promotion"


def _cf(name: str, label: str, defaults: dict) -> Kind:
    """A collaborative-filtering kind: one shared pipeline, the CF loader, feeds refreshed after a promotion."""
    return Kind(name, label, "default", defaults, pipeline="training.pipelines.cf.train", loader=CF_LOADER,
                after_promotion=FEEDS_FOLLOW)  # fmt: skip


# EASE: lam 500 and items with >= 10 ratings won on a validation split carved from train
# (MovieLens latest-small): NDCG@10 within 0.001 of the full model, 14 MB instead of 329 MB.
_CF_KINDS = (
    _cf("popularity", "Popularity", {"min_rating": None}),
    _cf("svd", "SVD (Surprise)", {"factors": 100, "epochs": 20, "lr": 0.005, "reg": 0.02, "seed": 0}),
    _cf("svdpp", "SVD++ (Surprise)", {"factors": 20, "epochs": 20, "lr": 0.007, "reg": 0.02, "seed": 0}),
    _cf(
        "ease",
        "EASE (top-N)",
        {"lam": 500.0, "min_item_count": 10, "max_items": 20_000, "weighting": "binary", "min_rating": None},
    ),
)

_LANGUAGE_KINDS = (
    # Contrastive fine-tune of the serving embedder: small enough to finish on a CPU worker in
    # minutes; raise max_pairs/epochs on a GPU. held_out_fraction and seed pick the held-out
    # movies exactly as `evaluate_semantic` does (its defaults).
    Kind(
        "embedder",
        "Embedder (contrastive fine-tune)",
        "gpu",
        {
            "epochs": 1,
            "batch_size": 16,
            "max_pairs": 600,
            "lr": 2e-5,
            "max_seq_length": 128,
            "hard_negatives": True,
            "held_out_fraction": 0.2,
            "seed": 42,
            "requests_dataset": "newest",  # "": train and judge on overviews only (no search requests)
            "per_request": 1,
        },
        pipeline="training.pipelines.embedder.train",
        gate=Gate(against_serving_record=False),  # held-out movies change with the catalog: measured again
        after_promotion="recommender.services.embeddings.embeddings_follow_promotion",
    ),  # fmt: skip
    # LoRA fine-tune of the description writer: ~3 s per step on 2 CPU cores. On a GPU worker
    # raise steps and set quantize_4bit for QLoRA.
    Kind(
        "enricher",
        "Description enricher (LoRA fine-tune)",
        "gpu",
        {
            "steps": 60,
            "batch_size": 4,
            "lr": 2e-4,
            "rank": 8,
            "max_length": 384,
            "quantize_4bit": False,
            "eval_movies": 24,
            "held_out_fraction": 0.2,
            "seed": 42,
        },
        pipeline="training.pipelines.enricher.train",
        gate=Gate(metric="rouge_l_kept", must_improve=True),  # held-out descriptions it would keep
        after_promotion="recommender.services.enrichment.descriptions_follow_promotion",
    ),  # fmt: skip
    # CURec stage 1 (issue 16): GRPO alignment of the bundled LLM on "pick the next movie" tasks with
    # rule-based rewards. CPU small settings (a ~300-token prompt, 6 answers per step): the backward
    # pass over them dominates a step; on a GPU worker raise steps, prompts_per_step and history.
    Kind(
        "curec_aligner",
        "CURec aligner (GRPO)",
        "gpu",
        {
            "steps": 24,
            "prompts_per_step": 1,
            "generations": 6,
            "max_completion_length": 32,
            "lr": 3e-4,
            "rank": 8,
            "history": 6,
            "candidates": 5,
            "eval_tasks": 24,
            "validation_users": 0.15,
            "seed": 42,
        },
        pipeline="training.pipelines.curec_aligner.train",
        gate=Gate(metric="reward", must_improve=True, against_serving_record=False),
    ),  # fmt: skip
    # Language-aware re-ranking of the feed model's candidates; on "gpu" because it needs the movie
    # embeddings, which the gpu worker writes first. "popularity" is CF evidence beside the
    # language scores; `evaluate_rerank` shows each one's share. "llm" (off by default) judges the
    # top llm_top candidates of llm_users validation users.
    Kind(
        "reranker",
        "Language-aware re-ranker",
        "gpu",
        {
            "candidates": 100,
            "features": [
                "cf",
                "cf_rank",
                "popularity",
                "profile_similarity",
                "neighbour_similarity",
                "stated_similarity",
                "genre_affinity",
            ],
            "seed": 20240101,
            "llm_top": 30,
            "llm_users": 60,
        },
        pipeline="training.pipelines.reranker.train",
        loader="recommender.engine.rerank.model.ServingRerankers.load",
        after_promotion=FEEDS_FOLLOW,
    ),  # fmt: skip
)

_SEARCH_KINDS = (
    # The search box's parser (intent, entities, what a question asks). One run trains the baseline
    # (a linear intent classifier on MiniLM vectors, gazetteer entities), then LoRA-tunes the local
    # instruction model on the same synthetic requests (method "lora"); the baseline stays in the
    # version as the fallback. On a GPU worker set base_model to a bigger local model (QLoRA).
    Kind(
        "query_parser",
        "Search request parser (fine-tuned LLM, baseline fallback)",
        "gpu",
        {
            "method": "lora",
            "examples": 20000,
            "seed": 42,
            "paraphrase": 0.0,  # share of train requests a teacher LLM rewrites (LLM_API_BASE: a big model)
            "c": 4.0,
            "eval_examples": 400,
            "steps": 600,  # 24 min on 2 CPU threads (2.4 s a step); loss 0.05 at the end with lr 1e-3, cosine
            "batch_size": 8,
            "lr": 1e-3,
            "rank": 16,
            "quantize_4bit": False,
            "base_model": "",
        },
        pipeline="training.pipelines.query_parser.train",
        # Promoted only when it beats the serving parser, measured again on the same validation requests
        # (the data set moves with the catalog and the generator, so a recorded number is not comparable).
        # Two LoRA runs of one recipe differ by more than a thousandth on validation: a version that
        # passed by 0.0006 read lower than the serving one on the test split and the hand-written set.
        gate=Gate(metric="parse_f1", must_improve=True, against_serving_record=False, min_margin=0.005),
        loader="recommender.engine.query.artifact.ParserFiles.load",
    ),
    # The free-text search re-ranker: a MiniLM cross-encoder trained on the newest narrative data set
    # (theme requests only are built on the fly when there is none), then the ranking weights fitted
    # on validation requests with it and without it. ~15 s a step of 4 groups on 2 CPU threads.
    Kind(
        "cross_encoder",
        "Free-text search cross-encoder",
        "gpu",
        {
            "max_groups": 1200,
            "negatives": 4,
            "epochs": 1,
            "batch_size": 4,
            "lr": 3e-5,
            "top_n": 20,
            "validation_requests": 400,
            "seed": 42,
        },  # fmt: skip
        pipeline="training.pipelines.cross_encoder.train",
        # Promoted only when the pipeline with it beats the pipeline without it (and the serving
        # cross-encoder), each measured now on the same validation requests with weights fitted there.
        gate=Gate(metric="ndcg", must_improve=True, against_serving_record=False),
        loader="recommender.engine.narrative.cross_encoder.CrossEncoder",
    ),
)

KINDS: dict[str, Kind] = {kind.name: kind for kind in (*_CF_KINDS, *_LANGUAGE_KINDS, *_SEARCH_KINDS)}


def kind_get(name: str) -> Kind:
    """The registry entry of `name`; a ValueError that lists the known kinds otherwise."""
    if name not in KINDS:
        raise ValueError(f"unknown model kind {name!r}; known: {sorted(KINDS)}")
    return KINDS[name]


def kind_choices() -> list[tuple[str, str]]:
    """(name, label) of every kind, read at call time: the `kind` column and the forms use it."""
    return [(kind.name, kind.label) for kind in KINDS.values()]


def resolve(dotted: str):
    """The object a dotted path names: a module, a module attribute, or an attribute of one (`Class.method`)."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        module = ".".join(parts[:split])
        try:
            target = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not module.startswith(exc.name or "?"):  # a missing dependency inside the module
                raise
            continue
        for attribute in parts[split:]:
            target = getattr(target, attribute)
        return target
    raise ImportError(f"cannot resolve {dotted!r}")


def build_model(kind: str, parameters: dict | None = None):
    """A fresh, untrained collaborative-filtering model of this kind (defaults overridden by `parameters`)."""
    from recommender.engine.cf import MODEL_CLASSES

    if kind not in MODEL_CLASSES:
        raise ValueError(f"{kind!r} is not a collaborative-filtering kind; those are: {sorted(MODEL_CLASSES)}")
    model_class = MODEL_CLASSES[kind]
    return model_class(model_class.config_class(**{**kind_get(kind).defaults, **(parameters or {})}))
