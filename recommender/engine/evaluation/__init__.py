"""Offline evaluation: splits (stratified, temporal, leave-one-out), ranking and rating metrics,
CF models evaluated on a split, embedders evaluated on held-out movies."""
