"""The one promotion gate: may a candidate version serve?

Every pipeline asks here, with its validation metrics and any baselines it measured beside the
candidate on the same data (the CF order a re-ranker re-orders, the writer serving now). The kind's
registry entry (recommender/kinds.py, `Gate`) says which metric counts, which way is better,
whether "not worse" is enough or it must improve, and whether the serving version's recorded
metric is a baseline too. The decision and its reason go into the run's metrics.
"""

from __future__ import annotations

from recommender.kinds import kind_get
from recommender.models import ModelVersion

# How much worse (absolute) still counts as "not worse": retraining on the same data must pass.
TOLERANCE = 0.0


def promotion_gate(*, kind: str, candidate: dict, measured: dict[str, dict] | None = None) -> tuple[bool, str]:
    """(passed, reason). `measured` maps a baseline's name to its metrics on the candidate's data."""
    gate = kind_get(kind).gate
    value = candidate.get(gate.metric)
    if value is None:
        return False, f"the candidate has no {gate.metric}"
    baselines = dict(measured or {})
    if gate.against_serving_record:
        serving = ModelVersion.objects.filter(kind=kind, is_serving=True).first()
        recorded = serving.metrics.get("validation", {}).get(gate.metric) if serving else None
        if recorded is not None:
            baselines[f"serving {serving}"] = {gate.metric: recorded}
    if not baselines:
        return True, "no version of this kind serves yet"
    reasons = []
    for name, metrics in baselines.items():
        other = metrics[gate.metric]
        margin = (value - other) if gate.greater_is_better else (other - value)
        better = margin > gate.min_margin if gate.must_improve else margin + TOLERANCE >= 0
        relation = {(True, True): ">", (True, False): ">=", (False, True): "<", (False, False): "<="}[
            (gate.greater_is_better, gate.must_improve)
        ]
        if not better:
            verb = "is not better than" if gate.must_improve else "is worse than"
            by = f" by more than {gate.min_margin}" if gate.must_improve and gate.min_margin else ""
            return False, f"{gate.metric} {value:.4f} {verb} {name}'s {other:.4f}{by}"
        reasons.append(f"{relation} {name}'s {other:.4f}")
    return True, f"{gate.metric} {value:.4f} " + ", ".join(reasons)
