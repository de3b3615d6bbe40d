"""One module per model kind: `train(run, reporter) -> (metrics, promoted version or None)`.

Each fits on its own validation protocol, evaluates, asks the one gate
(training/services/gate.py), and publishes through recommender.services.registry only if the gate
passed. Optional `check_parameters(parameters)` refuses bad values when a run is created. The
kinds registry (recommender/kinds.py) names the module; follow-up work after a promotion is the
kind's `after_promotion` hook, not the pipeline's.
"""
