"""Scoring free-text retrievers the same way: on the held-out synthetic requests (each split's
requests against that split's movies only) and on the hand-written requests in the tests (against
the whole catalog). Every retriever ranks the same documents: the text each movie is embedded by.

Two hand-written sets, written independently with their own topics: the development set
(training/data/narrative_dev_requests.jsonl) helps fit the blend weights; the test set
(tests/recommender/data/narrative_requests.jsonl) is only ever scored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from catalog.models import Movie
from recommender.engine.evaluation.retrieval import mean_metrics, request_metrics
from recommender.engine.narrative.ranking import Candidates, blend, candidates_from, first_stage, fit_weights, mean_ndcg
from recommender.models import MovieEmbedding
from recommender.selectors.fulltext import fulltext_ranking
from training.engine.synthetic.retrieval_set import RetrievalExample
from training.services.datasets import movie_ids_by_title_year

HANDWRITTEN_NARRATIVE = Path(settings.BASE_DIR) / "tests" / "recommender" / "data" / "narrative_requests.jsonl"
HANDWRITTEN_DEV = Path(settings.BASE_DIR) / "training" / "data" / "narrative_dev_requests.jsonl"
DEPTH = 100  # results each retriever returns: Recall@100 and MAP@100 read this deep


@dataclass(frozen=True)
class HandwrittenRequest:
    query: str
    kind: str  # "theme", "narrative" or "plot"
    relevant: list[int]


def handwritten_requests(path: Path = HANDWRITTEN_NARRATIVE, *, complete: bool = True) -> list[HandwrittenRequest]:
    """A hand-written set with its acceptable films resolved by exact title and year. With `complete`
    a film the catalog lacks is an error (the set must match the bundled data); without, such films
    are left out, and requests left with none (a small test catalog)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    wanted = {(film["title"], film["year"]) for row in rows for film in row["acceptable"]}
    ids = movie_ids_by_title_year(wanted, missing_ok=not complete)
    requests = []
    for row in rows:
        keys = [(film["title"], film["year"]) for film in row["acceptable"]]
        if relevant := [ids[key] for key in keys if key in ids]:
            requests.append(HandwrittenRequest(row["q"], row["kind"], relevant))
    return requests


class FulltextRetriever:
    name = "full-text search (Postgres)"

    def rank(self, queries: list[str], corpus: list[int], depth: int = DEPTH) -> list[list[int]]:
        return [fulltext_ranking(query, limit=depth, movie_ids=corpus) for query in queries]


@dataclass
class EmbedderRetriever:
    """Exact cosine between the request and every corpus document, both encoded by `embedder`."""

    name: str
    embedder: object
    _vectors: dict = field(default_factory=dict)  # corpus key -> (ids, vectors), encoded once

    def rank(self, queries: list[str], corpus: list[int], depth: int = DEPTH) -> list[list[int]]:
        ids, vectors = self.corpus_vectors(corpus)
        scores = self.embedder.encode(queries) @ vectors.T
        top = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
        return [[ids[i] for i in row] for row in top]

    def corpus_vectors(self, corpus: list[int]):
        """(ids, vectors) of the corpus movies that have a document, encoded once per corpus."""
        key = (len(corpus), hash(tuple(corpus)))
        if key not in self._vectors:
            documents = corpus_documents(corpus)
            ids = list(documents)
            self._vectors[key] = (ids, self.embedder.encode([documents[i] for i in ids]))
        return self._vectors[key]


def corpus_documents(corpus: list[int]) -> dict[int, str]:
    """movie id -> its embedded document, for the corpus movies that have one (ordered by id)."""
    rows = MovieEmbedding.objects.filter(movie_id__in=corpus).order_by("movie_id").values_list("movie_id", "document")
    return dict(rows)


def synthetic_scores(retriever, examples: list[RetrievalExample], corpora: dict[str, list[int]]) -> dict:
    """Mean METRICS per kind (theme, narrative) and over all, each split's requests against its own movies."""
    rows: dict[str, list[dict]] = defaultdict(list)
    for example, ranked in zip(examples, rankings_by_split(retriever, examples, corpora), strict=True):
        metrics = request_metrics(ranked, example.relevant)
        rows[example.kind].append(metrics)
        rows["all"].append(metrics)
    return {kind: mean_metrics(values) for kind, values in rows.items()}


def rankings_by_split(retriever, examples: list[RetrievalExample], corpora: dict[str, list[int]]) -> list[list[int]]:
    """`retriever`'s ranking for each example, in the examples' order, each among its own split's movies."""
    rankings: list[list[int]] = [[] for _ in examples]
    by_split: dict[str, list[int]] = defaultdict(list)
    for i, example in enumerate(examples):
        by_split[example.split].append(i)
    for split, positions in by_split.items():
        ranked = retriever.rank([examples[i].query for i in positions], corpora[split])
        for i, ranking in zip(positions, ranked, strict=True):
            rankings[i] = ranking
    return rankings


def handwritten_scores(retriever, requests: list[HandwrittenRequest], corpus: list[int]) -> dict:
    """Precision@10 per kind; for plot requests, the share whose film is in the top 10."""
    rankings = retriever.rank([request.query for request in requests], corpus)
    return handwritten_summary(requests, rankings)


def handwritten_summary(requests: list[HandwrittenRequest], rankings: list[list[int]]) -> dict:
    rows: dict[str, list[float]] = defaultdict(list)
    for request, ranked in zip(requests, rankings, strict=True):
        metrics = request_metrics(ranked, request.relevant)
        rows[request.kind].append(metrics["mrr"] >= 0.1 if request.kind == "plot" else metrics["p@10"])
    return {kind: float(np.mean(values)) for kind, values in sorted(rows.items())}


