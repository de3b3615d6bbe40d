"""Shared by the import commands: run one import, turn reader errors into command errors."""

from __future__ import annotations

from catalog.importers.bundled import files_fingerprint
from catalog.importers.records import Dataset
from catalog.imports import dataset_import, import_already_done
from catalog.selectors import catalog_coverage


def run_import(command, dataset: Dataset, *, force: bool, fingerprint: str | None = None) -> None:
    """`fingerprint` may be passed by a caller that hashed the files already (they are large)."""
    if fingerprint is None:
        fingerprint = files_fingerprint(dataset.files) if dataset.files else ""
    if not force and fingerprint and import_already_done(source=dataset.name, fingerprint=fingerprint):
        command.stdout.write(f"{dataset.name}: these files were imported already; nothing to do (--force re-imports)")
        return
    result = dataset_import(dataset=dataset, fingerprint=fingerprint, progress=True)
    command.stdout.write(command.style.SUCCESS(result.summary()))
    coverage_print(command)


def coverage_print(command) -> None:
    c = catalog_coverage()
    movie_share = c["with_overview"] / c["movies"] if c["movies"] else 0
    rating_share = c["ratings_with_overview"] / c["ratings"] if c["ratings"] else 0
    command.stdout.write(
        f"catalog: {c['movies']} movies, {c['ratings']} ratings; with an overview: "
        f"{c['with_overview']} movies ({movie_share:.1%}), "
        f"covering {c['ratings_with_overview']} ratings ({rating_share:.1%})"
    )
