"""Which engine class trains each model kind, with which defaults, on which queue.

Plain Python: the training service and the evaluate command both build models from here.
"""

from __future__ import annotations

# CPU kinds run on queue "default"; GPU kinds (fine-tuning) and the re-ranker (it needs the movie
# embeddings, which the gpu worker writes first) on "gpu".
QUEUES = {"popularity": "default", "svd": "default", "svdpp": "default", "ease": "default", "embedder": "gpu",
          "enricher": "gpu", "reranker": "gpu"}  # fmt: skip

# EASE: lam 500 and items with >= 10 ratings won on a validation split carved from train
# (MovieLens latest-small): NDCG@10 within 0.001 of the full model, 14 MB instead of 329 MB.
DEFAULT_PARAMETERS: dict[str, dict] = {
    "popularity": {"min_rating": None},
    "svd": {"factors": 100, "epochs": 20, "lr": 0.005, "reg": 0.02, "seed": 0},
    "svdpp": {"factors": 20, "epochs": 20, "lr": 0.007, "reg": 0.02, "seed": 0},
    "ease": {"lam": 500.0, "min_item_count": 10, "weighting": "binary", "min_rating": None},
    # Contrastive fine-tune of the serving embedder (training/services/embedder.py): small enough
    # to finish on a CPU worker in minutes; raise max_pairs/epochs on a GPU. held_out_fraction and
    # seed pick the held-out movies exactly as `evaluate_semantic` does (its defaults).
    "embedder": {
        "epochs": 1,
        "batch_size": 16,
        "max_pairs": 600,
        "lr": 2e-5,
        "max_seq_length": 128,
        "hard_negatives": True,
        "held_out_fraction": 0.2,
        "seed": 42,
    },
    # LoRA fine-tune of the description writer (training/services/enricher.py): ~3 s per step on
    # 2 CPU cores. On a GPU worker raise steps and set quantize_4bit for QLoRA.
    "enricher": {
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
    # Language-aware re-ranking of the feed model's candidates (recommender/services/reranker_training.py).
    # "popularity" is CF evidence beside the language scores; `evaluate_rerank` shows each one's share.
    "reranker": {
        "candidates": 100,
        "features": ["cf", "cf_rank", "popularity", "profile_similarity", "neighbour_similarity", "stated_similarity"],
        "seed": 20240101,
        # Used only with "llm" in the features: judge the top llm_top candidates of llm_users validation users.
        "llm_top": 30,
        "llm_users": 60,
    },
}


def build_model(kind: str, parameters: dict | None = None):
    """A fresh, untrained engine model of this kind (defaults overridden by `parameters`)."""
    from recommender.engine.cf import MODEL_CLASSES

    if kind not in MODEL_CLASSES:
        raise ValueError(f"unknown model kind {kind!r}; known: {sorted(MODEL_CLASSES)}")
    model_class = MODEL_CLASSES[kind]
    return model_class(model_class.config_class(**{**DEFAULT_PARAMETERS[kind], **(parameters or {})}))
