"""Parse a search request (recommender/engine/query): validate it, answer from the cache when the
same normalised request was parsed by the same parser version, else run the serving parser.

The serving parser today is the baseline: the gazetteer and lexicon for entities, and the serving
`query_parser` version's linear intent classifier on MiniLM vectors (keyword rules until one has
been trained). Sentence vectors always come from the bundled MiniLM, never a fine-tuned embedder,
because the classifier was fitted on those.
"""

from __future__ import annotations

import hashlib
import threading

from django.core.cache import cache

from recommender.engine.query.baseline import BaselineParser
from recommender.engine.query.schema import ParsedQuery, query_clean, query_key
from recommender.engine.text.embedder import Embedder, default_model_path
from recommender.selectors.query_graph import catalog_gazetteer
from recommender.services.registry import serving_model

CACHE_SECONDS = 24 * 3600
_lock = threading.Lock()
_encoder: Embedder | None = None
_parser: tuple[tuple, BaselineParser] | None = None  # ((gazetteer, version id), parser)


def query_parse(raw: object) -> tuple[ParsedQuery, str]:
    """(parse, parser name). Raises QueryError (a ValueError) with a message for bad input."""
    text = query_clean(raw)
    served = serving_model("query_parser")
    parser_name = f"baseline+query_parser-v{served[0].pk}" if served else "baseline+rules"
    key = f"query-parse:{parser_name}:" + hashlib.sha256(query_key(text).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return ParsedQuery.from_dict(cached), parser_name
    parse = _serving_parser(served).parse(text)
    cache.set(key, parse.to_dict(), CACHE_SECONDS)
    return parse, parser_name


def query_encoder() -> Embedder:
    """The bundled MiniLM, loaded once per process: the intent classifier's vectors always come from it."""
    global _encoder
    with _lock:
        if _encoder is None:
            _encoder = Embedder(default_model_path(), name="minilm-query")
        return _encoder


def _encode(texts: list[str]):
    return query_encoder().encode(texts)


def _serving_parser(served) -> BaselineParser:
    """The parser for this catalog and classifier version, built once (themes and indexes are not free)."""
    global _parser
    graph, gazetteer = catalog_gazetteer()
    key = (gazetteer, served[0].pk if served else None)
    if _parser is None or _parser[0] != key:
        classifier = served[1] if served else None  # without one no vector is needed: MiniLM loads only on use
        _parser = (key, BaselineParser(gazetteer, classifier, _encode, graph.themes()))
    return _parser[1]
