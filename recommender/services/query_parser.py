"""Parse a search request (recommender/engine/query): validate it, answer from the cache when the
same normalised request was parsed by the same parser version, else run the serving parser.

The serving parser today is the baseline: the gazetteer and lexicon for entities, and the serving
`query_parser` version's linear intent classifier on MiniLM vectors (keyword rules until one has
been trained). Sentence vectors always come from the bundled MiniLM, never a fine-tuned embedder,
because the classifier was fitted on those.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from django.core.cache import cache

from recommender.engine.query.baseline import BaselineParser
from recommender.engine.query.schema import Constraints, ParsedQuery, PersonRef, TitleRef, query_clean, query_key
from recommender.engine.text.embedder import Embedder, default_model_path
from recommender.selectors.query_graph import catalog_gazetteer
from recommender.services.registry import serving_model

logger = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600
_encoder_lock = threading.Lock()
_encoder: Embedder | None = None


def query_parse(raw: object) -> tuple[ParsedQuery, str]:
    """(parse, parser name). Raises QueryError (a ValueError) with a message for bad input."""
    text = query_clean(raw)
    served = serving_model("query_parser")
    parser_name = f"baseline+query_parser-v{served[0].pk}" if served else "baseline+rules"
    key = f"query-parse:{parser_name}:" + hashlib.sha256(query_key(text).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return _from_dict(cached), parser_name
    graph, gazetteer = catalog_gazetteer()
    parser = BaselineParser(gazetteer, served[1] if served else None, _encode, themes=_themes(graph))
    parse = parser.parse(text)
    cache.set(key, parse.to_dict(), CACHE_SECONDS)
    return parse, parser_name


def _encode(texts: list[str]):
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = Embedder(default_model_path(), name="minilm-query")
    return _encoder.encode(texts)


_theme_cache: dict[int, set[str]] = {}


def _themes(graph) -> set[str]:
    """TMDB keywords that at least three movies share: the theme vocabulary (cached per graph)."""
    if id(graph) not in _theme_cache:
        _theme_cache.clear()
        _theme_cache[id(graph)] = {keyword for keyword, count in graph.keyword_counts().items() if count >= 3}
    return _theme_cache[id(graph)]


def _from_dict(data: dict) -> ParsedQuery:
    return ParsedQuery(
        intent=data["intent"],
        titles=[TitleRef(**title) for title in data["titles"]],
        people=[PersonRef(**person) for person in data["people"]],
        genres=data["genres"],
        themes=data["themes"],
        decades=data["decades"],
        plot=data["plot"],
        constraints=Constraints(**data["constraints"]),
    )
