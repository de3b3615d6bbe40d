"""A synthetic MovieLens folder shaped like the official ml-25m, at any size, for scale tests.

No MovieLens data is used or shipped: the shape comes from ml-25m's published summary statistics
(25,000,095 ratings by 162,541 users of 59,047 movies; every user has at least 20 ratings; a
heavy-tailed popularity where the most-rated film has about 81,000 ratings; half-star values with
mean 3.53; timestamps from January 1995 to November 2019; 19 genres plus "(no genres listed)").
The files are written in the official CSV layout (movies.csv, ratings.csv), so what a scale
benchmark measures is the real importer.

Taste is a low-rank user x movie term. It decides which movies people rate (each person keeps
the movies that suit them best, with noise, from a popularity-weighted pool, as real people choose
what to watch) and, with movie quality, user leniency and noise, the values, mapped onto ml-25m's
value distribution by rank. So a recommender fitted on the data has something to learn beyond
popularity: ranking quality at 1M beside 100k is a sanity check, not a target. (With choice by
popularity alone, popularity was the best possible ranking: NDCG@10 0.287 against EASE's 0.263
at 100k.)
Deterministic for a seed. Plain numpy and pandas: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ML25M_RATINGS = 25_000_095
ML25M_USERS = 162_541
ML25M_RATED_MOVIES = 59_047
MIN_RATINGS_PER_USER = 20
GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
          "Western"]  # fmt: skip
# ml-25m's share of each half-star value, 0.5 to 5.0 (sums to 1).
VALUE_SHARES = np.array([0.0157, 0.0315, 0.0159, 0.0664, 0.0505, 0.1960, 0.1265, 0.2655, 0.0852, 0.1468])
VALUE_SHARES = VALUE_SHARES / VALUE_SHARES.sum()
FIRST_TIMESTAMP, LAST_TIMESTAMP = 789_652_009, 1_574_327_703  # 1995-01-09 .. 2019-11-21
TASTE_FACTORS = 8
CHOICE_POOL = 3  # each person chooses their movies from a popularity-weighted pool this many times larger


@dataclass(frozen=True)
class SyntheticShape:
    ratings: int
    users: int
    movies: int

    @classmethod
    def for_ratings(cls, ratings: int) -> SyntheticShape:
        """Users scale with ratings (ml-25m's 154 ratings per user); the catalogue grows slower, as
        real catalogues do (at 100k ratings about 2,300 movies; at 25M, ml-25m's 59,047)."""
        if ratings < 1000:
            raise ValueError("at least 1,000 ratings")
        share = ratings / ML25M_RATINGS
        users = max(50, round(ML25M_USERS * share))
        movies = max(200, round(ML25M_RATED_MOVIES * share**0.6))
        return cls(ratings=ratings, users=users, movies=movies)


def parse_size(text: str) -> int:
    """'100k', '1M', '2.5m', '25000000' -> a number of ratings."""
    text = text.strip().lower().replace("_", "").replace(",", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    try:
        value = float(number) * scale
    except ValueError:
        raise ValueError(f"{text!r} is not a size (use e.g. 100k, 1M, 25M)") from None
    if value < 1000:
        raise ValueError(f"{text!r}: at least 1k ratings")
    return int(value)


def write_synthetic_movielens(folder: Path, ratings: int, seed: int = 42, progress=None) -> SyntheticShape:
    """Write movies.csv and ratings.csv for about `ratings` ratings (a few fewer, rounding each
    user's share down). Returns the shape with the exact count written."""
    say = progress or (lambda message: None)
    shape = SyntheticShape.for_ratings(ratings)
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    say(f"movies: {shape.movies:,}")
    movie_factors = rng.normal(size=(shape.movies, TASTE_FACTORS)).astype(np.float32)
    _movies_frame(shape.movies, movie_factors, rng).to_csv(folder / "movies.csv", index=False)

    say(f"users: {shape.users:,}, ratings: about {shape.ratings:,}")
    user_factors = rng.normal(size=(shape.users, TASTE_FACTORS)).astype(np.float32) / np.sqrt(TASTE_FACTORS)
    user_ids, movie_index = _pairs(shape, user_factors, movie_factors, rng)
    values = _values(user_ids, movie_index, user_factors, movie_factors, shape, rng)
    timestamps = _timestamps(user_ids, shape.users, rng)
    frame = pd.DataFrame({"userId": user_ids + 1, "movieId": movie_index + 1, "rating": values,
                          "timestamp": timestamps})  # fmt: skip
    say(f"writing {len(frame):,} ratings")
    frame.to_csv(folder / "ratings.csv", index=False, float_format="%.1f", chunksize=1_000_000)
    return SyntheticShape(ratings=len(frame), users=shape.users, movies=shape.movies)


def _movies_frame(count: int, factors: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    # Genres follow the taste factors, so people's tastes and genres agree as they do in real data.
    genre_weights = rng.normal(size=(TASTE_FACTORS, len(GENRES)))
    affinity = factors @ genre_weights
    genre_count = rng.choice([0, 1, 2, 3, 4], size=count, p=[0.01, 0.35, 0.35, 0.2, 0.09])
    ranked = np.argsort(-affinity, axis=1)
    years = np.clip(np.round(2019 - rng.exponential(18, size=count)), 1902, 2019).astype(int)
    rows = []
    for n in range(count):
        names = sorted(GENRES[g] for g in ranked[n, : genre_count[n]])
        rows.append((n + 1, f"Synthetic Film {n + 1} ({years[n]})", "|".join(names) or "(no genres listed)"))
    return pd.DataFrame(rows, columns=["movieId", "title", "genres"])


def _pairs(shape: SyntheticShape, user_factors, movie_factors, rng) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (user, movie) pairs: log-normal activity with at least 20 each; a pool drawn by
    Zipf-like popularity, from which each person keeps the movies that suit their taste best."""
    activity = rng.lognormal(mean=0.0, sigma=1.3, size=shape.users)
    extra = shape.ratings - MIN_RATINGS_PER_USER * shape.users
    counts = MIN_RATINGS_PER_USER + np.floor(activity / activity.sum() * max(extra, 0)).astype(np.int64)
    cap = shape.movies // 2
    for _ in range(20):  # nobody rates more than half the catalogue: hand the surplus to the others
        surplus = np.maximum(counts - cap, 0).sum()
        counts = np.minimum(counts, cap)
        room = counts < cap
        if surplus == 0 or not room.any():
            break
        counts[room] += np.floor(activity[room] / activity[room].sum() * surplus).astype(np.int64)
    popularity = 1.0 / np.arange(25, shape.movies + 25) ** 0.95
    popularity = rng.permutation(popularity)  # popular films are not the low ids
    cumulative = np.cumsum(popularity / popularity.sum())
    keys = np.empty(0, dtype=np.int64)  # user * movies + movie, distinct
    pool = np.minimum(counts * CHOICE_POOL, shape.movies * 3 // 4)
    need = pool.copy()
    for _ in range(8):  # draw, drop repeats, draw again for whoever is still short
        owners = np.repeat(np.arange(shape.users, dtype=np.int64), np.ceil(need * 1.2).astype(np.int64))
        draws = np.searchsorted(cumulative, rng.random(len(owners)), side="right").clip(0, shape.movies - 1)
        keys = np.unique(np.concatenate([keys, owners * shape.movies + draws]))
        have = np.bincount(keys // shape.movies, minlength=shape.users)
        need = np.maximum(pool - have, 0)
        if not need.any():
            break
    owners, movies = keys // shape.movies, keys % shape.movies
    # Each person keeps the `count` movies of their pool with the highest taste plus Gumbel noise:
    # a draw without replacement with odds exp(taste), so taste tilts the choice without fixing it.
    preference = _taste(owners, movies, user_factors, movie_factors) + rng.gumbel(size=len(keys))
    order = np.lexsort((-preference, owners))
    owners, movies = owners[order], movies[order]
    rank_in_user = np.arange(len(owners)) - np.searchsorted(owners, owners, side="left")
    keep = rank_in_user < counts[owners]
    return owners[keep], movies[keep]


def _taste(users, movies, user_factors, movie_factors) -> np.ndarray:
    taste = np.empty(len(users), dtype=np.float32)
    for start in range(0, len(users), 2_000_000):  # in chunks: 25M x 8 factors at once is 800 MB
        part = slice(start, start + 2_000_000)
        taste[part] = np.einsum("ij,ij->i", user_factors[users[part]], movie_factors[movies[part]])
    return taste


def _values(users, movies, user_factors, movie_factors, shape: SyntheticShape, rng) -> np.ndarray:
    """Half-star values: taste, quality, leniency and noise, mapped onto ml-25m's shares by rank."""
    quality = rng.normal(scale=0.6, size=shape.movies)
    leniency = rng.normal(scale=0.5, size=shape.users)
    score = _taste(users, movies, user_factors, movie_factors) + quality[movies] + leniency[users]
    score += rng.normal(scale=0.7, size=len(users)).astype(np.float32)
    bounds = np.floor(np.cumsum(VALUE_SHARES)[:-1] * len(score)).astype(np.int64)
    ranks = np.empty(len(score), dtype=np.int64)
    ranks[np.argsort(score, kind="stable")] = np.arange(len(score))
    return (np.searchsorted(bounds, ranks, side="right") + 1) / 2.0


def _timestamps(users: np.ndarray, user_count: int, rng: np.random.Generator) -> np.ndarray:
    """Each user arrives some day in 1995-2019 and rates in a burst over the following weeks."""
    arrival = rng.integers(FIRST_TIMESTAMP, LAST_TIMESTAMP - 86_400 * 30, size=user_count)
    offsets = rng.exponential(86_400 * 7, size=len(users)).astype(np.int64)
    return np.minimum(arrival[users] + offsets, LAST_TIMESTAMP)
