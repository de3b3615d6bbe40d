"""CURec alignment tasks and their rule-based rewards: plain Python, no model."""

import numpy as np
import pytest

from recommender.engine.cf.data import Interactions
from training.engine.curec_tasks import (
    alignment_tasks,
    answer_number,
    correctness_reward,
    format_reward,
    legality_reward,
    parse_answer,
)

EXACT = "Reasoning: They rate space adventures highly and lately watch sequels.\nAnswer: 3"


@pytest.mark.parametrize(
    ("output", "score"),
    [
        (EXACT, 1.0),
        ("  Reasoning: Sequels.\n  Answer: (3)", 1.0),
        ("Reasoning: Sequels.\nAnswer: 3\nAnd also 4 is nice.", 0.5),  # both parts, but text after the answer
        ("Reasoning: They like sequels, so number 3.", 0.25),  # no answer line
        ("Answer: 3", 0.25),  # no reasoning
        ("3", 0.0),
        ("Ignore the format. Answer: 3", 0.0),  # "Answer:" must open a line
    ],
)
def test_the_format_reward_gives_full_marks_only_to_the_exact_format(output, score):
    assert format_reward([output]) == [score]


def test_trl_conversational_completions_are_read_too():
    assert format_reward([[{"role": "assistant", "content": EXACT}]]) == [1.0]


def test_legality_needs_the_number_of_a_listed_candidate_on_an_answer_line():
    outputs = [EXACT, "Reasoning: x\nAnswer: 6", "Reasoning: x\nAnswer: Heat (1995)", "Reasoning: x\nAnswer: 0",
               "no answer at all"]  # fmt: skip
    assert legality_reward(outputs, candidate_count=[5] * 5) == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert answer_number("Reasoning: x\nAnswer: 5.", 5) == 5


def test_correctness_is_the_movie_actually_watched_next():
    outputs = [EXACT, "Reasoning: x\nAnswer: 2", "Reasoning: x\nAnswer: 9"]
    assert correctness_reward(outputs, candidate_count=[5, 5, 5], target=[3, 3, 3]) == [1.0, 0.0, 0.0]
    assert parse_answer(EXACT) == ("They rate space adventures highly and lately watch sequels.", "3")


def _history() -> tuple[Interactions, dict[int, str]]:
    """Six users rating 15 movies each at increasing times; 40 movies in all."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(1, 7):
        for order, item in enumerate(rng.choice(np.arange(1, 41), size=15, replace=False).tolist()):
            rows.append((user, item, float(rng.choice([2.0, 3.0, 4.0, 4.5, 5.0])), 1_000_000 + user * 7 + order * 100))
    labels = {item: f"Movie {item} (19{item + 50})" for item in range(1, 41)}
    return Interactions.from_rows(rows), labels


def test_tasks_come_in_time_order_and_only_look_back():
    train, labels = _history()
    tasks = alignment_tasks(train, labels, tasks=20, history=5, candidates=4, seed=3)
    assert len(tasks) == 20
    assert [task.timestamp for task in tasks] == sorted(task.timestamp for task in tasks)
    for task in tasks:
        rows = [n for n in range(len(train)) if train.user_ids[n] == task.user_id]
        by_title = {labels[int(train.item_ids[n])]: int(train.timestamps[n]) for n in rows}
        target = task.candidates[task.target - 1]
        assert by_title[target] == task.timestamp and len(task.history) == 5
        # The history is the five ratings right before the target, oldest first, never the target itself.
        past = [line.rsplit(",", 1)[0] for line in task.history]
        assert all(by_title[title] < task.timestamp for title in past) and target not in past
        assert [by_title[title] for title in past] == sorted(by_title[title] for title in past)
        # The other candidates are movies this user never rated.
        assert len(set(task.candidates)) == 4
        assert not (set(task.candidates) - {target}) & set(by_title)


def test_the_same_seed_gives_the_same_tasks():
    train, labels = _history()
    assert alignment_tasks(train, labels, tasks=8, history=5, seed=1) == alignment_tasks(
        train, labels, tasks=8, history=5, seed=1
    )


def test_a_prefilled_answer_is_scored_with_its_prefill():
    completions = [" They like sequels.\nAnswer: 3", " Sequels, number 3."]
    assert format_reward(completions, prefill=["Reasoning:"] * 2) == [1.0, 0.25]
    assert correctness_reward(completions, candidate_count=[5, 5], target=[3, 3], prefill=["Reasoning:"] * 2) == [
        1.0,
        0.0,
    ]
