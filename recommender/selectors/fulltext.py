"""Postgres full-text search over each movie's document (the text it is embedded by): the
keyword-matching retriever beside the embeddings, for words the embedder does not know (a name, a
rare keyword) and as the baseline every learned retriever must beat.

A request is read as the OR of its words (English stemming, stop words dropped, and the words of
asking: "movie", "film", "watch", "something", "good"...), so a long narrative still matches;
documents are ordered by ts_rank_cd, cover density with length normalisation 1
(rank / (1 + log(length))), a BM25-like balance of matched terms and document length.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from django.db import connection

from recommender.engine.query.lexicon import FILM_WORDS

TSVECTOR = "to_tsvector('english'::regconfig, document)"  # the indexed expression (migration 0006)
# Words of asking, not of wanting: any document saying "film" or "story" matched them ("survival
# movies in the wilderness" found Ed Wood and Last Action Hero, films about films).
REQUEST_WORDS = FILM_WORDS | frozenset(
    """watch watching watched want wanted wanna looking look something anything recommend recommendation
    recommendations suggest suggestions please pls good great best nice awesome favourite favorite kind sort
    type style stuff story stories tonight lol""".split()
)


def fulltext_ranking(query: str, *, limit: int = 100, movie_ids: Collection[int] | None = None) -> list[int]:
    """Movie ids whose documents match any word of `query`, best first (ties by id); [] when no
    word of it is searchable (only stop words, or nothing)."""
    if limit < 1:
        return []
    among = "" if movie_ids is None else "AND movie_id = ANY(%(ids)s)"
    sql = f"""
        WITH request AS (
            SELECT NULLIF(replace(plainto_tsquery('english', %(q)s)::text, '&', '|'), '')::tsquery AS words
        )
        SELECT movie_id FROM recommender_movieembedding, request
        WHERE request.words IS NOT NULL AND {TSVECTOR} @@ request.words {among}
        ORDER BY ts_rank_cd({TSVECTOR}, request.words, 1) DESC, movie_id
        LIMIT %(limit)s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"q": searchable(query), "limit": limit, "ids": list(movie_ids or [])})
        return [row[0] for row in cursor.fetchall()]


def searchable(query: str) -> str:
    """The request without its words of asking (REQUEST_WORDS); Postgres drops the other stop words."""
    return " ".join(word for word in re.findall(r"[\w'-]+", query) if word.lower() not in REQUEST_WORDS)
