"""Free-text search: the cross-encoder that re-ranks, the fusion of retrievers and the reasons. Plain Python."""
