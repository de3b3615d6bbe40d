"""The free-text search data set: theme requests from the catalog and narrative requests written by
the language model from users' favourite films, filtered by likelihood, written as files with a
manifest (var/datasets/narrative/<name>/{train,validation,test}.jsonl + manifest.json)."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path

from django.conf import settings

from catalog.models import Person, Rating
from recommender.engine.query.words import fold
from recommender.engine.text.documents import movie_document
from recommender.selectors.movie_text import movie_facts, movie_texts
from recommender.selectors.query_graph import catalog_graph
from recommender.services import llm as llm_service
from training.engine.contrastive import contrastive_examples, request_triplets
from training.engine.synthetic.narratives import (
    OPENINGS,
    best_explained,
    cleaned,
    likelihood_prompt,
    narrative_problem,
    narrative_prompt,
)
from training.engine.synthetic.retrieval_set import (
    DATASET_VERSION,
    SPLIT_SHARES,
    SPLITS,
    RetrievalExample,
    manifest,
    movies_by_split,
    split_of,
)
from training.engine.synthetic.themes import ThemeGenerator
from training.services.datasets import dataset_folder_write

LIKED = 4.0  # stars: a rating at least this high is a film the user loved
PROMPT_MOVIES = 3  # favourite films described to the writer
CANDIDATES = 6  # liked films the likelihood filter chooses from (the described ones among them)
KEEP = 3  # films kept as relevant per narrative request
CONTROLS = 2  # random films of the split: a request no liked film explains better than these is dropped
RETRIES = 2  # sampled rewrites of a rejected request


def narrative_dataset_folder(*, seed: int, themes: int, users: int) -> Path:
    return Path(settings.VAR_DIR) / "datasets" / "narrative" / f"v{DATASET_VERSION}-seed{seed}-t{themes}-u{users}"


def narrative_dataset_build(*, seed: int, themes: int, users: int, progress=None) -> tuple[Path, dict]:
    """Build and write the data set; `themes` train theme requests (validation and test get their
    share), narrative requests for up to `users` users across the splits. Returns (folder, manifest).
    `progress(stage, done, total)` is told as each stage advances."""
    folder = narrative_dataset_folder(seed=seed, themes=themes, users=users)
    graph = catalog_graph()
    corpus = movies_by_split(graph.movies, seed=seed)
    generator = ThemeGenerator(graph, seed=seed)
    examples = []
    for split in SPLITS:
        count = round(themes * SPLIT_SHARES[split] / SPLIT_SHARES["train"])
        examples += generator.generate(count, split)
    narratives, stats = narrative_examples(seed=seed, users=users, progress=progress)
    examples += narratives
    described = manifest(examples, seed=seed, corpus=corpus, narrative=stats, catalog_movies=len(graph.movies))
    dataset_folder_write(folder, examples, SPLITS, described)
    return folder, described


def narrative_examples(*, seed: int, users: int, progress=None) -> tuple[list[RetrievalExample], dict]:
    """One request per sampled user with enough liked films of the user's own split (see module doc)."""
    if users <= 0:
        return [], {"users": 0}
    facts = movie_facts()
    corpus = movies_by_split(facts, seed=seed)
    documents = {movie_id: movie_document(text) for movie_id, text in movie_texts().items()}
    liked = _liked_by_user(seed, facts)
    rng = random.Random(seed)
    chosen = sorted(liked)
    rng.shuffle(chosen)
    chosen = sorted(chosen[:users])
    people = frozenset(fold(name) for name in Person.objects.values_list("name", flat=True) if " " in name.strip())
    writer = llm_service.generator()
    requests: dict[int, str] = {}
    rejected: Counter[str] = Counter()
    pending = chosen
    for attempt in range(RETRIES + 1):
        still = []
        for opening in OPENINGS:  # one batch per opening: a user keeps theirs across retries
            group = [user for user in pending if OPENINGS[user % len(OPENINGS)] == opening]
            if not group:
                continue
            conversations = [narrative_prompt([facts[m] for m in liked[user][:PROMPT_MOVIES]]) for user in group]
            texts = writer.generate(conversations, max_new_tokens=60, temperature=0.0 if attempt == 0 else 0.8,
                                    answer_prefix=opening)  # fmt: skip
            for user, conversation, text in zip(group, conversations, texts, strict=True):
                text = cleaned(text)
                titles = [facts[m].title for m in liked[user][:CANDIDATES]]
                problem = narrative_problem(text, titles=titles, people=people, prompt=conversation[-1]["content"])
                if problem is None:
                    requests[user] = text
                else:
                    rejected[problem.split(":")[0].split(" (")[0]] += 1
                    still.append(user)
            if progress:
                progress("write", len(requests), len(chosen))
        pending = sorted(still)
    scorer = llm_service.local_llm()  # a chat API cannot score a given text: the local model does
    examples, unexplained = [], 0
    for done, (user, text) in enumerate(sorted(requests.items()), 1):
        split = split_of(user, seed=seed, salt="user")
        candidates = liked[user][:CANDIDATES]
        others = [m for m in corpus[split] if m not in liked[user] and m in documents]
        controls = random.Random(f"{seed}:{user}:controls").sample(others, min(CONTROLS, len(others)))
        scored = candidates + controls
        scores = scorer.answer_logprobs([likelihood_prompt(documents[m]) for m in scored], [text] * len(scored))
        liked_scores, control_scores = scores[: len(candidates)], scores[len(candidates) :]
        if len(control_scores) and liked_scores.max() <= control_scores.max():
            unexplained += 1  # the request fits random films as well as the user's: it says nothing of them
        else:
            source = {
                "user": user, "described": candidates[:PROMPT_MOVIES], "candidates": candidates,
                "log_likelihood": _rounded(liked_scores), "controls": controls,
                "control_log_likelihood": _rounded(control_scores),
            }  # fmt: skip
            relevant = best_explained(candidates, liked_scores.tolist(), KEEP)
            examples.append(
                RetrievalExample(query=text, kind="narrative", relevant=relevant, split=split, source=source)
            )
        if progress:
            progress("likelihood", done, len(requests))
    stats = {"writer": writer.name, "scorer": scorer.name, "users": len(chosen), "written": len(requests),
             "rejected": dict(rejected), "gave_up": len(pending), "dropped_unexplained": unexplained,
             "kept": len(examples)}  # fmt: skip
    return examples, stats


