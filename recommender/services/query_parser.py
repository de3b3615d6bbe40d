"""Parse a search request (recommender/engine/query): validate it, answer from the cache when the
same normalised request was parsed by the same parser version, else run the serving parser.

The serving parser is the serving `query_parser` version's: its LoRA-tuned language model
(engine/query/llm_parser.py) when the version has an adapter and QUERY_PARSER is "llm", with that
version's baseline (gazetteer, lexicon and linear intent classifier on MiniLM vectors) as the
fallback for answers it cannot use; the baseline alone otherwise, and keyword rules before any
version has been trained. Sentence vectors for the classifier always come from the bundled MiniLM,
never a fine-tuned embedder, because the classifier was fitted on those.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from django.conf import settings
from django.core.cache import cache

from recommender.engine.query.baseline import BaselineParser
from recommender.engine.query.llm_parser import LLMParser
from recommender.engine.query.schema import ParsedQuery, query_clean, query_key
from recommender.engine.text.embedder import Embedder, default_model_path
from recommender.selectors.query_graph import catalog_gazetteer
from recommender.services import llm as llm_service
from recommender.services.registry import serving_model

logger = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600
# Part of every cache key: bump it when the rules around the model change what a request parses to
# (the scan's cues, the lexicon), so a deploy does not serve a day of parses read the old way.
PARSE_RULES_VERSION = 4  # 2: a long description's English words are prose; 3: real words are no typo; 4: "about X"
_lock = threading.Lock()
_encoder: Embedder | None = None
_parser: tuple[tuple, object, str] | None = None  # ((gazetteer, version id, mode), parser, name)


def query_parse(raw: object) -> tuple[ParsedQuery, str]:
    """(parse, parser name). Raises QueryError (a ValueError) with a message for bad input."""
    text = query_clean(raw)
    parser, parser_name = serving_parser()
    key = f"query-parse:{parser_name}:r{PARSE_RULES_VERSION}:" + hashlib.sha256(query_key(text).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return ParsedQuery.from_dict(cached), parser_name
    parse = parser.parse(text)
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


def serving_parser() -> tuple[BaselineParser | LLMParser, str]:
    """(the parser for this catalog and serving version, its name), built once: themes, indexes and
    the language model are not free. The name goes into cache keys and API answers."""
    global _parser
    served = serving_model("query_parser")
    graph, gazetteer = catalog_gazetteer()
    key = (gazetteer, served[0].pk if served else None, settings.QUERY_PARSER)
    with _lock:
        if _parser is None or _parser[0] != key:
            _parser = (key, *_build(served, graph, gazetteer))
        return _parser[1], _parser[2]


def _build(served, graph, gazetteer) -> tuple[BaselineParser | LLMParser, str]:
    if not served:  # without a classifier no vector is needed: MiniLM loads only on use
        return BaselineParser(gazetteer, None, _encode, graph.themes()), "baseline+rules"
    version, files = served
    baseline = BaselineParser(gazetteer, files.classifier, _encode, graph.themes())
    if files.adapter is None or settings.QUERY_PARSER != "llm":
        return baseline, f"baseline+query_parser-v{version.pk}"
    base = llm_service.llm_base_path()
    if files.base_model and files.base_model != base.name:
        logger.warning("query_parser v%s was tuned on %s but the base model is %s: serving its baseline",
                       version.pk, files.base_model, base.name)  # fmt: skip
        return baseline, f"baseline+query_parser-v{version.pk}"
    suffix = f"+query_parser-v{version.pk}"
    llm = llm_service.local_llm(files.adapter, name_suffix=suffix)
    return LLMParser(llm, gazetteer, baseline), f"llm+query_parser-v{version.pk}"
