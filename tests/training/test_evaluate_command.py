"""`manage.py evaluate` on the test database: the printed table and a JSON anyone can recompute."""

import json
import math
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _ndcg(recommended: list[int], relevant: set[int], k: int) -> float:
    dcg = sum(1 / math.log2(rank + 2) for rank, item in enumerate(recommended[:k]) if item in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
    return dcg / ideal


def test_evaluate_prints_the_protocol_and_writes_a_recomputable_json(taste_catalog, tmp_path):
    out = StringIO()
    path, plot = tmp_path / "eval.json", tmp_path / "eval.png"
    call_command("evaluate", "--protocol", "stratified", "--seed", "3", "--k", "5", "--models", "popularity", "ease",
                 "--json", str(path), "--plot", str(plot), stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "protocol: stratified (per-user random 75/25 split of ratings), seed 3, k=5, full ranking" in text
    assert text.count("[stratified seed=3 k=5]") == 2  # one table row per model, each with its protocol
    assert plot.read_bytes().startswith(b"\x89PNG")

    document = json.loads(path.read_text())
    assert document["protocol"]["name"] == "stratified" and document["protocol"]["k"] == 5
    assert document["feed_model"] == "ease"
    train = {(u, i) for u, i, _ in document["split"]["train"]}
    test_items: dict[int, set[int]] = {}
    for user, item, _ in document["split"]["test"]:
        test_items.setdefault(user, set()).add(item)
    assert not train & {(u, i) for u, items in test_items.items() for i in items}

    for name in ("popularity", "ease"):
        model = document["models"][name]
        assert set(model["metrics"]) >= {"ndcg", "hr", "recall", "map", "cum_hr", "coverage"}
        topk = {int(user): items for user, items in model["topk"].items()}
        # A model may know fewer unseen movies than k (EASE leaves out rarely rated ones), never train items.
        assert all(len(items) <= 5 and not {(user, i) for i in items} & train for user, items in topk.items())
        recomputed = sum(_ndcg(topk[user], items, 5) for user, items in test_items.items()) / len(test_items)
        assert model["metrics"]["ndcg"] == pytest.approx(recomputed, abs=1e-9)


def test_evaluate_without_ratings_says_what_to_do(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="there are no ratings"):
        call_command("evaluate", stdout=StringIO())


def test_evaluate_seed_hit_rate_protocol_holds_out_one_rating_per_user_and_runs_the_peers(taste_catalog, tmp_path):
    out, path = StringIO(), tmp_path / "seed-hr.json"
    call_command("evaluate", "--protocol", "seed-hr", "--models", "popularity", "svd", "--peers", "--tune",
                 "--json", str(path), "--plot", str(tmp_path / "p.png"), stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "seed-hr (one random rating per user held out whatever its value" in text
    assert "cum_hr@1" in text and "for comparison, seed paper" in text
    document = json.loads(path.read_text())
    test_rows = document["split"]["test"]
    users = [user for user, _, _ in test_rows]
    assert len(users) == len(set(users))  # exactly one held-out rating per user
    assert min(rating for _, _, rating in test_rows) < 4.0  # whatever its value
    held = {user: item for user, item, _ in test_rows}
    for name in ("popularity", "svd", "implicit-als", "implicit-bpr", "cornac-bpr", "cornac-ease"):
        model = document["models"][name]
        topk = {int(user): items for user, items in model["topk"].items()}
        for n in (1, 5, 10):
            hits = [held[user] in topk.get(user, [])[:n] for user in held]
            assert model["metrics"][f"hr_at_{n}"] == pytest.approx(sum(hits) / len(hits))
    # --tune judged every grid entry on a validation split of train and recorded what it kept.
    assert "validation implicit-als defaults: NDCG@10" in text
    assert all("parameters" in model for model in document["models"].values())


@pytest.mark.ml
def test_evaluate_rerank_json_has_the_split_every_rows_top_k_and_what_the_feed_serves(taste_catalog, tmp_path):
    from recommender.services.embeddings import embeddings_refresh

    embeddings_refresh()
    out, path = StringIO(), tmp_path / "rerank.json"
    call_command("evaluate_rerank", "--protocol", "seed-hr", "--n", "20", "--json", str(path), stdout=out)
    assert "for comparison, seed paper" in out.getvalue()
    document = json.loads(path.read_text())
    assert document["protocol"]["name"] == "seed-hr" and document["feed_model"] == "ease+pop+emb+genre"
    held = {user: item for user, item, _ in document["split"]["test"]}
    assert len(held) == len(document["split"]["test"])  # one held-out rating per user
    assert document["feed_model"] in document["models"]
    for row in document["models"].values():
        topk = {int(user): items for user, items in row["topk"].items()}
        hits = [held[user] in topk[user][:5] for user in topk]
        assert row["metrics"]["hr_at_5"] == pytest.approx(sum(hits) / len(hits))
