"""Model versions: saving artifacts, the atomic switch, pruning, the serving cache.

Whether a version may serve is decided before it gets here, by the one gate in training/services/gate.py.
"""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recommender.kinds import kind_get, resolve
from recommender.models import ModelVersion

logger = logging.getLogger(__name__)


def model_version_create(*, kind: str, parameters: dict, metrics: dict, model, plot_png: bytes | None) -> ModelVersion:
    """Save the trained model's files under MODEL_DIR and record a (not yet serving) version."""
    version = ModelVersion.objects.create(kind=kind, parameters=parameters, metrics=metrics, plot_png=plot_png)
    relative = f"{kind}/v{version.pk}"
    target = settings.MODEL_DIR / relative
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    model.save(partial)
    partial.rename(target)  # a crash never leaves a half-written folder under the final name
    version.artifact_dir = relative
    version.save(update_fields=["artifact_dir"])
    return version


class FolderArtifact:
    """A trained model that already sits in a folder (a fine-tuned embedder, a LoRA adapter): saved by copying."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, target: Path) -> None:
        shutil.copytree(self.folder, target, dirs_exist_ok=True)


def model_version_publish(*, kind: str, parameters: dict, metrics: dict, model, plot_png: bytes | None = None):
    """Save a version that passed its gate, make it the serving one, and prune old artifacts."""
    version = model_version_create(kind=kind, parameters=parameters, metrics=metrics, model=model, plot_png=plot_png)
    model_version_promote(version=version)
    model_artifacts_prune(kind=kind)
    return version


@transaction.atomic
def model_version_promote(*, version: ModelVersion) -> None:
    """Make `version` the one serving version of its kind, in one transaction."""
    if not version.artifact_dir:
        raise ValueError(f"{version} has no artifact files (pruned or never saved); it cannot serve")
    # Lock the kind's rows so two promotions of the same kind cannot interleave.
    list(ModelVersion.objects.select_for_update().filter(kind=version.kind))
    ModelVersion.objects.filter(kind=version.kind, is_serving=True).exclude(pk=version.pk).update(is_serving=False)
    ModelVersion.objects.filter(pk=version.pk).update(is_serving=True, promoted_at=timezone.now())
    version.refresh_from_db()


KEEP_VERSIONS = 3  # per kind, besides the serving one: room to roll back without filling the disk


def model_artifacts_prune(*, kind: str) -> int:
    """Delete the files of old, non-serving versions (EASE is ~300 MB each); their rows and metrics stay."""
    old = ModelVersion.objects.filter(kind=kind, is_serving=False).exclude(artifact_dir="").order_by("-created_at")
    pruned = 0
    for version in old[KEEP_VERSIONS:]:
        shutil.rmtree(Path(settings.MODEL_DIR) / version.artifact_dir, ignore_errors=True)
        ModelVersion.objects.filter(pk=version.pk).update(artifact_dir="")
        pruned += 1
    return pruned


_cache_lock = threading.Lock()
_loaded: dict[str, tuple[int, object]] = {}


def serving_model(kind: str) -> tuple[ModelVersion, object] | None:
    """The serving version of a kind and its loaded model, reloaded when another version is promoted.

    The kind's loader (recommender/kinds.py) reads the artifact folder; a kind without one gets the folder.

    One cheap query per call tells whether the cached model is still the serving one, so web
    and worker processes pick up a promotion without a restart.
    """
    version = ModelVersion.objects.filter(kind=kind, is_serving=True).first()
    if version is None:
        return None
    with _cache_lock:
        cached = _loaded.get(kind)
        if cached is None or cached[0] != version.pk:
            path = Path(settings.MODEL_DIR) / version.artifact_dir
            logger.info("loading %s from %s", version, path)
            loader = kind_get(kind).loader
            _loaded[kind] = (version.pk, resolve(loader)(path) if loader else path)
        return version, _loaded[kind][1]
