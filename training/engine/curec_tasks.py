"""CURec alignment pretraining tasks: pick the next movie from a chronological history. Plain Python.

The seed (CURec, arXiv 2508.07595) first teaches the LLM to reason from a collaborative
perspective: it reads what a person watched, oldest first, analyses it, and picks the movie they
watched next from a short candidate list. Answers follow one fixed format, so three rule-based
rewards can score any output: format (the reasoning, then the answer), legality (the answer is one
of the candidates) and correctness (it is the movie actually watched next).

Everything here reads the training split only: the target of an example is a later rating of the
same training history, never a held-out one.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import numpy as np

from recommender.engine.cf.data import Interactions

SYSTEM = (
    "You recommend movies. Read the person's viewing history, oldest first, and pick the one "
    "candidate they will watch next. Reply in exactly this format, and nothing else:\n"
    "Reasoning: <one sentence about their taste>\n"
    "Answer: <the number of one candidate>\n\n"
    "For example:\n"
    "Reasoning: They rate family comedies highly and lately watch animated films.\n"
    "Answer: 2"
)
# The answer is started for the model: it continues after "Reasoning:", as GRPO recipes pre-fill a
# "<think>" tag. The rewards read the pre-fill and the continuation together.
PREFILL = "Reasoning:"
_ANSWER = re.compile(r"^\s*Reasoning:\s*(?P<reasoning>\S.*?)\s*\n\s*Answer:\s*(?P<answer>[^\n]*?)\s*$", re.S)
_ANSWER_LINE = re.compile(r"^\s*Answer:\s*\(?(\d{1,2})[.)]?\s*$", re.M)


@dataclass(frozen=True)
class AlignmentTask:
    user_id: int
    history: tuple[str, ...]  # "Title (year), 4.5 stars", oldest first
    candidates: tuple[str, ...]  # titles, shown numbered from 1
    target: int  # 1-based number of the movie watched next
    timestamp: int  # when it was watched: tasks are processed in this order

    def conversation(self) -> list[dict]:
        history = "\n".join(f"- {line}" for line in self.history)
        candidates = "\n".join(f"{n}. {title}" for n, title in enumerate(self.candidates, start=1))
        question = f"Viewing history (oldest first):\n{history}\n\nCandidates:\n{candidates}"
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]


def alignment_tasks(
    train: Interactions,
    labels: dict[int, str],
    *,
    tasks: int,
    history: int = 10,
    candidates: int = 5,
    min_rating: float = 4.0,
    seed: int = 0,
) -> list[AlignmentTask]:
    """`tasks` examples in chronological order (the seed processes interactions as they happened).

    Each picks a user and a rating of theirs >= `min_rating` with at least `history` earlier
    ratings; the candidates are that movie and `candidates - 1` movies the user never rated,
    drawn by popularity (so the answer cannot be guessed from obscurity), shuffled.
    """
    rng = random.Random(seed)
    known = np.array(sorted(item for item in np.unique(train.item_ids).tolist() if item in labels))
    counts = np.bincount(np.searchsorted(known, train.item_ids[np.isin(train.item_ids, known)]), minlength=len(known))
    popularity = counts / counts.sum()
    by_user: dict[int, np.ndarray] = {}
    for user in np.unique(train.user_ids).tolist():
        rows = np.flatnonzero(train.user_ids == user)
        by_user[user] = rows[np.lexsort((train.item_ids[rows], train.timestamps[rows]))]
    eligible = [
        (user, position)
        for user, rows in by_user.items()
        for position in range(history, len(rows))
        if train.ratings[rows[position]] >= min_rating and int(train.item_ids[rows[position]]) in labels
    ]
    chosen = rng.sample(eligible, min(tasks, len(eligible)))
    numpy_rng = np.random.default_rng(seed)
    result = []
    for user, position in chosen:
        rows = by_user[user]
        target = int(train.item_ids[rows[position]])
        seen = set(train.item_ids[rows].tolist())
        others: list[int] = []
        while len(others) < candidates - 1:
            for item in numpy_rng.choice(known, size=candidates * 3, p=popularity).tolist():
                if item not in seen and item not in others and len(others) < candidates - 1:
                    others.append(item)
        order = [target, *others]
        rng.shuffle(order)
        past = rows[position - history : position]
        lines = tuple(f"{labels[int(train.item_ids[r])]}, {float(train.ratings[r]):g} stars" for r in past
                      if int(train.item_ids[r]) in labels)  # fmt: skip
        result.append(AlignmentTask(
            user_id=user, history=lines, candidates=tuple(labels[item] for item in order),
            target=order.index(target) + 1, timestamp=int(train.timestamps[rows[position]]),
        ))  # fmt: skip
    return sorted(result, key=lambda task: (task.timestamp, task.user_id))


def parse_answer(text: str) -> tuple[str, str] | None:
    """(reasoning, answer) when `text` follows the format exactly, else None."""
    match = _ANSWER.match(text)
    if match is None or "Answer:" in match.group("reasoning"):
        return None
    return match.group("reasoning"), match.group("answer")


def answer_number(text: str, candidate_count: int) -> int | None:
    """The candidate the output picked (1-based): the number on its first "Answer:" line, when that
    names one of the candidates (the format need not be exact: format_reward judges that)."""
    match = _ANSWER_LINE.search(text)
    number = int(match.group(1)) if match else None
    return number if number is not None and 1 <= number <= candidate_count else None


# --- rewards: trl calls each with the completions and the data set's columns as keyword lists ---


def _texts(completions, prefill=None) -> list[str]:
    """The answers as text: trl hands conversational completions as [{"role": "assistant", "content": ...}],
    and a pre-filled prompt's completion lacks the pre-fill (the `prefill` column, one per row)."""
    texts = [c[0]["content"] if isinstance(c, list) else str(c) for c in completions]
    return [p + t for p, t in zip(prefill, texts, strict=True)] if prefill is not None else texts


def format_score(text: str) -> float:
    """1 for the exact format; a quarter for each of its parts otherwise (an opening "Reasoning:",
    an "Answer:" line), so a small model that half follows it is told which way is better."""
    if parse_answer(text) is not None:
        return 1.0
    return 0.25 * text.lstrip().startswith("Reasoning:") + 0.25 * bool(re.search(r"^\s*Answer:", text, re.M))


def format_reward(completions, prefill=None, **columns) -> list[float]:
    return [format_score(text) for text in _texts(completions, prefill)]


def legality_reward(completions, candidate_count, prefill=None, **columns) -> list[float]:
    texts = _texts(completions, prefill)
    return [1.0 if answer_number(t, n) is not None else 0.0 for t, n in zip(texts, candidate_count, strict=True)]


def correctness_reward(completions, candidate_count, target, prefill=None, **columns) -> list[float]:
    texts = _texts(completions, prefill)
    return [1.0 if answer_number(t, n) == g else 0.0 for t, n, g in zip(texts, candidate_count, target, strict=True)]


REWARDS = {"format": format_reward, "legality": legality_reward, "correctness": correctness_reward}
