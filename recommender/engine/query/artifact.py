"""What a query_parser model version holds, on disk: plain files, read without Django.

intent_classifier.npz   the baseline's linear intent classifier (also the LLM parser's fallback)
adapter/                the LoRA adapter of the fine-tuned LLM parser (absent for a baseline-only run)
manifest.json           the data set's manifest, the protocol, and the base model the adapter belongs to
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from recommender.engine.query.baseline import IntentClassifier

ADAPTER = "adapter"


@dataclass(frozen=True)
class ParserFiles:
    classifier: IntentClassifier
    adapter: Path | None  # None: this version serves the baseline only
    base_model: str  # name of the base model folder the adapter was trained on ("" without an adapter)

    @classmethod
    def load(cls, folder: Path) -> ParserFiles:
        manifest = json.loads((folder / "manifest.json").read_text())
        adapter = folder / ADAPTER
        return cls(IntentClassifier.load(folder), adapter if adapter.is_dir() else None, manifest.get("base_model", ""))
