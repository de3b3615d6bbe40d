"""Re-ranking features and the re-rank evaluation's per-variant movie vectors (engine only, tiny data)."""

import numpy as np

from recommender.engine.cf import Popularity
from recommender.engine.cf.data import IdIndex
from recommender.engine.evaluation import splits
from recommender.engine.rerank.model import (
    FEATURES,
    WORDS_ONLY_FEATURES,
    LinearReranker,
    ServingRerankers,
    UserCandidates,
    candidate_features,
)
from recommender.engine.rerank.offline import ItemVectors, Variant, evaluate_reranking

from .conftest import GROUP_A_ITEMS, GROUP_B_ITEMS, group_items


def unit(rows) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float64)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _evaluate_popularity_candidates(variants, train, test, **options):
    """evaluate_reranking on the block data: popularity candidates (top 30), k=3, no profiles."""
    return evaluate_reranking(
        variants,
        lambda kind: Popularity(),
        train,
        test,
        lambda ratings: splits.validation_split(ratings, "stratified", seed=1),
        profiles=lambda ratings: {},
        n=30,
        k=3,
        **options,
    )


def test_new_features_are_appended_so_existing_columns_keep_their_meaning():
    assert FEATURES[:6] == ("cf", "cf_rank", "popularity", "profile_similarity", "neighbour_similarity", "llm")
    assert FEATURES[6:] == ("neighbour_mean", "stated_similarity", "genre_affinity")


def test_genre_affinity_is_the_cosine_with_the_genres_the_user_rated_and_missing_for_a_movie_without_any():
    genres = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0]], dtype=float)  # drama; drama and crime; none known
    profile = np.array([3.0, 0.0, 1.0])  # rated three dramas and a comedy
    values, _ = candidate_features(
        UserCandidates(np.array([1, 2, 3]), np.array([3.0, 2.0, 1.0]), unit(np.ones((3, 2))),
                       item_genres=genres, genre_profile=profile)
    )  # fmt: skip
    affinity = values[:, FEATURES.index("genre_affinity")]
    assert np.allclose(affinity[:2], [3 / np.sqrt(10), 3 / np.sqrt(20)])
    assert np.isnan(affinity[2])


def test_the_fit_is_listwise_so_a_feature_that_only_tells_users_apart_gets_no_weight():
    """Within one user's list a per-user constant changes no order; a pooled yes/no fit would weigh it
    (here: the busy user has more held-out movies), a listwise fit cannot."""
    rng = np.random.default_rng(0)
    rows, labels, groups = [], [], []
    for user, (activity, held_out) in enumerate([(5.0, 8), (1.0, 1), (4.0, 6), (0.5, 1)]):
        signal = rng.normal(size=30)
        chosen = np.argsort(-signal)[:held_out]  # the signal finds each user's held-out movies
        values = np.full((30, len(FEATURES)), np.nan)
        values[:, FEATURES.index("cf")] = signal
        values[:, FEATURES.index("popularity")] = activity  # a per-user constant
        rows.append(values)
        labels.append(np.isin(np.arange(30), chosen))
        groups.append(np.full(30, user))
    reranker = LinearReranker(features=("cf", "popularity")).fit(
        np.vstack(rows), np.concatenate(labels), np.concatenate(groups)
    )
    assert reranker.weights[0] > 1.0
    assert abs(reranker.weights[1]) < 1e-6


def test_neighbour_mean_averages_the_five_closest_liked_movies_and_the_maximum_stays_beside_it():
    liked = unit(np.eye(7)[:, :7])  # seven orthogonal favourites
    candidate = unit([[7, 6, 5, 4, 3, 2, 1]])  # resembles each favourite a little less
    values, closest = candidate_features(
        UserCandidates(np.array([1]), np.array([3.0]), candidate, liked_item_ids=np.arange(7), liked_vectors=liked)
    )
    cosines = candidate[0]
    assert closest.tolist() == [0]
    assert np.isclose(values[0, FEATURES.index("neighbour_similarity")], cosines[0])
    assert np.isclose(values[0, FEATURES.index("neighbour_mean")], cosines[:5].mean())


def test_neighbour_mean_uses_every_liked_movie_when_there_are_fewer_than_five_and_is_missing_without_any():
    liked = unit([[1, 0], [0, 1]])
    candidates = unit([[1, 1], [1, 0]])
    values, _ = candidate_features(
        UserCandidates(np.array([1, 2]), np.array([3.0, 2.0]), candidates, liked_vectors=liked)
    )
    assert np.allclose(values[:, FEATURES.index("neighbour_mean")], [np.sqrt(0.5), 0.5])
    values, _ = candidate_features(UserCandidates(np.array([1]), np.array([3.0]), unit([[1, 0]])))
    assert np.isnan(values[0, FEATURES.index("neighbour_mean")])


def test_a_variant_ranks_with_the_movie_vectors_it_names(block_data):
    items = np.array(GROUP_A_ITEMS + GROUP_B_ITEMS)
    rng = np.random.default_rng(0)
    noise = ItemVectors(IdIndex(items), unit(rng.normal(size=(len(items), 8))).astype(np.float32))
    # Vectors that know which group a movie belongs to: a liked movie's group-mates are the closest.
    grouped = unit([[1.0, 0.05 * rng.normal()] if i in GROUP_A_ITEMS else [0.05 * rng.normal(), 1.0] for i in items])
    train, test = splits.stratified_split(block_data, test_fraction=0.25, seed=0)
    features = ("cf", "neighbour_similarity", "neighbour_mean")
    results = _evaluate_popularity_candidates(
        [Variant("noise", "popularity", features), Variant("grouped", "popularity", features, vectors="grouped")],
        train,
        test,
        vectors=noise,
        embed=lambda texts: np.zeros((len(texts), 8), dtype=np.float32),
        extra_vectors={"grouped": ItemVectors(IdIndex(items), grouped.astype(np.float32))},
    )

    def in_group_share(name):
        topk = results[name]["topk"]
        return np.mean([item in group_items(user) for user, items in topk.items() for item in items])

    assert in_group_share("grouped") == 1.0  # every pick resembles the user's favourites in the named space
    assert in_group_share("noise") < 0.9
    assert results["grouped"]["metrics"]["ndcg"] > results["noise"]["metrics"]["ndcg"]
    assert results["grouped"]["weights"]["neighbour_mean"] > 0


