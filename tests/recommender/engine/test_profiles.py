"""Preference profiles from favourite movies (pure engine): favourites ordering, cleaning, grounding
with retry and template fallback, batching, and a train/test split proving only training items reach
the model."""

from __future__ import annotations

from recommender.engine.cf.data import Interactions
from recommender.engine.evaluation.splits import stratified_split
from recommender.engine.llm.client import LLM
from recommender.engine.llm.profiles import (
    FROM_MODEL,
    FROM_MODEL_RETRY,
    FROM_TEMPLATE,
    NO_FAVOURITES,
    RETRY_TEMPERATURE,
    favourite_items,
    favourites_by_user,
    intent_statement,
    profile_clean,
    profile_from_favourites,
    profile_problems,
    profile_template,
    profiles_from_favourites,
)
from recommender.engine.llm.prompts import MovieFacts

HEAT = MovieFacts(
    "Heat", 1995, ["Action", "Crime", "Thriller"], keywords=["bank robbery", "heist"], directors=["Michael Mann"]
)
RONIN = MovieFacts("Ronin", 1998, ["Action", "Crime", "Thriller"], keywords=["heist", "car chase"])
TOY_STORY = MovieFacts("Toy Story", 1995, ["Animation", "Children", "Comedy"], keywords=["toy", "friendship"])


class ScriptedLLM(LLM):
    """Answers from a list, in order, and records every conversation and temperature it was given."""

    name = "scripted"

    def __init__(self, answers):
        self.answers = list(answers)
        self.seen: list[list[dict]] = []
        self.temperatures: list[float] = []

    def generate(self, conversations, *, max_new_tokens=96, temperature=0.0):
        self.seen.extend(conversations)
        self.temperatures.extend([temperature] * len(conversations))
        return [self.answers.pop(0) for _ in conversations]


def test_favourite_items_are_highest_rated_then_most_recent():
    ratings = [(1, 4.0, 500), (2, 5.0, 100), (3, 5.0, 300), (4, 4.5, 900), (5, 3.5, 999), (6, 5.0, 300)]
    assert favourite_items(ratings, n=4) == [3, 6, 2, 4]  # 5.0 by recency (ties by id), then 4.5
    assert favourite_items(ratings) == [3, 6, 2, 4, 1]  # 3.5 is not a favourite
    assert favourite_items(ratings, min_rating=0) == [3, 6, 2, 4, 1, 5]
    assert favourite_items([(7, 2.0, 1)]) == [] and favourite_items([]) == []


def test_favourite_items_count_an_item_once_with_its_best_rating():
    assert favourite_items([(1, 4.0, 900), (1, 5.0, 100), (2, 4.5, 500)]) == [1, 2]


def test_profile_clean_keeps_one_paragraph_of_whole_sentences():
    raw = 'Sure! "I love heist movies like Heat. I also enjoy Ronin for its car chase." \n\nMore text. And a cut'
    assert profile_clean(raw) == "I love heist movies like Heat. I also enjoy Ronin for its car chase."
    assert profile_clean("I love heist movies. I also like the way they") == "I love heist movies."
    assert profile_clean("I love heist movies and") == ""
    assert len(profile_clean("I love heist movies. " * 100)) <= 1000


def test_template_is_grounded_in_the_favourites_facts_only():
    text = profile_template([HEAT, RONIN, TOY_STORY])
    assert text.startswith("I love Action and Crime movies, especially Heat, Ronin and Toy Story")
    assert "heist" in text and profile_problems(text, [HEAT, RONIN, TOY_STORY]) == []
    bare = MovieFacts("Clerks", None)
    assert (
        profile_template([bare]) == "I love movies like Clerks."
        and profile_problems("I love movies like Clerks.", [bare]) == []
    )


def test_a_grounded_answer_is_accepted_on_the_first_try():
    llm = ScriptedLLM(["I love tense Crime movies like Heat and Ronin, especially a good heist."])
    text, detail = profile_from_favourites(llm, [HEAT, RONIN])
    assert (text, detail) == ("I love tense Crime movies like Heat and Ronin, especially a good heist.", FROM_MODEL)
    assert llm.temperatures == [0.0]
    assert "Heat (1995)" in llm.seen[0][-1]["content"] and "Ronin (1998)" in llm.seen[0][-1]["content"]


def test_an_invented_name_is_retried_with_sampling_then_accepted():
    llm = ScriptedLLM(["I love films by Quentin Tarantino.", "I love Michael Mann movies like Heat."])
    assert profile_from_favourites(llm, [HEAT, RONIN]) == ("I love Michael Mann movies like Heat.", FROM_MODEL_RETRY)
    assert llm.temperatures == [0.0, RETRY_TEMPERATURE]


def test_the_template_replaces_text_that_stays_ungrounded():
    llm = ScriptedLLM(['I love "Pulp Fiction" and anything from 1972.', "I love Al Pacino in Scarface."])
    text, detail = profile_from_favourites(llm, [HEAT, RONIN])
    assert detail == FROM_TEMPLATE and text == profile_template([HEAT, RONIN])
    assert "Pacino" not in text and "Pulp" not in text and profile_problems(text, [HEAT, RONIN]) == []


def test_a_batch_generates_in_one_call_per_attempt_and_keeps_the_order():
    llm = ScriptedLLM(
        [
            "I love Ronin and car chase movies.",  # user 1: accepted
            "I love Woody Allen.",  # user 2: rejected, retried
            "Still Woody Allen.",  # user 2's retry: rejected -> template
        ]
    )
    results = profiles_from_favourites(llm, [[RONIN], [TOY_STORY], []])
    assert results[0] == ("I love Ronin and car chase movies.", FROM_MODEL)
    assert results[1] == (profile_template([TOY_STORY]), FROM_TEMPLATE)
    assert results[2] == ("", NO_FAVOURITES)
    assert llm.temperatures == [0.0, 0.0, RETRY_TEMPERATURE]  # two calls: the batch, then the one retry


def test_profile_generation_sees_only_training_items():
    """A user's ratings split into train/test: the prompts the model receives never name a test movie."""
    catalogue = {item: MovieFacts(f"Film Number {item}", 1980 + item % 30, ["Drama"]) for item in range(1, 51)}
    rows = [(7, item, 5.0 if item % 2 else 4.0, 1000 + item) for item in range(1, 41)]
    rows += [(8, item, 4.5, 2000 + item) for item in range(41, 51)]  # another user, other movies
    train, test = stratified_split(Interactions.from_rows(rows), test_fraction=0.25, seed=42)
    test_items = set(test.item_ids[test.user_ids == 7].tolist())
    assert len(test_items) == 10

    favourites = favourites_by_user(train)
    assert favourites[7] and not set(favourites[7]) & test_items
    llm = ScriptedLLM(["I love Mel Gibson."] * 4)  # every answer rejected: both attempts are recorded
    profiles_from_favourites(llm, [[catalogue[item] for item in favourites[user]] for user in (7, 8)])

    prompts = "\n".join(message["content"] for conversation in llm.seen for message in conversation)
    assert len(llm.seen) == 4 and "Film Number" in prompts
    for item in test_items:
        assert f"{catalogue[item].label}:" not in prompts and f"Film Number {item} (" not in prompts


def test_an_intent_statement_describes_the_movies_without_naming_them():
    text = intent_statement([HEAT, RONIN])
    assert text == "I'm in the mood for Action and Crime movies, something about heist, bank robbery and car chase."
    assert "Heat" not in text and "Ronin" not in text and "1995" not in text and "Mann" not in text
    assert intent_statement([MovieFacts("Untitled")]) == ""