@dataclass
class CrossEncoderRetriever:
    """The first stage's top `top_n` re-ordered by the cross-encoder; the rest follow as they were."""

    name: str
    first_stage: object
    cross_encoder: object
    top_n: int = 20

    def rank(self, queries: list[str], corpus: list[int], depth: int = DEPTH) -> list[list[int]]:
        documents = corpus_documents(corpus)
        ranked = []
        for query, first in zip(queries, self.first_stage.rank(queries, corpus, depth), strict=True):
            head = first[: self.top_n]
            scores = self.cross_encoder.score(query, [documents[movie_id] for movie_id in head])
            ranked.append([head[i] for i in np.argsort(-scores, kind="stable")] + first[self.top_n :])
        return ranked


@dataclass
class PipelineRetriever:
    """Free-text search as served (recommender/engine/narrative/ranking.py), on an in-memory corpus:
    bi-encoder and full-text candidates fused, the cross-encoder on the first `top_n`, features
    blended by `weights`. `candidates()` gives the features unblended, for fitting the weights."""

    name: str
    dense: EmbedderRetriever
    cross_encoder: object | None = None
    weights: dict | None = None
    top_n: int = 20
    depth: int = DEPTH

    def candidates(self, queries: list[str], corpus: list[int]) -> list[Candidates]:
        ids, vectors = self.dense.corpus_vectors(corpus)
        documents = corpus_documents(corpus)
        rows = Movie.objects.filter(pk__in=ids).values_list("pk", "rating_count", "rating_mean")
        counts = {movie_id: count for movie_id, count, _ in rows}
        means = {movie_id: mean for movie_id, _, mean in rows}
        position = {movie_id: i for i, movie_id in enumerate(ids)}
        cosines = self.dense.embedder.encode(queries) @ vectors.T
        out = []
        for query, row in zip(queries, cosines, strict=True):
            top = np.argsort(-row, kind="stable")[: self.depth]
            dense = {ids[i]: float(row[i]) for i in top}
            fulltext = fulltext_ranking(query, limit=self.depth, movie_ids=corpus)
            dense_ranking = list(dense)
            for movie_id in fulltext:  # a film only the words found still gets its cosine
                if movie_id in position:
                    dense.setdefault(movie_id, float(row[position[movie_id]]))
            head = first_stage(dense_ranking, fulltext)[: self.top_n]
            cross = {}
            if self.cross_encoder is not None and head:
                scores = self.cross_encoder.score(query, [documents[m] for m in head])
                cross = dict(zip(head, scores.tolist(), strict=True))
            out.append(candidates_from(dense=dense, fulltext=fulltext, cross=cross, counts=counts, means=means))
        return out

    def rank(self, queries: list[str], corpus: list[int], depth: int = DEPTH) -> list[list[int]]:
        weights = self.weights or {"dense": 1.0}
        ranked = []
        for candidates in self.candidates(queries, corpus):
            order = np.argsort(-blend(candidates, weights), kind="stable")[:depth]
            ranked.append([candidates.ids[i] for i in order])
        return ranked


def fit_pipeline_weights(
    pipeline: PipelineRetriever,
    validation: list[RetrievalExample],
    validation_corpus: list[int],
    development: list[HandwrittenRequest],
    catalog: list[int],
) -> tuple[dict, dict]:
    """Blend weights for `pipeline`, fitted on two groups weighed equally: the synthetic validation
    requests (among the validation split's movies) and the hand-written development requests (among
    the whole catalog; they carry what people expect, well-known films first, which synthetic labels
    do not). Returns (weights, NDCG@10 per group and the objective)."""
    groups = {
        "synthetic validation": _with_candidates(pipeline, validation, validation_corpus),
        "hand-written development": _with_candidates(pipeline, development, catalog),
    }
    weights, objective = fit_weights(list(groups.values()))
    scores = {name: round(mean_ndcg(group, weights), 5) for name, group in groups.items() if group}
    return weights, {**scores, "objective": round(objective, 5)}


def _with_candidates(pipeline: PipelineRetriever, requests: list, corpus: list[int]) -> list[tuple[Candidates, set]]:
    """(candidates, relevant ids) per request (a RetrievalExample or a HandwrittenRequest); [] for none."""
    if not requests:
        return []
    found = pipeline.candidates([request.query for request in requests], corpus)
    return [(candidates, set(request.relevant)) for candidates, request in zip(found, requests, strict=True)]


def likelihood_filter_ablation(retriever, examples: list[RetrievalExample], corpora: dict, seed: int = 0) -> dict:
    """Does the likelihood filter keep the films a request describes? Each narrative request is
    ranked once by `retriever` (which never trained on them) and scored against three relevant sets of
    the same size from the same user's liked films: the ones the filter kept (best explained), the
    ones the writer was shown, and a random draw of the liked candidates (what no filter would give).
    Returns mean metrics per set."""
    narratives = [example for example in examples if example.kind == "narrative"]
    rng = np.random.default_rng(seed)
    sets = {"kept by the filter": [], "shown to the writer": [], "random liked (no filter)": []}
    for example in narratives:
        size = len(example.relevant)
        candidates = example.source["candidates"]
        sets["kept by the filter"].append(example.relevant)
        sets["shown to the writer"].append(example.source["described"][:size])
        sets["random liked (no filter)"].append([int(m) for m in rng.choice(candidates, size, replace=False)])
    rankings = rankings_by_split(retriever, narratives, corpora)
    return {
        name: mean_metrics([request_metrics(ranked, rel) for ranked, rel in zip(rankings, relevant, strict=True)])
        for name, relevant in sets.items()
    }