def test_item_vectors_from_rows_in_any_order_stay_with_their_movie():
    matrix = np.eye(3, dtype=np.float32)  # movie 30 -> e0, movie 10 -> e1, movie 20 -> e2
    vectors = ItemVectors.from_rows([30, 10, 20], matrix)
    expected = [[0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 0]]  # 99 is unknown: a zero vector
    np.testing.assert_array_equal(vectors.of(np.asarray([10, 20, 30, 99])), expected)


def test_simulated_statements_come_from_each_stages_held_out_movies_and_earn_their_weight(block_data):
    items = np.array(GROUP_A_ITEMS + GROUP_B_ITEMS)
    grouped = unit([[1.0, 0.1] if i in GROUP_A_ITEMS else [0.1, 1.0] for i in items]).astype(np.float32)
    vectors = ItemVectors(IdIndex(items), grouped)
    train, test = splits.stratified_split(block_data, test_fraction=0.25, seed=0)
    asked = []

    def statements(held):
        asked.append(held)
        return {u: "A" if set(i.tolist()) <= set(GROUP_A_ITEMS) else "B" for u, i in held.items_by_user().items()}

    results = _evaluate_popularity_candidates(
        [Variant("cf", "popularity", ("cf", "stated_similarity")),
         Variant("said", "popularity", ("cf", "stated_similarity"), stated=True)],
        train,
        test,
        vectors=vectors,
        embed=lambda texts: unit([[1.0, 0.0] if t == "A" else [0.0, 1.0] for t in texts]).astype(np.float32),
        statements=statements,
    )  # fmt: skip
    validation_held, test_held = asked
    pairs = lambda d: set(zip(d.user_ids.tolist(), d.item_ids.tolist(), strict=True))  # noqa: E731
    assert pairs(validation_held) <= pairs(train)  # validation movies for the weights...
    assert pairs(test_held) == pairs(test)  # ...and test movies only for the labelled measure
    assert results["said"]["weights"]["stated_similarity"] > 0
    assert results["said"]["metrics"]["ndcg"] > results["cf"]["metrics"]["ndcg"]


def test_a_serving_version_keeps_the_words_only_weights_beside_the_rated_ones(tmp_path):
    def fitted(features, seed):
        rng = np.random.default_rng(seed)
        values = np.where(np.isin(FEATURES, features), rng.normal(size=(40, len(FEATURES))), np.nan)
        return LinearReranker(features=features).fit(values, rng.random(40) < 0.3)

    rated, words_only = fitted(("cf", "stated_similarity"), 0), fitted(WORDS_ONLY_FEATURES, 1)
    ServingRerankers(rated, words_only).save(tmp_path)
    loaded = ServingRerankers.load(tmp_path)
    assert loaded.for_user(has_ratings=True).features == rated.features
    assert np.allclose(loaded.for_user(has_ratings=False).weights, words_only.weights)

    older = tmp_path / "older"  # a version saved before words-only weights existed
    older.mkdir()
    rated.save(older)
    assert ServingRerankers.load(older).for_user(has_ratings=False).features == rated.features


def test_under_the_seed_protocol_no_held_out_rating_reaches_a_profile_or_a_judgement(block_data):
    """The seed paper built profiles before splitting; here every prompt input comes from the fitting side."""
    items = np.array(GROUP_A_ITEMS + GROUP_B_ITEMS)
    vectors = ItemVectors(IdIndex(items), unit([[1.0, float(i % 3)] for i in items]).astype(np.float32))
    train, test = splits.random_loo_split(block_data, seed=0)
    profiled, judged_texts = [], []

    def profiles(ratings):
        profiled.append(ratings)
        return {int(u): " ".join(map(str, i.tolist())) for u, i in ratings.items_by_user().items()}

    def judge(texts, asked):
        judged_texts.append(dict(texts))
        return {u: np.zeros(len(i)) for u, i in asked.items() if texts.get(u)}

    evaluate_reranking(
        [Variant("judged", "popularity", ("cf", "llm"), llm_top=5)],
        lambda kind: Popularity(),
        train,
        test,
        lambda ratings: splits.validation_split(ratings, "seed-hr", seed=1),
        vectors=vectors,
        profiles=profiles,
        embed=lambda texts: np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2),
        llm=judge,
        n=30,
        k=3,
    )
    pairs = lambda d: set(zip(d.user_ids.tolist(), d.item_ids.tolist(), strict=True))  # noqa: E731
    fit_train, validation = splits.validation_split(train, "seed-hr", seed=1)
    validation_ratings, test_ratings = profiled
    assert pairs(validation_ratings) == pairs(fit_train) and not pairs(validation_ratings) & pairs(validation)
    assert pairs(test_ratings) == pairs(train) and not pairs(test_ratings) & pairs(test)
    held_out = {u: {str(i)} for u, i in pairs(test)}
    for texts in judged_texts:  # what the judge was shown about each user names no held-out movie
        assert all(not held_out.get(u, set()) & set(text.split()) for u, text in texts.items())
