"""The promotion gate's margin: a kind whose runs differ by noise asks for more than noise."""

from dataclasses import replace

from recommender.kinds import KINDS, Gate
from tests.training.toy import TOY
from training.services.gate import promotion_gate


def test_a_kind_that_must_improve_by_a_margin_is_refused_within_it_and_passes_beyond_it(monkeypatch):
    gate = Gate(metric="parse_f1", must_improve=True, against_serving_record=False, min_margin=0.005)
    monkeypatch.setitem(KINDS, "toy", replace(TOY, gate=gate))
    serving = {"the serving parser": {"parse_f1": 0.9408}}

    passed, reason = promotion_gate(kind="toy", candidate={"parse_f1": 0.9414}, measured=serving)
    assert not passed
    assert reason == "parse_f1 0.9414 is not better than the serving parser's 0.9408 by more than 0.005"

    passed, reason = promotion_gate(kind="toy", candidate={"parse_f1": 0.9500}, measured=serving)
    assert passed and reason == "parse_f1 0.9500 > the serving parser's 0.9408"


def test_the_query_parser_gate_asks_for_more_than_the_spread_of_two_runs():
    assert KINDS["query_parser"].gate.min_margin > 0.0006  # the margin that did not transfer (README)
