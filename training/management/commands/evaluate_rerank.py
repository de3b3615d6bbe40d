"""`python manage.py evaluate_rerank --protocol stratified --seed 42 --k 10 [--n 100] [--users N] [--llm-top M]`

CF models alone against CF candidates re-ranked with language scores (see
recommender/engine/rerank/offline.py for the protocol). Profiles are written from the training side
of the split only; re-ranking weights are fitted on a validation split carved from train.
Rows with the LLM judgement are best measured on a random sample of users (`--users`), beside the
CF-only and embedding rows on the SAME sample, because the judgement costs one forward pass per
candidate (about 0.3 s on 2 CPU cores).
"""

import json
import tempfile
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender.engine.evaluation import splits
from recommender.engine.evaluation.metrics import hit_rates, interaction_rows
from recommender.engine.evaluation.splits import PROTOCOLS
from recommender.engine.rerank.offline import Variant, evaluate_reranking
from recommender.kinds import build_model
from recommender.services.data import catalog_movie_ids, ratings_interactions
from recommender.services.embeddings import embedder
from recommender.services.language import (
    generated_profiles,
    intent_statements,
    item_genres,
    item_vectors,
    llm_judgements,
)
from training.management.tables import hit_rate_lines, ratio_lines, seed_reported_line
from training.pipelines.cf import GATE_SEED
from training.services.coliked import coliked_item_vectors

EMBEDDING = ("cf", "cf_rank", "profile_similarity", "neighbour_similarity")
POPULARITY = ("cf", "cf_rank", "popularity")
# Movie vectors from MiniLM tuned on co-liked pairs (--coliked-pairs); no profile_similarity, see evaluate_reranking.
COLIKED = ("cf", "cf_rank", "neighbour_similarity", "neighbour_mean")
# Rows marked * simulate people who wrote what they want next (statements from the held-out movies).
INTENT = (*EMBEDDING, "popularity", "stated_similarity")
INTENT_NOTE = (
    "* simulated intent: each user 'writes' a statement made from the genres and keywords of their "
    "held-out movies rated >= 4.0 (validation movies for the weights, test movies for the measure; no "
    "titles, names or years). It shows how far the feed follows words that describe what the user will "
    "watch: an upper bound for typed preferences, not comparable with the other rows."
)
SHOWN = ["ndcg", "hr", "cum_hr", "recall", "map"]
GENRE = ("genre_affinity",)  # catalog knowledge, not language: rows with and without it show what each adds
# The row the feed serves by default: EASE candidates in the language-aware order (the reranker
# kind's features; a user who wrote nothing has no stated_similarity, so these are the ones measured).
FEED_VARIANT = "ease+pop+emb+genre"


def variants(*, llm_top: int, coliked: bool = False) -> list[Variant]:
    rows = [
        Variant("svd", "svd", ("cf",)),
        Variant("svdpp", "svdpp", ("cf",)),
        Variant("ease", "ease", ("cf",)),
        Variant("svd+embedding", "svd", EMBEDDING),
        Variant("svdpp+embedding", "svdpp", EMBEDDING),
        Variant("ease+embedding", "ease", EMBEDDING),
        Variant("svd+popularity", "svd", POPULARITY),
        Variant("svd+pop+embedding", "svd", (*EMBEDDING, "popularity")),
        Variant("svdpp+pop+embedding", "svdpp", (*EMBEDDING, "popularity")),
        Variant("ease+pop+embedding", "ease", (*EMBEDDING, "popularity")),
        Variant("svd+pop+genre", "svd", (*POPULARITY, *GENRE)),
        Variant("svd+pop+emb+genre", "svd", (*EMBEDDING, "popularity", *GENRE)),
        Variant("ease+pop+genre", "ease", (*POPULARITY, *GENRE)),
        Variant(FEED_VARIANT, "ease", (*EMBEDDING, "popularity", *GENRE)),
        Variant("svd+pop+emb+intent*", "svd", INTENT, stated=True),
        Variant("ease+pop+emb+intent*", "ease", INTENT, stated=True),
    ]
    if llm_top:
        rows += [
            Variant("svd+llm", "svd", ("cf", "cf_rank", "llm"), llm_top),
            Variant("svd+pop+llm", "svd", (*POPULARITY, "llm"), llm_top),
            Variant("svd+pop+embedding+llm", "svd", (*EMBEDDING, "popularity", "llm"), llm_top),
        ]  # SVD candidates only: each LLM row costs a forward pass per judged candidate (~0.6 s on CPU)
    if coliked:
        rows += [
            Variant("svd+neighbour_mean", "svd", (*EMBEDDING, "neighbour_mean")),
            Variant("svd+coliked", "svd", COLIKED, vectors="coliked"),
            Variant("svd+pop+coliked", "svd", (*COLIKED, "popularity"), vectors="coliked"),
            Variant("ease+pop+coliked", "ease", (*COLIKED, "popularity"), vectors="coliked"),
        ]
    return rows


