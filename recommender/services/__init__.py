"""Writes for the recommender: model registry, training runs, feeds. Import from the submodules."""
