"""CURec's texts and reward model on a tiny synthetic catalog: plain numpy and torch, no database."""

import numpy as np
import pytest

from recommender.engine.cf.data import Interactions
from recommender.engine.curec.patterns import write_texts
from recommender.engine.curec.reward import CurecRewardModel, RewardConfig
from recommender.engine.text.documents import MovieText

SPACE = [MovieText(f"Space Opera {n}", 1980 + n, ["Sci-Fi"], keywords=["spaceship", "alien"]) for n in range(10)]
COSTUME = [MovieText(f"Costume Drama {n}", 1990 + n, ["Drama", "Romance"], keywords=["ballroom", "manor"])
           for n in range(10)]  # fmt: skip
MOVIES = {n + 1: movie for n, movie in enumerate(SPACE + COSTUME)}  # ids 1-10 space, 11-20 costume


def _ratings() -> Interactions:
    """Twenty users: the first ten love the space operas, the rest the costume dramas; each rated
    eight of their kind highly and two of the other kind low, one a day."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(1, 21):
        liked, other = (range(1, 11), range(11, 21)) if user <= 10 else (range(11, 21), range(1, 11))
        chosen = [(item, 5.0) for item in rng.choice(list(liked), 8, replace=False).tolist()]
        chosen += [(item, 1.0) for item in rng.choice(list(other), 2, replace=False).tolist()]
        rows += [(user, item, value, 86_400 * day) for day, (item, value) in enumerate(chosen)]
    return Interactions.from_rows(rows)


def test_a_pattern_states_what_the_users_liked_movies_share_and_reasons_what_sets_their_likers_apart():
    texts = write_texts(_ratings(), MOVIES)
    assert texts.patterns[1].startswith("Loves sci-fi films; often about spaceship and alien; mostly from the 1980s")
    assert "lately watching sci-fi" in texts.patterns[1]
    assert texts.patterns[15].startswith("Loves drama and romance films; often about ballroom and manor")
    # Likers of a space opera are over-represented in nothing but what the movie is: the reasons say
    # what their taste adds (themes), then what the movie itself is.
    assert texts.reasons[1][-1] == "A sci-fi film about spaceship and alien."
    assert "Picked by people drawn to stories of spaceship and alien." in texts.reasons[1]
    assert all("ballroom" not in reason for reason in texts.reasons[1])


@pytest.mark.ml
def test_the_reward_model_ranks_a_users_kind_of_movie_first_with_and_without_reasons():
    ratings = _ratings()
    texts = write_texts(ratings, MOVIES)
    rng = np.random.default_rng(1)
    vocabulary = {text: rng.normal(size=16).astype(np.float32) for text in
                  {*texts.patterns.values(), *(r for rs in texts.reasons.values() for r in rs)}}  # fmt: skip
    patterns = {user: vocabulary[text] for user, text in texts.patterns.items()}
    reasons = {movie: np.stack([vocabulary[r] for r in found]) for movie, found in texts.reasons.items()}
    for use_reasons in (True, False):
        model = CurecRewardModel(RewardConfig(epochs=40, batch_size=64, use_reasons=use_reasons, seed=0))
        model.with_texts(patterns, reasons).fit(ratings)
        top = [item for item, _ in model.recommend(3, k=2)]  # user 3 loves space operas; two are unseen
        assert set(top) <= set(range(1, 11)), (use_reasons, top)
        assert model.losses[-1] < model.losses[0]


@pytest.mark.ml
def test_a_movie_never_predicts_itself_through_the_users_history():
    """In training, a positive's own embedding is taken out of the history mean it is scored with."""
    model = CurecRewardModel(RewardConfig(epochs=1, use_reasons=False)).fit(_ratings())
    user, item = 0, int(model.seen_items[0])
    with_item = model._history_means(np.array([user]), np.array([item]), in_history=np.array([0.0]))
    without = model._history_means(np.array([user]), np.array([item]), in_history=np.array([1.0]))
    seen = model.seen_items[model.seen_indptr[0] : model.seen_indptr[1]]
    others = [int(i) for i in seen if i != item]
    expected = model.net.history.weight[others].mean(dim=0)
    assert np.allclose(without.detach().numpy()[0], expected.detach().numpy(), atol=1e-6)
    assert not np.allclose(with_item.detach().numpy()[0], without.detach().numpy()[0])


@pytest.mark.ml
@pytest.mark.parametrize("method", ["score_for_ratings"])
def test_fold_in_is_refused_with_a_clear_message(method):
    model = CurecRewardModel(RewardConfig(epochs=1, use_reasons=False)).fit(_ratings())
    with pytest.raises(NotImplementedError, match="training users only"):
        getattr(model, method)([1, 2], [5.0, 4.0])
