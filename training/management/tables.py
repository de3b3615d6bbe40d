"""Lines both evaluation commands print for the seed paper's protocols, so the two read alike."""

from recommender.engine.evaluation.metrics import HIT_RATE_N
from recommender.engine.evaluation.splits import SEED_REPORTED


def hit_rate_lines(results: dict, tag: str, width: int) -> list[str]:
    """HR@n and cumulative HR@n for n in HIT_RATE_N, one row per model (metrics from `hit_rates`)."""
    columns = [f"hr_at_{n}" for n in HIT_RATE_N] + [f"cum_hr_at_{n}" for n in HIT_RATE_N]
    lines = [f"{'model':<{width}}" + "".join(f"{c.replace('_at_', '@'):>12}" for c in columns)]
    for name, result in results.items():
        lines.append(f"{name:<{width}}" + "".join(f"{result['metrics'][c]:>12.4f}" for c in columns) + f"  {tag}")
    return lines


def ratio_lines(results: dict, k: int, tag: str, *, shown: set[str], feed: str) -> list[str]:
    """Each shown model's NDCG@k and cumulative HR@k as multiples of SVD's, as the seed paper reports them."""
    svd = results.get("svd", {}).get("metrics", {})
    if not svd.get("ndcg"):
        return []
    lines = []
    for name, result in results.items():
        if name == "svd" or name not in shown:
            continue
        m = result["metrics"]
        line = f"{name}{' (what the feed serves)' if name == feed else ''}: NDCG@{k} {m['ndcg'] / svd['ndcg']:.2f}x SVD"
        if svd.get("cum_hr"):
            line += f", cumulative HR@{k} {m['cum_hr'] / svd['cum_hr']:.2f}x"
        lines.append(f"{line} {tag}")
    return lines


def seed_reported_line(protocol: str) -> list[str]:
    if protocol not in SEED_REPORTED:
        return []
    return [f"for comparison, {SEED_REPORTED[protocol]}; its profiles saw held-out ratings, ours see train only"]