class Command(BaseCommand):
    help = "Evaluate SVD/SVD++/EASE candidates re-ranked by language scores (embedding, LLM judgement)."

    def add_arguments(self, parser):
        parser.add_argument("--protocol", choices=["stratified", "loo", "seed-ndcg", "seed-hr"], default="stratified")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--n", type=int, default=100, help="CF candidates per user")
        parser.add_argument("--users", type=int, help="evaluate on a random sample of this many users")
        parser.add_argument(
            "--llm-top", type=int, default=0, help="score this many top CF candidates per user with the LLM (0: none)"
        )
        parser.add_argument("--llm-profiles", action="store_true", help="profiles written by the LLM, not the template")
        parser.add_argument(
            "--coliked-pairs", type=int, default=0,
            help="also rank with MiniLM tuned on this many co-liked pairs from the validation-fit ratings (0: off)",
        )  # fmt: skip
        parser.add_argument("--json", dest="json_path", type=Path)

    def handle(self, *args, protocol, seed, k, n, users, llm_top, llm_profiles, coliked_pairs, json_path, **options):
        if k < 1 or n < k:
            raise CommandError("--k must be at least 1 and --n at least k")
        data = ratings_interactions()
        if len(data) == 0:
            raise CommandError("there are no ratings; run `make run` (or import_bundled) first")
        vectors = item_vectors()
        if len(vectors.index) == 0:
            raise CommandError("no movie embeddings yet; run `manage.py embed` first")
        train, test = splits.protocol_split(data, protocol, seed=seed)
        catalog = catalog_movie_ids()
        protocol_text = (
            f"{protocol} ({PROTOCOLS[protocol]}), seed {seed}, k={k}; candidates: each CF model's top {n} unseen "
            f"movies; weights fitted on a {protocol} validation split of train (seed {GATE_SEED}); profiles "
            f"from train ratings only ({'LLM, grounded, template fallback' if llm_profiles else 'template'}); "
            + (f"{users} random users (seed {seed})" if users else "all test users")
        )  # fmt: skip
        self.stdout.write(f"protocol: {protocol_text}")
        validation_of = lambda ratings: splits.validation_split(ratings, protocol, seed=GATE_SEED)  # noqa: E731
        extra, work = {}, tempfile.TemporaryDirectory(prefix="coliked-")
        if coliked_pairs:
            fit_train, _ = validation_of(train)
            self.stdout.write(
                f"coliked: MiniLM fine-tuned on up to {coliked_pairs} pairs of movies one user rated >= 4.0, drawn "
                f"from the validation split's fit ratings only ({len(fit_train)} ratings; no validation or test "
                f"item), seed {seed}, 1 epoch, batch 32; its vectors serve both weight fitting and test"
            )  # fmt: skip
            bars: dict[str, tqdm] = {}

            def progress(stage, done, total):
                if stage not in bars:
                    bars[stage] = tqdm(total=total, desc=stage)
                bar = bars[stage]
                bar.update(done - bar.n)

            extra["coliked"], timing = coliked_item_vectors(
                fit_train, pairs=coliked_pairs, seed=seed, work_dir=Path(work.name), progress=progress
            )
            for bar in bars.values():
                bar.close()
            self.stdout.write(
                f"coliked: {timing['pairs']} pairs, fine-tune {timing['fine_tune_s']:.0f} s, "
                f"encode {len(extra['coliked'].index)} movies {timing['encode_s']:.0f} s"
            )
        results = evaluate_reranking(
            variants(llm_top=llm_top, coliked=bool(coliked_pairs)),
            build_model,
            train,
            test,
            validation_of,
            vectors=vectors,
            profiles=lambda ratings: generated_profiles(ratings, use_llm=llm_profiles),
            embed=lambda texts: embedder().encode(texts),
            llm=llm_judgements if llm_top else None,
            statements=intent_statements,
            extra_vectors=extra,
            genres=item_genres(),
            n=n,
            k=k,
            catalog_size=len(catalog),
            sample_users=users,
            seed=seed,
            log=lambda message: self.stdout.write(f"  {message}"),
        )
        work.cleanup()
        if protocol == "seed-hr":  # over the users each row ranked (a --users sample ranks only some)
            for result in results.values():
                ranked = test.take(np.isin(test.user_ids, list(result["topk"])))
                result["metrics"].update(hit_rates(result["topk"], ranked))
        self._print(results, protocol, seed, k)
        if json_path:
            document = {
                "protocol": {"name": protocol, "seed": seed, "k": k, "n": n, "description": protocol_text},
                "split": {"train": interaction_rows(train), "test": interaction_rows(test)},
                "models": {name: {**r, "topk": {str(u): items for u, items in r["topk"].items()}}
                           for name, r in results.items()},
                "feed_model": FEED_VARIANT,
            }  # fmt: skip
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(json.dumps(document, default=float))
            self.stdout.write(f"json: {json_path}")

    def _print(self, results, protocol, seed, k) -> None:
        tag = f"[{protocol} seed={seed} k={k}]"
        header = f"{'model':<22}" + "".join(f"{name + f'@{k}':>12}" for name in SHOWN) + f"{'ms/user':>10}"
        self.stdout.write(header + "  protocol")
        for name, result in results.items():
            m = result["metrics"]
            cells = "".join(f"{m[metric]:>12.4f}" for metric in SHOWN)
            self.stdout.write(f"{name:<22}{cells}{result['rerank_ms_per_user']:>10.2f}  {tag}")
        if protocol == "seed-hr":
            self.stdout.write("\n".join(hit_rate_lines(results, tag, 22)))
        ratios = ratio_lines(results, k, tag, shown=set(results), feed=FEED_VARIANT)
        for line in [*ratios, *seed_reported_line(protocol)]:
            self.stdout.write(line)
        if any(name.endswith("*") for name in results):
            self.stdout.write(INTENT_NOTE)
        for name, result in results.items():
            if result["weights"] and len(result["weights"]) > 1:
                self.stdout.write(f"weights {name}: {result['weights']}")
