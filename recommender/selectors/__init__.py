"""Reads of the recommender's rows, one module per area: `feeds` (the feed the web shows),
`movie_text` (movie facts and embedded documents), `similar` (pgvector "more like this" and
free-text search). A selector never writes and never enqueues work."""