def _rounded(scores) -> list[float]:
    return [round(float(score), 4) for score in scores]


def _liked_by_user(seed: int, facts: dict) -> dict[int, list[int]]:
    """user -> films of the user's split they rated >= LIKED that have a story, best rated first;
    only users with at least PROMPT_MOVIES of them."""
    liked: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for user, movie, value in Rating.objects.filter(value__gte=LIKED).values_list("user_id", "movie_id", "value"):
        same_split = split_of(movie, seed=seed, salt="movie") == split_of(user, seed=seed, salt="user")
        if same_split and movie in facts and facts[movie].overview:
            liked[user].append((-float(value), movie))
    ordered = {}
    for user, rows in liked.items():
        if len(rows) >= PROMPT_MOVIES:
            random.Random(f"{seed}:{user}").shuffle(rows)  # equal ratings in a drawn order, not by id
            ordered[user] = [movie for _, movie in sorted(rows, key=lambda row: row[0])]
    return ordered


def narrative_dataset_read(folder: Path, split: str) -> list[RetrievalExample]:
    with open(folder / f"{split}.jsonl") as lines:
        return [RetrievalExample(**json.loads(line)) for line in lines]


def latest_narrative_dataset() -> Path | None:
    """The newest complete data set under var/datasets/narrative, or None."""
    root = Path(settings.VAR_DIR) / "datasets" / "narrative"
    folders = [f for f in root.glob("v*-seed*") if not f.name.endswith(".partial")] if root.exists() else []
    return max(folders, key=lambda folder: folder.stat().st_mtime) if folders else None


def newest_narrative_dataset(*, seed: int, themes: int = 4000) -> Path:
    """latest_narrative_dataset, else a theme-only one built now (seconds, no language model)."""
    return latest_narrative_dataset() or narrative_dataset_build(seed=seed, themes=themes, users=0)[0]


def bi_encoder_examples(dataset: Path, texts: dict, config, *, per_request: int) -> tuple[list, int]:
    """(examples, train requests used) for the search bi-encoder: the data set's train requests
    against the documents of the films that answer them (with hard negatives), plus overview pairs;
    only train-split movies appear, as positives or as negatives."""
    seed = json.loads((dataset / "manifest.json").read_text())["seed"]
    train = movies_by_split(texts, seed=seed)["train"]
    train_texts = {movie_id: texts[movie_id] for movie_id in train}
    documents = {movie_id: movie_document(text) for movie_id, text in train_texts.items()}
    requests = [(example.query, example.relevant) for example in narrative_dataset_read(dataset, "train")]
    examples = request_triplets(requests, train_texts, documents, per_request=per_request, seed=config.seed)
    examples += contrastive_examples(texts, exclude=set(texts) - set(train), config=config)
    random.Random(config.seed).shuffle(examples)
    return examples, len(requests)
