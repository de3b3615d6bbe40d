"""A toy model kind, written as the add-a-kind recipe says (docs/ARCHITECTURE.md): an engine, a
pipeline and a registry entry, nothing else. tests/training/test_toy_kind.py registers it."""

from recommender.kinds import Gate, Kind

TOY = Kind(
    "toy",
    "Toy (shrunk mean rating)",
    "default",
    {"shrink": 0.0},
    pipeline="tests.training.toy.pipeline.train",
    gate=Gate(metric="rmse", greater_is_better=False),
    loader="tests.training.toy.engine.MeanRating.load",
    after_promotion="tests.training.toy.pipeline.after_promotion",
)
