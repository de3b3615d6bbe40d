"""What every data set of the project shares: writing a split folder atomically, and resolving the
(title, year) pairs of a hand-written set to catalog ids."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from catalog.models import Movie


def dataset_folder_write(folder: Path, examples: Iterable, splits: Iterable[str], manifest: dict) -> None:
    """One JSON Lines file per split (each example's `split` and `to_json()`) plus manifest.json.
    Written under a temporary name and renamed, so a folder that exists is complete."""
    examples = list(examples)
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    for split in splits:
        with open(partial / f"{split}.jsonl", "w") as out:
            for example in examples:
                if example.split == split:
                    out.write(json.dumps(example.to_json()) + "\n")
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2))
    if folder.exists():
        shutil.rmtree(folder)
    partial.rename(folder)


def movie_ids_by_title_year(
    wanted: set[tuple[str, int | None]], *, missing_ok: bool = False
) -> dict[tuple[str, int | None], int]:
    """(title, year) -> catalog id, by exact title and year. A pair the catalog lacks is an error
    (a hand-written set must match the bundled data) unless `missing_ok` (a smaller catalog)."""
    ids = {}
    rows = Movie.objects.filter(title__in={title for title, _ in wanted}).values_list("id", "title", "year")
    for movie_id, title, year in rows:
        ids[(title, year)] = movie_id
    missing = sorted(wanted - ids.keys(), key=str)
    if missing and not missing_ok:
        raise ValueError(f"hand-written titles not in the catalog: {missing[:5]}")
    return ids
