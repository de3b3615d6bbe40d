"""Contrastive fine-tuning of a sentence embedder on (query, document) pairs. Plain Python.

The loss is MultipleNegativesRankingLoss written out: in a batch of pairs, each query's own
document is the positive and every other document is a negative (in-batch negatives), scored by
scaled cosine and trained with cross-entropy. Examples may carry a third text, a hard negative
(a similar but wrong movie's document); like sentence-transformers' third column, every query is
then also scored against all the batch's hard negatives. A hand loop on torch keeps the
dependencies to sentence-transformers and torch; the same code runs on CUDA when there is one.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from recommender.engine.text.documents import MovieText, movie_document


@dataclass(frozen=True)
class ContrastiveConfig:
    epochs: int = 1
    batch_size: int = 16
    lr: float = 2e-5
    max_pairs: int = 2000
    max_seq_length: int = 128
    scale: float = 20.0  # sentence-transformers' default for MultipleNegativesRankingLoss
    seed: int = 0
    hard_negatives: bool = True  # see overview_triplets

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2 or self.max_pairs < 2 or self.lr <= 0:
            raise ValueError("epochs >= 1, batch_size >= 2, max_pairs >= 2 and lr > 0 are required")


def overview_pairs(texts: dict[int, MovieText], *, exclude: set[int], limit: int, seed: int) -> list[tuple[str, str]]:
    """(overview, metadata document without the overview) for movies not held out: story -> film."""
    return [(texts[i].description, _metadata(texts[i])) for i in _anchor_ids(texts, exclude, limit, seed)]


def _anchor_ids(texts: dict[int, MovieText], exclude: set[int], limit: int, seed: int) -> list[int]:
    ids = sorted(movie_id for movie_id, text in texts.items() if text.description and movie_id not in exclude)
    random.Random(seed).shuffle(ids)
    return ids[:limit]


def _metadata(text: MovieText) -> str:
    return movie_document(replace(text, description=""))


# How much each shared trait makes another movie a convincing wrong answer: a shared director or
# keyword says more about the film than a shared genre (Drama alone is shared by half a catalog).
_TRAIT_WEIGHTS = {"genre": 1, "keyword": 2, "director": 2}


def _traits(text: MovieText) -> list[tuple[str, str]]:
    return (
        [("genre", g) for g in text.genres]
        + [("keyword", k) for k in text.keywords]
        + [("director", d) for d in text.directors]
    )


def hard_negative_for(
    movie_id: int, texts: dict[int, MovieText], index: dict[tuple[str, str], list[int]], rng: random.Random
) -> int | None:
    """Another movie sharing the most (weighted) traits with this one; ties drawn by `rng`; None if none shares any."""
    overlap: Counter[int] = Counter()
    for trait in _traits(texts[movie_id]):
        for other in index.get(trait, ()):
            if other != movie_id:
                overlap[other] += _TRAIT_WEIGHTS[trait[0]]
    if not overlap:
        return None
    best = max(overlap.values())
    return rng.choice(sorted(other for other, weight in overlap.items() if weight == best))


def overview_triplets(
    texts: dict[int, MovieText], *, exclude: set[int], limit: int, seed: int
) -> list[tuple[str, str] | tuple[str, str, str]]:
    """overview_pairs plus, per pair, the metadata document of a similar but different movie.

    Random in-batch negatives are mostly easy (a heist film against a romance); a negative that
    shares the genre, director or keywords forces the model to read the story. Held-out movies are
    never used as negatives either, so evaluation stays unseen. A movie sharing nothing stays a pair.
    """
    candidates = {movie_id: text for movie_id, text in texts.items() if movie_id not in exclude}
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for movie_id, text in candidates.items():
        for trait in _traits(text):
            index[trait].append(movie_id)
    rng = random.Random(seed)
    examples: list[tuple[str, str] | tuple[str, str, str]] = []
    for movie_id in _anchor_ids(texts, exclude, limit, seed):
        pair = (texts[movie_id].description, _metadata(texts[movie_id]))
        negative = hard_negative_for(movie_id, candidates, index, rng)
        examples.append(pair if negative is None else (*pair, _metadata(candidates[negative])))
    return examples


def contrastive_examples(
    texts: dict[int, MovieText], *, exclude: set[int], config: ContrastiveConfig
) -> list[tuple[str, str] | tuple[str, str, str]]:
    """The training examples `config` asks for: triplets with hard negatives, or plain pairs."""
    build = overview_triplets if config.hard_negatives else overview_pairs
    return build(texts, exclude=exclude, limit=config.max_pairs, seed=config.seed)


def request_triplets(
    requests: Sequence[tuple[str, Sequence[int]]],
    texts: dict[int, MovieText],
    documents: dict[int, str],
    *,
    per_request: int = 2,
    seed: int = 0,
) -> list[tuple[str, str] | tuple[str, str, str]]:
    """(request, document of a film that answers it, document of a similar film that does not).

    `requests` are (text, relevant movie ids), train split only; up to `per_request` positives are
    drawn from each relevant set, so a vague request with 150 films does not outweigh a precise
    one. The hard negative shares the most traits with the positive (hard_negative_for) but is not
    relevant to the request; without one the example stays a pair (in-batch negatives only)."""
    rng = random.Random(seed)
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for movie_id, text in texts.items():
        if movie_id in documents:
            for trait in _traits(text):
                index[trait].append(movie_id)
    examples: list[tuple[str, str] | tuple[str, str, str]] = []
    for query, relevant in requests:
        usable = [movie_id for movie_id in relevant if movie_id in documents and movie_id in texts]
        for positive in rng.sample(usable, min(per_request, len(usable))):
            negative = hard_negative_for(positive, texts, index, rng)
            if negative is None or negative in relevant:
                examples.append((query, documents[positive]))
            else:
                examples.append((query, documents[positive], documents[negative]))
    rng.shuffle(examples)
    return examples


def coliked_pairs(
    liked_by_user: dict[int, list[int]],
    documents: dict[int, str],
    *,
    limit: int,
    seed: int,
    per_user: int = 8,
    per_movie: int = 12,
) -> list[tuple[str, str]]:
    """(document, document) of two distinct movies the same user liked: text learns co-consumption.

    The caller decides what "liked" means and which ratings count (for evaluation: the
    validation-fit ratings only, so no held-out item is ever seen); this sees only what it is given.
    Drawing pairs uniformly would let heavy raters (hundreds of likes, so tens of thousands of
    pairs) and blockbusters (liked by half the users) fill the set, and the model would learn
    "popular" rather than taste. So users take turns, one pair per turn in a shuffled order, at
    most `per_user` pairs each, and a movie joins at most `per_movie` pairs; a pair is drawn once.
    Each pair's orientation is random (the loss is not symmetric). Movies without a document are skipped.
    """
    rng = random.Random(seed)
    liked = {
        user: [movie for movie in dict.fromkeys(movies) if documents.get(movie)]
        for user, movies in sorted(liked_by_user.items())
    }
    users = [user for user, movies in liked.items() if len(movies) >= 2]
    rng.shuffle(users)
    taken: Counter[int] = Counter()
    used_by_user: Counter[int] = Counter()
    seen: set[tuple[int, int]] = set()
    pairs: list[tuple[str, str]] = []
    while len(pairs) < limit and users:
        still = []
        for user in users:
            if len(pairs) >= limit:
                break
            open_movies = [movie for movie in liked[user] if taken[movie] < per_movie]
            pair = None
            for _ in range(10):  # a few tries for an unused pair; a user with none left drops out
                if len(open_movies) < 2:
                    break
                a, b = rng.sample(open_movies, 2)
                if (min(a, b), max(a, b)) not in seen:
                    pair = (a, b)
                    break
            if pair is None:
                continue
            seen.add((min(pair), max(pair)))
            taken.update(pair)
            used_by_user[user] += 1
            pairs.append((documents[pair[0]], documents[pair[1]]))
            if used_by_user[user] < per_user:
                still.append(user)
        users = still
    return pairs


def fine_tune(
    base_model: Path,
    pairs: Sequence[tuple[str, str] | tuple[str, str, str]],
    config: ContrastiveConfig,
    output: Path,
    progress: Callable[[int, int, float], None] | None = None,
) -> Path:
    """Train on `pairs` (query, document[, hard negative]) and save a sentence-transformers folder at `output`."""
    import torch
    import torch.nn.functional as F
    from sentence_transformers import SentenceTransformer

    if len(pairs) < 2:
        raise ValueError("contrastive training needs at least two pairs (in-batch negatives)")
    torch.manual_seed(config.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SentenceTransformer(str(base_model), device=device, local_files_only=True)
    model.max_seq_length = config.max_seq_length
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)
    order = list(range(len(pairs)))
    batches_per_epoch = (len(pairs) + config.batch_size - 1) // config.batch_size
    total, step = batches_per_epoch * config.epochs, 0
    for epoch in range(config.epochs):
        random.Random(config.seed + epoch).shuffle(order)
        for start in range(0, len(order), config.batch_size):
            batch = [pairs[i] for i in order[start : start + config.batch_size]]
            if len(batch) < 2:
                continue  # a lone pair has no in-batch negative
            positives = [example[1] for example in batch]
            candidates = positives + [example[2] for example in batch if len(example) > 2]
            queries = _embed(model, [example[0] for example in batch], device)
            documents = _embed(model, candidates, device)
            scores = F.normalize(queries, dim=-1) @ F.normalize(documents, dim=-1).T * config.scale
            # A hard negative can be another query's positive, even this query's own document:
            # such a column is the right answer, not a negative, so it must not be pushed away.
            duplicate = [[c != row and text == positives[row] for c, text in enumerate(candidates)]
                         for row in range(len(batch))]  # fmt: skip
            scores = scores.masked_fill(torch.tensor(duplicate, device=device), float("-inf"))
            loss = F.cross_entropy(scores, torch.arange(len(batch), device=device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if progress:
                progress(step, total, loss.item())
    model.eval()
    output.mkdir(parents=True, exist_ok=True)
    model.save(str(output))
    return output


def _embed(model, texts: list[str], device: str):
    # tokenize() also returns bookkeeping entries that are not tensors; only tensors move.
    features = {
        name: value.to(device) if hasattr(value, "to") else value for name, value in model.tokenize(texts).items()
    }
    return model(features)["sentence_embedding"]
