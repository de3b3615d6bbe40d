"""Language-aware re-ranking: candidate features and the linear re-ranker (`model`), and fitting
and evaluating it on rating splits (`offline`)."""
