"""CURec's reward model: does this movie suit this person, read through texts and ids? (torch)

Built like a classic recommender, as the seed describes: the user's interest pattern (a text
vector) is the query of a multi-head attention over the movie's reasons (text vectors); the
attended reasons, the pattern, user and item id embeddings and an encoding of the user's history
(the mean of their movies' embeddings, DIN-style interacting with the candidate) go through an
MLP that predicts an interaction. Trained with sampled negatives on the training split; a
movie's own rating is never in the history that predicts it.

`use_reasons=False` is the ablation: the same network without the pattern and the reasons.
Scoring a user costs one pass over the catalog with precomputed text vectors (milliseconds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from recommender.engine.cf.base import Recommender


@dataclass(frozen=True)
class RewardConfig:
    dim: int = 32  # id embeddings
    text_dim: int = 64  # texts projected to this before the attention
    heads: int = 4
    negatives: int = 4  # sampled non-interactions per interaction
    epochs: int = 4
    batch_size: int = 2048
    lr: float = 2e-3
    use_reasons: bool = True
    seed: int = 0


class CurecRewardModel(Recommender):
    kind = "curec_reward"
    config_class = RewardConfig

    def __init__(self, config: RewardConfig | None = None) -> None:
        super().__init__(config)
        self.patterns: dict[int, np.ndarray] = {}
        self.reasons: dict[int, np.ndarray] = {}

    def with_texts(self, patterns: dict[int, np.ndarray], reasons: dict[int, np.ndarray]) -> CurecRewardModel:
        """Text vectors to read: user id -> pattern vector, movie id -> (reasons, dim) matrix."""
        self.patterns, self.reasons = patterns, reasons
        return self

    # ---- fitting --------------------------------------------------------------------------------

    def _fit(self, user_pos: np.ndarray, item_pos: np.ndarray, ratings: np.ndarray) -> None:
        torch.manual_seed(self.config.seed)
        rng = np.random.default_rng(self.config.seed)
        self._texts_as_arrays()
        self.net = RewardNet(len(self.users), len(self.items), self.pattern_matrix.shape[1], self.config)
        optimiser = torch.optim.Adam(self.net.parameters(), lr=self.config.lr)
        loss_function = torch.nn.BCEWithLogitsLoss()
        n = self.config.negatives
        self.losses: list[float] = []
        for _ in range(self.config.epochs):
            users = np.repeat(user_pos, n + 1)
            items = np.concatenate([item_pos[:, None], rng.integers(0, len(self.items), (len(item_pos), n))], axis=1)
            labels = np.zeros_like(items, dtype=np.float32)
            labels[:, 0] = 1.0
            order = rng.permutation(len(users))
            users, items, labels = users[order], items.ravel()[order], labels.ravel()[order]
            self.net.train()
            for start in range(0, len(users), self.config.batch_size):
                batch = slice(start, start + self.config.batch_size)
                logits = self._logits(users[batch], items[batch], in_history=labels[batch])
                loss = loss_function(logits, torch.from_numpy(labels[batch]))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                self.losses.append(loss.detach().item())
        self.net.eval()
        self._item_keys = None  # projected reasons, computed on the first scoring

    def _texts_as_arrays(self) -> None:
        """Dense tensors aligned with the id indexes; missing texts are zero vectors, masked out."""
        dim = len(next(iter(self.patterns.values()))) if self.patterns else 1
        self.pattern_matrix = np.zeros((len(self.users), dim), dtype=np.float32)
        for position, user in enumerate(self.users.ids.tolist()):
            if user in self.patterns:
                self.pattern_matrix[position] = self.patterns[user]
        width = max((len(value) for value in self.reasons.values()), default=1)
        self.reason_tensor = np.zeros((len(self.items), width, dim), dtype=np.float32)
        self.reason_mask = np.ones((len(self.items), width), dtype=bool)  # True: padding, ignored
        for position, item in enumerate(self.items.ids.tolist()):
            vectors = self.reasons.get(item)
            if vectors is not None and len(vectors):
                self.reason_tensor[position, : len(vectors)] = vectors
                self.reason_mask[position, : len(vectors)] = False
        self.reason_mask[:, 0] = False  # attention needs one key per row: an empty row reads a zero vector

    def _logits(self, users: np.ndarray, items: np.ndarray, *, in_history: np.ndarray):
        """Training: texts projected per batch (the projections learn)."""
        history = self._history_means(users, items, in_history)
        query = self.net.query(torch.from_numpy(self.pattern_matrix[users]))
        keys = self.net.key(torch.from_numpy(self.reason_tensor[items]))
        items_tensor = torch.from_numpy(items.astype(np.int64))
        mask = torch.from_numpy(self.reason_mask[items])
        return self.net(torch.from_numpy(users.astype(np.int64)), items_tensor, history, query, keys, mask)

    def _history_means(self, users: np.ndarray, items: np.ndarray, in_history: np.ndarray):
        """Mean embedding of each user's training movies, without the candidate when it is one of them."""
        unique, inverse = np.unique(users, return_inverse=True)
        starts, ends = self.seen_indptr[unique], self.seen_indptr[unique + 1]
        flat = np.concatenate([self.seen_items[s:e] for s, e in zip(starts, ends, strict=True)]).astype(np.int64)
        offsets = np.r_[0, np.cumsum(ends - starts)[:-1]].astype(np.int64)
        sums = self.net.history(torch.from_numpy(flat), torch.from_numpy(offsets))[torch.from_numpy(inverse)]
        own = torch.from_numpy(in_history.astype(np.float32))[:, None]
        sums = sums - own * self.net.history.weight[torch.from_numpy(items.astype(np.int64))]
        counts = torch.from_numpy((ends - starts)[inverse].astype(np.float32))[:, None] - own
        return sums / counts.clamp(min=1.0)

    # ---- scoring --------------------------------------------------------------------------------

    def _score_user(self, u: int) -> np.ndarray:
        """Every item for one user: the reasons' projections are computed once after fitting, the
        pattern's once per user, so a user costs one pass of the small network over the catalog."""
        n = len(self.items)
        with torch.no_grad():
            if self._item_keys is None:
                self._item_keys = self.net.key(torch.from_numpy(self.reason_tensor))
                self._item_mask = torch.from_numpy(self.reason_mask)
            users, items = np.full(n, u), np.arange(n)
            history = self._history_means(users[:1], items[:1], np.zeros(1)).expand(n, -1)
            query = self.net.query(torch.from_numpy(self.pattern_matrix[u : u + 1])).expand(n, -1)
            users_tensor, items_tensor = torch.from_numpy(users.astype(np.int64)), torch.from_numpy(items)
            return self.net(users_tensor, items_tensor, history, query, self._item_keys, self._item_mask).numpy()

    def _score_ratings(self, positions: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        raise NotImplementedError("the CURec reward model scores training users only (no fold-in yet)")

    def _state(self):
        raise NotImplementedError("the CURec reward model is evaluated, not served yet")

    def _restore(self, arrays, scalars) -> None:
        raise NotImplementedError("the CURec reward model is evaluated, not served yet")


class RewardNet(nn.Module):
    def __init__(self, users: int, items: int, text_in: int, config: RewardConfig) -> None:
        super().__init__()
        d, t = config.dim, config.text_dim
        self.use_reasons = config.use_reasons
        self.user = nn.Embedding(users, d)
        self.item = nn.Embedding(items, d)
        self.history = nn.EmbeddingBag(items, d, mode="sum")
        for table in (self.user, self.item, self.history):
            nn.init.normal_(table.weight, std=0.05)
        self.query = nn.Linear(text_in, t)
        self.key = nn.Linear(text_in, t)
        self.attention = nn.MultiheadAttention(t, config.heads, batch_first=True)
        width = 4 * d + (2 * t if self.use_reasons else 0)
        self.mlp = nn.Sequential(nn.Linear(width, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, users, items, history, query, keys, mask):
        """`query`: the projected patterns (B, t); `keys`: the projected reasons (B, reasons, t)."""
        item = self.item(items)
        parts = [self.user(users), item, history, item * history]
        if self.use_reasons:
            attended, _ = self.attention(query[:, None, :], keys, keys, key_padding_mask=mask, need_weights=False)
            parts += [attended[:, 0, :], query]
        return self.mlp(torch.cat(parts, dim=1)).squeeze(1)
