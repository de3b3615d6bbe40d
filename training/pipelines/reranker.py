"""The re-ranker training run: fit language-aware weights on a validation split, check, promote.

Protocol: carve a validation split out of all ratings (the run's `seed`); fit the feed's CF model on
the rest; take each validation user's top-N CF candidates; write preference profiles from the
remaining ratings only (the template: no user of the imported data wrote one); fit the weights on
70% of the validation users and compare NDCG@10 of the CF order and the re-ranked order on the other
30%. Promoted only if the re-ranked order is not worse there (then refitted on all validation users).

The LLM judgement ("llm" in the features, off by default: the bundled 135M model showed no gain in
`evaluate_rerank` and costs about a second per judgement on CPU) is computed for the top
`llm_top` candidates of `llm_users` random validation users; the rest leave it missing. Serving
then judges each user's top `llm_top` the same way when their feed is refreshed.

People who wrote what they like but rated nothing get the most-rated movies ordered by a second,
smaller model (WORDS_ONLY_FEATURES) fitted the same way on the same users playing newcomers; the
version holds both (ServingRerankers).

Written words: no imported user wrote any, so half of the fitting users (seeded) get a simulated
statement made from their validation movies rated >= 4.0 (genres and keywords, see
profiles.intent_statement); that is what `stated_similarity`'s weight is learnt from. The other
half keep it missing, as most people at serving time will. The gate compares orders WITHOUT
statements; the check users' NDCG with statements is reported beside it, as "with_statements".
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from django.conf import settings

from recommender.engine.evaluation.metrics import ranking_metrics
from recommender.engine.evaluation.splits import validation_split
from recommender.engine.rerank.model import FEATURES, WORDS_ONLY_FEATURES, LinearReranker, ServingRerankers
from recommender.engine.rerank.offline import build_candidates, fit_reranker, rerank_all, with_llm_scores
from recommender.kinds import build_model
from recommender.models import ModelVersion, TrainingRun
from recommender.services.data import ratings_interactions
from recommender.services.embeddings import embedder
from recommender.services.language import (
    generated_profiles,
    intent_statements,
    item_genres,
    item_vectors,
    llm_judgements,
)
from recommender.services.registry import model_version_publish
from training.services.gate import promotion_gate

K = 10


def check_parameters(parameters: dict) -> None:
    """Refuse feature names the re-ranker does not know when the run is created, not an hour later."""
    unknown = set(parameters.get("features", [])) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown re-ranker feature(s) {sorted(unknown)}; known: {list(FEATURES)}")


def train(run: TrainingRun, reporter) -> tuple[dict, ModelVersion | None]:
    p = run.parameters
    features = tuple(p["features"])
    reporter.step(5, "loading ratings and movie embeddings")
    data = ratings_interactions()
    vectors = item_vectors()
    if len(data) == 0 or len(vectors.index) == 0:
        raise ValueError("ratings and movie embeddings are needed; run import_bundled and embed first")
    fit_train, validation = validation_split(data, seed=p["seed"])
    reporter.step(15, f"fitting {settings.FEED_MODEL_KIND} on {len(fit_train)} ratings for the candidates")
    model = build_model(settings.FEED_MODEL_KIND).fit(fit_train)
    texts = generated_profiles(fit_train, use_llm=False)
    users = validation.unique_users()
    with_text = [u for u in users.tolist() if texts.get(u)]
    profile_vectors = dict(zip(with_text, embedder().encode([texts[u] for u in with_text]), strict=True))
    reporter.step(40, f"candidates (top {p['candidates']}) and features for {len(users)} validation users")
    candidates = build_candidates(
        model, fit_train, users, n=p["candidates"], vectors=vectors, profile_vectors=profile_vectors,
        genres=item_genres() if "genre_affinity" in features else None,
    )  # fmt: skip
    if "llm" in features:  # one forward pass per judged candidate: a sample of users (see _with_judgements)
        candidates = _with_judgements(candidates, texts, p, reporter)
    rng = np.random.default_rng(p["seed"])
    fitting = set(rng.choice(users, int(len(users) * 0.7), replace=False).tolist())
    stating = set(rng.choice(users, len(users) // 2, replace=False).tolist())
    stated = _with_statements(candidates, validation) if "stated_similarity" in features else candidates
    for_fitting = {u: (stated if u in stating else candidates)[u] for u in candidates}
    check = {u: c for u, c in candidates.items() if u not in fitting}
    reranker = fit_reranker(features, {u: c for u, c in for_fitting.items() if u in fitting}, validation)
    held = validation.take(np.isin(validation.user_ids, list(check)))
    reranked = ranking_metrics(rerank_all(reranker, check, K)[0], held, K)
    cf_order = ranking_metrics({u: c.item_ids[:K].tolist() for u, c in check.items()}, held, K)
    said = ranking_metrics(rerank_all(reranker, {u: stated[u] for u in check}, K)[0], held, K)
    metrics, baseline, with_statements = _rounded(reranked), _rounded(cf_order), _rounded(said)
    passed, reason = promotion_gate(kind="reranker", candidate=metrics, measured={"the CF order": baseline})
    reporter.step(80, f"check users: re-ranked NDCG@{K} {metrics['ndcg']:.4f} vs CF order {baseline['ndcg']:.4f} "
                      f"({with_statements['ndcg']:.4f} with simulated statements); "
                      f"gate: {'pass' if passed else 'refused'} ({reason})")  # fmt: skip
    protocol = {"name": "validation split of all ratings; weights fitted on 70% of its users, checked on 30%",
                "seed": p["seed"], "k": K, "candidates": p["candidates"], "cf_model": settings.FEED_MODEL_KIND,
                "profiles": "template from the fitting ratings", "check_users": len(check),
                "statements": "simulated for half the fitting users, from validation movies rated >= 4"}  # fmt: skip
    if "llm" in features:
        from recommender.services.llm import generator

        protocol["llm"] = (f"{generator().name}: top {p['llm_top']} candidates of "
                           f"{p['llm_users']} random validation users")  # fmt: skip
    words_only, words_only_metrics = _words_only_fit(fit_train, validation, vectors, fitting, p)
    if words_only_metrics.get("with_words"):
        reporter.step(85, f"people with words but no ratings (check users): popularity order NDCG@{K} "
                          f"{words_only_metrics['popularity_order']['ndcg']:.4f}, ordered by their words "
                          f"{words_only_metrics['with_words']['ndcg']:.4f}")  # fmt: skip
    run_metrics = {"validation": metrics, "baseline": baseline, "with_statements": with_statements,
                   "words_only": words_only_metrics, "protocol": protocol,
                   "gate": {"passed": passed, "reason": reason}}  # fmt: skip
    version = None
    if passed:
        final = fit_reranker(features, for_fitting, validation)
        run_metrics["weights"] = _weights(final)
        model = ServingRerankers(final, words_only)
        version = model_version_publish(kind="reranker", parameters=p, metrics=run_metrics, model=model)
        reporter.step(95, f"promoted {version}; every feed gets its language-aware order")
    return run_metrics, version


def _rounded(metrics: dict) -> dict:
    return {name: round(float(metrics[name]), 5) for name in ("ndcg", "hr", "cum_hr", "recall")}


def _weights(reranker: LinearReranker) -> dict[str, float]:
    return dict(zip(reranker.features, np.round(reranker.weights, 4).tolist(), strict=True))


def _words_only_fit(fit_train, validation, vectors, fitting: set[int], p: dict) -> tuple[LinearReranker | None, dict]:
    """Weights for people who wrote what they like but rated nothing yet.

    Each validation user plays such a newcomer: the most-rated movies they have not seen are the
    candidates, and a statement made from their validation movies rated >= 4 is their words. Fitted
    on the fitting users; kept only if it beats the popularity order on the check users.
    """
    popular = build_model("popularity").fit(fit_train)
    users = validation.unique_users()
    plain = build_candidates(popular, fit_train, users, n=p["candidates"], vectors=vectors, profile_vectors={})
    candidates = {u: c for u, c in _with_statements(plain, validation).items() if c.stated_vector is not None}
    check = {u: c for u, c in candidates.items() if u not in fitting}
    if not check or len(check) == len(candidates):  # no statement could be made (no genres or keywords)
        return None, {"kept": False, "check_users": len(check), "reason": "too few users with a statement"}
    reranker = fit_reranker(WORDS_ONLY_FEATURES, {u: c for u, c in candidates.items() if u in fitting}, validation)
    held = validation.take(np.isin(validation.user_ids, list(check)))
    ordered = ranking_metrics(rerank_all(reranker, check, K)[0], held, K)
    by_popularity = ranking_metrics({u: c.item_ids[:K].tolist() for u, c in check.items()}, held, K)
    metrics = {
        "popularity_order": _rounded(by_popularity),
        "with_words": _rounded(ordered),
        "check_users": len(check),
        "kept": bool(ordered["ndcg"] > by_popularity["ndcg"]),
    }
    if not metrics["kept"]:
        return None, metrics
    final = fit_reranker(WORDS_ONLY_FEATURES, candidates, validation)
    metrics["weights"] = _weights(final)
    return final, metrics


def _with_statements(candidates: dict, validation) -> dict:
    """The same candidates, each user's `stated_vector` from a statement about their validation movies."""
    texts = intent_statements(validation)
    users = [u for u in candidates if texts.get(u)]
    vectors = dict(zip(users, embedder().encode([texts[u] for u in users]), strict=True)) if users else {}
    return {u: replace(c, stated_vector=vectors.get(u)) for u, c in candidates.items()}


def _with_judgements(candidates: dict, texts: dict[int, str], p: dict, reporter) -> dict:
    top, sample = int(p["llm_top"]), int(p["llm_users"])
    with_text = sorted(u for u in candidates if texts.get(u))
    rng = np.random.default_rng(p["seed"])
    judged = set(rng.choice(with_text, min(sample, len(with_text)), replace=False).tolist()) if with_text else set()
    reporter.step(50, f"LLM judging the top {top} candidates of {len(judged)} validation users")
    scored = with_llm_scores({u: candidates[u] for u in judged}, texts, llm_judgements, top)
    return {u: scored.get(u, c) for u, c in candidates.items()}
